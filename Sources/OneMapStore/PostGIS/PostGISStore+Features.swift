import Foundation
import OneMapGeometry

/// A query compiled to PostgreSQL: the page's SELECT, the COUNT for `numberMatched`, their parameters.
struct PostGISQueryPlan: @unchecked Sendable {
    let select: String
    let count: String
    /// The filter's values (the count's parameters).
    let parameters: [PGParameter]
    /// LIMIT and OFFSET, after the filter's values in the page's SELECT.
    let page: [PGParameter]
}

extension PostGISStore {
    // MARK: FeatureSource

    /// Pages up to this size are read in one round trip; larger reads (copies, exports) go
    /// through a cursor so memory stays bounded.
    static let singleReadLimit = 10_000

    /// An attribute as it is selected: cast to its catalogued type, so a layer replaced with other
    /// types gives other SQL text (and so another prepared statement).
    static func selected(_ name: String, of layer: Layer) -> String {
        guard let field = layer.attribute(name) else { return "NULL" }
        return "\(quoteIdentifier(name))::\(field.type.postgresType)"
    }

    public func scan(_ layer: Layer, bbox: BoundingBox, columns: [String], _ body: (ScannedFeature) throws -> Void) throws {
        let srid = try srid(layer)
        let selected = columns.map { Self.selected($0, of: layer) }
        let sql = "SELECT fid, ST_AsBinary(geom)\(selected.map { ", " + $0 }.joined()) FROM \(quoteIdentifier(layer.table)) "
            + "WHERE geom && ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, \(srid))"
        try reads.with { c in
            let r = try c.preparedQuery(sql, [bbox.minX, bbox.minY, bbox.maxX, bbox.maxY].map { .text("\($0)") })
            try Self.emit(r, valueColumns: columns.count, body)
        }
    }

    public func scan(_ layer: Layer, containing point: Coordinate, columns: [String], _ body: (ScannedFeature) throws -> Void) throws {
        let srid = try srid(layer)
        let selected = columns.map { Self.selected($0, of: layer) }
        let sql = "SELECT fid, ST_AsBinary(geom)\(selected.map { ", " + $0 }.joined()) FROM \(quoteIdentifier(layer.table)) "
            + "WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint($1::float8, $2::float8), \(srid)))"
        try reads.with { c in
            try Self.emit(try c.preparedQuery(sql, [.text("\(point.x)"), .text("\(point.y)")]), valueColumns: columns.count, body)
        }
    }

    /// Hands each row (fid, WKB, values…) of a result to `body`.
    static func emit(_ r: PGResult, valueColumns: Int, _ body: (ScannedFeature) throws -> Void) throws {
        var values = [FeatureValue](repeating: .null, count: valueColumns)
        for i in 0..<r.count {
            for v in 0..<valueColumns { values[v] = r.value(i, v + 2) }
            try body(ScannedFeature(id: r.int64(i, 0)!, geometry: StoredGeometry(bytes: r.bytes(i, 1), encoding: .wkb), values: values))
        }
    }

    public func prepare(_ query: FeatureQuery, on layer: Layer) throws -> PreparedQuery {
        let properties = try query.validate(on: layer)
        var compiler = try PostGISFilterCompiler(layer: layer)
        var conditions: [String] = []
        if let bbox = query.bbox { conditions.append(compiler.bbox(bbox)) }
        if let filter = query.filter { conditions.append(try compiler.compile(filter)) }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let order = try query.sortBy.map(compiler.sortTerm) + ["fid"]
        let columns = ["fid", query.includeGeometry ? "ST_AsBinary(geom)" : "NULL::bytea"] + properties.map { Self.selected($0, of: layer) }
        let table = quoteIdentifier(layer.table)
        let filterParameters = compiler.parameters
        // The page is bound, not written into the text: one prepared statement serves every page.
        let limit = filterParameters.count + 1, offset = filterParameters.count + 2
        let plan = PostGISQueryPlan(
            select: "SELECT \(columns.joined(separator: ", ")) FROM \(table)\(whereClause) ORDER BY \(order.joined(separator: ", ")) LIMIT $\(limit)::int8 OFFSET $\(offset)::int8",
            count: "SELECT count(*) FROM \(table)\(whereClause)",
            parameters: filterParameters, page: [.text(String(query.limit)), .text(String(query.offset))])
        return PreparedQuery(layer: layer, properties: properties, query: query, plan: plan)
    }

