import Foundation
import GRDB
import OneMapGeometry

/// A feature query: what OGC API – Features items requests and scripts ask of one layer.
public struct FeatureQuery: Sendable {
    /// Features meeting this box (storage CRS).
    public var bbox: BoundingBox?
    public var filter: FeatureFilter?
    /// Sort keys, most significant first; ties are broken by feature id so pages are stable.
    public var sortBy: [SortKey]
    /// The properties returned, in this order; nil for all of the layer's attributes.
    public var properties: [String]?
    public var includeGeometry: Bool
    public var limit: Int
    public var offset: Int

    public struct SortKey: Sendable, Hashable {
        public var property: String
        public var ascending: Bool

        public init(property: String, ascending: Bool) {
            self.property = property
            self.ascending = ascending
        }
    }

    public init(bbox: BoundingBox? = nil, filter: FeatureFilter? = nil, sortBy: [SortKey] = [], properties: [String]? = nil,
                includeGeometry: Bool = true, limit: Int = 100, offset: Int = 0) {
        self.bbox = bbox
        self.filter = filter
        self.sortBy = sortBy
        self.properties = properties
        self.includeGeometry = includeGeometry
        self.limit = limit
        self.offset = offset
    }
}

/// What a query found, besides the rows themselves.
public struct FeatureQueryResult: Sendable {
    /// The layer as it was read (after the access check).
    public let layer: Layer
    /// The names of the returned properties, in the order of `ScannedFeature.values`.
    public let properties: [String]
    public let returned: Int
    /// All features matching, across pages.
    public let matched: Int
}

/// A query made ready against one layer: access-checked, compiled, not yet run. Preparing
/// finds every error in the request, so a server can start its response only afterwards.
public struct PreparedQuery: Sendable {
    public let layer: Layer
    /// The names of the properties each row carries, in order.
    public let properties: [String]
    let select: String
    let count: String
    let arguments: [SQLArgument]
    let query: FeatureQuery

    init(_ query: FeatureQuery, layer: Layer) throws {
        guard layer.kind == .vector else { throw StoreError.unsupported("'\(layer.id)' is not a vector layer") }
        guard query.limit > 0, query.offset >= 0 else { throw StoreError.invalidArgument("limit must be positive and offset not negative") }
        let compiler = try FilterCompiler(layer: layer)
        let properties = query.properties ?? layer.attributes.map(\.name)
        for p in properties where layer.attribute(p) == nil {
            throw StoreError.invalidArgument("unknown property '\(p)' in collection '\(layer.id)' (its properties: \(layer.attributes.map(\.name).joined(separator: ", ")))")
        }
        var conditions: [SQLCondition] = []
        if let bbox = query.bbox {
            guard bbox.minX <= bbox.maxX, bbox.minY <= bbox.maxY else { throw StoreError.invalidArgument("bbox: the minimum is above the maximum") }
            conditions.append(compiler.bbox(bbox))
        }
        if let filter = query.filter { conditions.append(try compiler.compile(filter)) }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.map(\.sql).joined(separator: " AND ")
        let order = try query.sortBy.map { "\(try compiler.column($0.property)) \($0.ascending ? "ASC" : "DESC")" } + ["fid"]
        let columns = ["fid", query.includeGeometry ? "geom" : "NULL"] + properties.map(quoteIdentifier)
        let table = quoteIdentifier(layer.table)
        self.layer = layer
        self.properties = properties
        self.query = query
        arguments = conditions.flatMap(\.arguments)
        select = "SELECT \(columns.joined(separator: ", ")) FROM \(table)\(whereClause) ORDER BY \(order.joined(separator: ", ")) LIMIT \(query.limit) OFFSET \(query.offset)"
        count = "SELECT count(*) FROM \(table)\(whereClause)"
    }

    /// Runs the query on `db`, calling `body` for each row, then counts the matches when the page
    /// does not already tell (a short page ends the matches).
    func run(_ db: Database, _ body: (ScannedFeature) throws -> Void) throws -> FeatureQueryResult {
        let statement = try RawStatement(db, sql: select)
        for (i, a) in arguments.enumerated() { a.bind(statement, Int32(i + 1)) }
        var returned = 0
        var values = [FeatureValue](repeating: .null, count: properties.count)
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        while try statement.next() {
            for i in 0..<properties.count { values[i] = statement.value(Int32(i + 2)) }
            try body(ScannedFeature(id: statement.int64(0), geometry: statement.blob(1) ?? empty, values: values))
            returned += 1
        }
        var matched = query.offset + returned
        if returned == query.limit || (returned == 0 && query.offset > 0) {
            if query.bbox == nil && query.filter == nil {
                matched = layer.featureCount
            } else {
                let counter = try RawStatement(db, sql: count)
                for (i, a) in arguments.enumerated() { a.bind(counter, Int32(i + 1)) }
                matched = try counter.next() ? Int(counter.int64(0)) : 0
            }
        }
        return FeatureQueryResult(layer: layer, properties: properties, returned: returned, matched: matched)
    }
}

extension Store {
    /// Checks and compiles a query against a layer `principal` may see.
    /// - Throws: `StoreError.layerNotFound` when `principal` may not see the layer;
    ///   `StoreError.invalidArgument` for unknown properties, a bad bbox or a bad filter.
    public func prepare(layer id: String, _ query: FeatureQuery, for principal: Principal) throws -> PreparedQuery {
        try PreparedQuery(query, layer: try layer(id, for: principal))
    }

    /// Runs a prepared query, calling `body` for each feature in order (the geometry blob is
    /// valid only during the call). Synchronous, like every store read: servers call it from a
    /// blocking thread pool, never from an event loop (GRDB's async reads resume on the global
    /// executor, which is the event loops here, so mixing the two can starve the reader pool).
    public func run(_ prepared: PreparedQuery, _ body: (ScannedFeature) throws -> Void) throws -> FeatureQueryResult {
        try read { db in try prepared.run(db, body) }
    }

    /// Prepares and runs a feature query on the calling thread (see `run`).
    public func queryFeatures(layer id: String, _ query: FeatureQuery, for principal: Principal,
                              _ body: (ScannedFeature) throws -> Void) throws -> FeatureQueryResult {
        try run(try prepare(layer: id, query, for: principal), body)
    }

    /// One feature by id.
    /// - Throws: `StoreError.layerNotFound` or `.featureNotFound`.
    public func feature(_ fid: Int64, in layerID: String, for principal: Principal) throws -> Feature {
        let layer = try self.layer(layerID, for: principal)
        guard layer.kind == .vector else { throw StoreError.unsupported("'\(layerID)' is not a vector layer") }
        return try read { db in
            guard let f = try Self.fetchFeature(fid, layer: layer, in: db) else { throw StoreError.featureNotFound(layer: layerID, id: fid) }
            return f
        }
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
}
