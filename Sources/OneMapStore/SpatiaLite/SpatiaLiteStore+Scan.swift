import Foundation
import GRDB
import OneMapGeometry

extension SpatiaLiteStore {
    public func scan(_ layer: Layer, bbox: BoundingBox, columns: [String], _ body: (ScannedFeature) throws -> Void) throws {
        try scan(layer, columns: columns, condition: "", bbox: bbox, point: nil, body)
    }

    /// SpatiaLite's ST_Contains (GEOS, as OneMap's own predicates) on the R*Tree's candidates,
    /// in one statement: no candidate is decoded outside SQLite.
    public func scan(_ layer: Layer, containing point: Coordinate, columns: [String], _ body: (ScannedFeature) throws -> Void) throws {
        try scan(layer, columns: columns, condition: " AND ST_Contains(geom, MakePoint(?, ?, ST_SRID(geom))) = 1",
                 bbox: BoundingBox(minX: point.x, minY: point.y, maxX: point.x, maxY: point.y), point: point, body)
    }

    private func scan(_ layer: Layer, columns: [String], condition: String, bbox: BoundingBox, point: Coordinate?,
                      _ body: (ScannedFeature) throws -> Void) throws {
        guard layer.kind == .vector else { throw StoreError.unsupported("\(layer.id) is not a vector layer") }
        let known = Set(layer.attributes.lazy.map { $0.name })
        let selected = columns.filter { known.contains($0) }
        let list = (["fid", "geom"] + selected.map(quoteIdentifier)).joined(separator: ", ")
        let sql = "SELECT \(list) FROM \(quoteIdentifier(layer.table)) WHERE fid IN (SELECT pkid FROM \(quoteIdentifier("idx_\(layer.table)_geom")) WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)" + condition
        try readOneStatement { db in
            // Cached per connection: renders and analyses run the same few scans again and again
            // (items queries are not cached: their SQL carries paging literals).
            let statement = try RawStatement(cached: db, sql: sql)
            statement.bind(1, double: bbox.maxX)
            statement.bind(2, double: bbox.minX)
            statement.bind(3, double: bbox.maxY)
            statement.bind(4, double: bbox.minY)
            if let point {
                statement.bind(5, double: point.x)
                statement.bind(6, double: point.y)
            }
            var values = [FeatureValue](repeating: .null, count: columns.count)
            // Map requested columns to result positions; unknown ones stay null.
            let positions = columns.map { name in selected.firstIndex(of: name).map { Int32($0 + 2) } }
            while try statement.next() {
                guard let blob = statement.blob(1) else { continue }
                for (i, p) in positions.enumerated() { values[i] = p.map(statement.value) ?? .null }
                try body(ScannedFeature(id: statement.int64(0), geometry: StoredGeometry(bytes: blob, encoding: .spatiaLite), values: values))
            }
        }
    }
}