    public func run(_ prepared: PreparedQuery, _ body: (ScannedFeature) throws -> Void) throws -> FeatureQueryResult {
        guard let plan = prepared.plan as? PostGISQueryPlan else { throw StoreError.unsupported("the query was prepared by another store") }
        let query = prepared.query, layer = prepared.layer, count = prepared.properties.count
        var returned = 0
        func read(_ c: PGConnection) throws -> Int {
            if query.limit <= Self.singleReadLimit {
                let r = try c.preparedQuery(plan.select, plan.parameters + plan.page)
                try Self.emit(r, valueColumns: count, body)
                returned = r.count
            } else {
                try c.stream(plan.select, plan.parameters + plan.page) { r in
                    try Self.emit(r, valueColumns: count, body)
                    returned += r.count
                }
            }
            var matched = query.offset + returned
            if returned == query.limit || (returned == 0 && query.offset > 0) {
                if query.bbox == nil && query.filter == nil {
                    matched = layer.featureCount
                } else {
                    matched = Int(try c.preparedQuery(plan.count, plan.parameters).int64(0, 0) ?? 0)
                }
            }
            return matched
        }
        // A page and its count see one snapshot only inside a transaction; a single page needs none.
        let matched = query.limit <= Self.singleReadLimit ? try reads.with(read) : try reads.transaction(readOnly: true, read)
        return FeatureQueryResult(layer: layer, properties: prepared.properties, returned: returned, matched: matched)
    }

    public func feature(_ fid: Int64, of layer: Layer) throws -> Feature? {
        try reads.with { c in try Self.fetchFeature(fid, layer: layer, lock: false, in: c) }
    }

    static func fetchFeature(_ fid: Int64, layer: Layer, lock: Bool, in c: PGConnection) throws -> Feature? {
        let columns = ["fid", "ST_AsBinary(geom)"] + layer.attributes.map { selected($0.name, of: layer) }
        let r = try c.preparedQuery("SELECT \(columns.joined(separator: ", ")) FROM \(quoteIdentifier(layer.table)) WHERE fid = $1::int8\(lock ? " FOR UPDATE" : "")",
                                    [.text(String(fid))])
        return try features(r, attributes: layer.attributes.count).first
    }

    static func features(_ r: PGResult, attributes: Int) throws -> [Feature] {
        try (0..<r.count).map { i in
            Feature(id: r.int64(i, 0)!, geometry: r.isNull(i, 1) ? nil : try WKB.decode(r.bytes(i, 1)),
                    values: (0..<attributes).map { r.value(i, 2 + $0) })
        }
    }

    public func features(of layer: Layer, bbox: BoundingBox?) throws -> [Feature] {
        let columns = ["fid", "ST_AsBinary(geom)"] + layer.attributes.map { Self.selected($0.name, of: layer) }
        var sql = "SELECT \(columns.joined(separator: ", ")) FROM \(quoteIdentifier(layer.table))"
        var parameters: [PGParameter] = []
        if let bbox {
            sql += " WHERE geom && ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, \(try srid(layer)))"
            parameters = [bbox.minX, bbox.minY, bbox.maxX, bbox.maxY].map { .text("\($0)") }
        }
        sql += " ORDER BY fid"
        return try reads.transaction(readOnly: true) { c in
            var out: [Feature] = []
            try c.stream(sql, parameters) { r in out += try Self.features(r, attributes: layer.attributes.count) }
            return out
        }
    }

    public func search(_ text: String, in layers: [Layer], limit: Int) throws -> [SearchHit] {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        var hits: [SearchHit] = []
        try reads.with { c in
            for layer in layers where layer.kind == .vector {
                for field in layer.attributes where field.searchable {
                    let column = quoteIdentifier(field.name)
                    let r = try c.preparedQuery("""
                        SELECT fid, \(column)::text, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom),
                               ((\(column)::text = $1)::int + (\(column)::text ILIKE $2)::int)::int8 AS rank
                        FROM \(quoteIdentifier(layer.table)) WHERE \(column)::text ILIKE $3 AND geom IS NOT NULL
                        ORDER BY rank DESC, length(\(column)::text), fid LIMIT \(max(1, min(limit, 100)))
                        """, [.text(text), .text(escaped + "%"), .text("%" + escaped + "%")])
                    for i in 0..<r.count {
                        guard let value = r.text(i, 1), let a = r.double(i, 2), let b = r.double(i, 3), let cc = r.double(i, 4),
                              let d = r.double(i, 5) else { continue }
                        hits.append(SearchHit(layer: layer, featureID: r.int64(i, 0)!, field: field, value: value,
                                              bbox: BoundingBox(minX: a, minY: b, maxX: cc, maxY: d), rank: Int(r.int64(i, 6)!)))
                    }
                }
            }
        }
        return hits
    }

