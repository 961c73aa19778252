import Foundation
import GRDB
import OneMapGeometry

/// A feature as stored: id, geometry in the layer's storage CRS, and attribute values in the
/// order of the layer's `attributes`.
public struct Feature: Sendable, Hashable {
    public var id: Int64
    public var geometry: Geometry?
    public var values: [FeatureValue]

    public init(id: Int64, geometry: Geometry?, values: [FeatureValue]) {
        self.id = id
        self.geometry = geometry
        self.values = values
    }

    /// The value of a named attribute of `layer`.
    public func value(_ name: String, in layer: Layer) -> FeatureValue {
        guard let i = layer.attributes.firstIndex(where: { $0.name == name }), i < values.count else { return .null }
        return values[i]
    }
}

extension Store {
    /// Every feature of a vector layer, or those whose bounding box meets `bbox` (storage CRS),
    /// found through the R*Tree.
    /// - Throws: `StoreError.layerNotFound` when `principal` may not see the layer.
    public func features(in layerID: String, bbox: BoundingBox? = nil, for principal: Principal) throws -> [Feature] {
        let layer = try self.layer(layerID, for: principal)
        guard layer.kind == .vector else { throw StoreError.unsupported("\(layerID) is not a vector layer") }
        let columns = (["fid", "geom"] + layer.attributes.map(\.name)).map(quoteIdentifier).joined(separator: ", ")
        var sql = "SELECT \(columns) FROM \(quoteIdentifier(layer.table))"
        var arguments: StatementArguments = []
        if let bbox {
            sql += " WHERE fid IN (SELECT pkid FROM \(quoteIdentifier("idx_\(layer.table)_geom")) WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)"
            arguments = [bbox.maxX, bbox.minX, bbox.maxY, bbox.minY]
        }
        sql += " ORDER BY fid"
        return try read { db in
            var out: [Feature] = []
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while let row = try cursor.next() {
                let geometry: Geometry? = try row.withUnsafeData(atIndex: 1) { data in
                    guard let data else { return nil }
                    return try data.withUnsafeBytes { raw in
                        if let bbox, let box = SpatiaLiteBlob.boundingBox(raw), !box.intersects(bbox) { return nil }
                        return try SpatiaLiteBlob.decode(raw)
                    }
                }
                if bbox != nil && geometry == nil { continue }
                out.append(Feature(id: row[0], geometry: geometry, values: (0..<layer.attributes.count).map { Self.value(row, 2 + $0) }))
            }
            return out
        }
    }

    /// A column of a row as a `FeatureValue`.
    static func value(_ row: Row, _ index: Int) -> FeatureValue {
        switch (row[index] as DatabaseValue).storage {
        case .int64(let i): .integer(i)
        case .double(let d): .real(d)
        case .string(let s): .text(s)
        case .blob, .null: .null
        }
    }
}
