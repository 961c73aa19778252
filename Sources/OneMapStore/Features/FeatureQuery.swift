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

    /// Checks what every backend checks the same way: the layer kind, paging, properties and bbox.
    /// - Returns: the names of the properties each row will carry.
    func validate(on layer: Layer) throws -> [String] {
        guard layer.kind == .vector else { throw StoreError.unsupported("'\(layer.id)' is not a vector layer") }
        guard limit > 0, offset >= 0 else { throw StoreError.invalidArgument("limit must be positive and offset not negative") }
        let properties = self.properties ?? layer.attributes.map(\.name)
        for p in properties where layer.attribute(p) == nil {
            throw StoreError.invalidArgument("unknown property '\(p)' in collection '\(layer.id)' (its properties: \(layer.attributes.map(\.name).joined(separator: ", ")))")
        }
        if let bbox, !(bbox.minX <= bbox.maxX && bbox.minY <= bbox.maxY) {
            throw StoreError.invalidArgument("bbox: the minimum is above the maximum")
        }
        if let problem = filter?.typeMismatch(on: layer) { throw StoreError.invalidArgument("filter: \(problem)") }
        return properties
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

/// A query made ready against one layer: access-checked, compiled by its backend, not yet run.
/// Preparing finds every error in the request, so a server can start its response only afterwards.
public struct PreparedQuery: Sendable {
    public let layer: Layer
    /// The names of the properties each row carries, in order.
    public let properties: [String]
    public let query: FeatureQuery
    /// The backend's compiled form (SQL and arguments for the SQL backends).
    let plan: any Sendable

    init(layer: Layer, properties: [String], query: FeatureQuery, plan: any Sendable) {
        self.layer = layer
        self.properties = properties
        self.query = query
        self.plan = plan
    }
}

/// A feature found by its searchable text (road and place names, unit-grid and component codes).
public struct SearchHit: Sendable {
    public let layer: Layer
    public let featureID: Int64
    public let field: AttributeField
    public let value: String
    /// The feature's bounding box in the layer's storage CRS.
    public let bbox: BoundingBox
    /// 2 for an exact match, 1 for a prefix, 0 for a match inside.
    public let rank: Int
}