    // MARK: FeatureEditor

    public func insert(_ feature: Feature, into layer: Layer, by principal: Principal) throws -> (feature: Feature, layer: Layer) {
        let srid = try srid(layer)
        return try pool.transaction { c in
            let names = layer.attributes.map { quoteIdentifier($0.name) } + ["geom"]
            let placeholders = layer.attributes.enumerated().map { "$\($0.offset + 1)::\($0.element.type.postgresType)" }
                + ["ST_GeomFromWKB($\(layer.attributes.count + 1)::bytea, \(srid))"]
            let r = try c.preparedQuery("INSERT INTO \(quoteIdentifier(layer.table)) (\(names.joined(separator: ", "))) VALUES (\(placeholders.joined(separator: ", "))) RETURNING fid",
                                        feature.values.map(PGParameter.value) + [feature.geometry.map { .bytes(WKB.encode($0)) } ?? .null])
            var stored = feature
            stored.id = r.int64(0, 0)!
            let after = try Self.commitEdit(layer, before: nil, after: stored, action: "create", principal: principal, in: c)
            return (stored, after)
        }
    }

    public func modify(_ fid: Int64, of layer: Layer, ifMatch: String?, action: String, by principal: Principal,
                       _ change: (Feature) throws -> Feature) throws -> (feature: Feature, layer: Layer) {
        let srid = try srid(layer)
        return try pool.transaction { c in
            let before = try Self.currentFeature(fid, layer: layer, ifMatch: ifMatch, in: c)
            var after = try change(before)
            after.id = fid
            let sets = layer.attributes.enumerated().map { "\(quoteIdentifier($0.element.name)) = $\($0.offset + 1)::\($0.element.type.postgresType)" }
                + ["geom = ST_GeomFromWKB($\(layer.attributes.count + 1)::bytea, \(srid))"]
            try c.preparedQuery("UPDATE \(quoteIdentifier(layer.table)) SET \(sets.joined(separator: ", ")) WHERE fid = $\(layer.attributes.count + 2)::int8",
                                after.values.map(PGParameter.value) + [after.geometry.map { .bytes(WKB.encode($0)) } ?? .null, .text(String(fid))])
            let updated = try Self.commitEdit(layer, before: before, after: after, action: action, principal: principal, in: c)
            return (after, updated)
        }
    }

    public func delete(_ fid: Int64, of layer: Layer, ifMatch: String?, by principal: Principal) throws {
        try pool.transaction { c in
            let before = try Self.currentFeature(fid, layer: layer, ifMatch: ifMatch, in: c)
            try c.preparedQuery("DELETE FROM \(quoteIdentifier(layer.table)) WHERE fid = $1::int8", [.text(String(fid))])
            _ = try Self.commitEdit(layer, before: before, after: nil, action: "delete", principal: principal, in: c)
        }
    }

    /// The feature as stored (locked until the edit commits), checked against the client's If-Match.
    static func currentFeature(_ fid: Int64, layer: Layer, ifMatch: String?, in c: PGConnection) throws -> Feature {
        guard let before = try fetchFeature(fid, layer: layer, lock: true, in: c) else { throw StoreError.featureNotFound(layer: layer.id, id: fid) }
        if let ifMatch, !before.matches(ifMatch: ifMatch) {
            throw StoreError.staleVersion(expected: ifMatch, actual: before.etag)
        }
        return before
    }

    /// Bumps the layer's version, count and extent, records the changed area and appends the
    /// audit record, in the edit's transaction. The catalog row is locked first, so edits from
    /// several instances to one layer take their versions one after another.
    static func commitEdit(_ layer: Layer, before: Feature?, after: Feature?, action: String, principal: Principal,
                           in c: PGConnection) throws -> Layer {
        guard let current = try decodeLayers(c.preparedQuery("SELECT entry::text FROM onemap_layers WHERE id = $1 FOR UPDATE", [.text(layer.id)]))[layer.id] else {
            throw StoreError.layerNotFound(layer.id)
        }
        let change = EditBookkeeping(layer: current, before: before, after: after)
        try saveLayer(change.layer, in: c)
        try recordChange(layerID: layer.id, version: change.layer.version, area: change.area, in: c)
        try appendAudit(change.auditEntry(action: action, principal: principal), in: c)
        return change.layer
    }
}
