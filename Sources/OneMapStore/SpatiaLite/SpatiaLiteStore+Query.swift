import Foundation
import GRDB
import OneMapGeometry

/// A query compiled to SQLite: the page's SELECT, the COUNT for `numberMatched`, their arguments.
struct SpatiaLiteQueryPlan: @unchecked Sendable {
    let select: String
    let count: String
    let arguments: [SQLArgument]
}

extension SpatiaLiteStore {
    // MARK: FeatureSource

    public func prepare(_ query: FeatureQuery, on layer: Layer) throws -> PreparedQuery {
        let properties = try query.validate(on: layer)
        let compiler = try FilterCompiler(layer: layer)
        var conditions: [SQLCondition] = []
        if let bbox = query.bbox { conditions.append(compiler.bbox(bbox)) }
        if let filter = query.filter { conditions.append(try compiler.compile(filter)) }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.map(\.sql).joined(separator: " AND ")
        let order = try query.sortBy.map { "\(try compiler.column($0.property)) \($0.ascending ? "ASC" : "DESC")" } + ["fid"]
        let columns = ["fid", query.includeGeometry ? "geom" : "NULL"] + properties.map(quoteIdentifier)
        let table = quoteIdentifier(layer.table)
        let plan = SpatiaLiteQueryPlan(
            select: "SELECT \(columns.joined(separator: ", ")) FROM \(table)\(whereClause) ORDER BY \(order.joined(separator: ", ")) LIMIT \(query.limit) OFFSET \(query.offset)",
            count: "SELECT count(*) FROM \(table)\(whereClause)",
            arguments: conditions.flatMap(\.arguments))
        return PreparedQuery(layer: layer, properties: properties, query: query, plan: plan)
    }

    /// Runs the query, calling `body` for each row, then counts the matches when the page does not
    /// already tell (a short page ends the matches).
    public func run(_ prepared: PreparedQuery, _ body: (ScannedFeature) throws -> Void) throws -> FeatureQueryResult {
        guard let plan = prepared.plan as? SpatiaLiteQueryPlan else { throw StoreError.unsupported("the query was prepared by another store") }
        let query = prepared.query, layer = prepared.layer, count = prepared.properties.count
        return try read { db in
            let statement = try RawStatement(db, sql: plan.select)
            for (i, a) in plan.arguments.enumerated() { a.bind(statement, Int32(i + 1)) }
            var returned = 0
            var values = [FeatureValue](repeating: .null, count: count)
            let empty = UnsafeRawBufferPointer(start: nil, count: 0)
            while try statement.next() {
                for i in 0..<count { values[i] = statement.value(Int32(i + 2)) }
                try body(ScannedFeature(id: statement.int64(0), geometry: StoredGeometry(bytes: statement.blob(1) ?? empty, encoding: .spatiaLite),
                                        values: values))
                returned += 1
            }
            var matched = query.offset + returned
            if returned == query.limit || (returned == 0 && query.offset > 0) {
                if query.bbox == nil && query.filter == nil {
                    matched = layer.featureCount
                } else {
                    let counter = try RawStatement(db, sql: plan.count)
                    for (i, a) in plan.arguments.enumerated() { a.bind(counter, Int32(i + 1)) }
                    matched = try counter.next() ? Int(counter.int64(0)) : 0
                }
            }
            return FeatureQueryResult(layer: layer, properties: prepared.properties, returned: returned, matched: matched)
        }
    }

    public func feature(_ fid: Int64, of layer: Layer) throws -> Feature? {
        try read { db in try Self.fetchFeature(fid, layer: layer, in: db) }
    }

    static func fetchFeature(_ fid: Int64, layer: Layer, in db: Database) throws -> Feature? {
        let columns = (["fid", "geom"] + layer.attributes.map(\.name)).map(quoteIdentifier).joined(separator: ", ")
        guard let row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM \(quoteIdentifier(layer.table)) WHERE fid = ?", arguments: [fid]) else {
            return nil
        }
        let geometry: Geometry? = try row.withUnsafeData(atIndex: 1) { data in
            try data.map { try $0.withUnsafeBytes { try SpatiaLiteBlob.decode($0) } }
        }
        return Feature(id: row[0], geometry: geometry, values: (0..<layer.attributes.count).map { value(row, 2 + $0) })
    }

    public func features(of layer: Layer, bbox: BoundingBox?) throws -> [Feature] {
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
