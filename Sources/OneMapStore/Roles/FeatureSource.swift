import OneMapGeometry

/// The feature-source role: reading a vector layer's features. Every method takes a `Layer`
/// the caller has already been allowed to read.
public protocol FeatureSource: Sendable {
    /// Calls `body` for every feature whose bounding box meets `bbox` (storage CRS), through the
    /// spatial index, reading only `columns` (unknown names read as null). The geometry handed to
    /// `body` is valid only during the call. The hot path of rendering and identify.
    func scan(_ layer: Layer, bbox: BoundingBox, columns: [String], _ body: (ScannedFeature) throws -> Void) throws

    /// Calls `body` for every feature whose geometry contains `point` (storage CRS; a point on a
    /// boundary is not contained), decided exactly by the backend next to its index: the hot path
    /// of point → unit grid lookups.
    func scan(_ layer: Layer, containing point: Coordinate, columns: [String], _ body: (ScannedFeature) throws -> Void) throws

    /// Checks and compiles a query, finding every error in it before any row is read.
    /// - Throws: `StoreError.invalidArgument` for unknown properties, a bad bbox or a bad filter.
    func prepare(_ query: FeatureQuery, on layer: Layer) throws -> PreparedQuery

    /// Runs a prepared query, calling `body` for each feature in order.
    func run(_ prepared: PreparedQuery, _ body: (ScannedFeature) throws -> Void) throws -> FeatureQueryResult

    /// One feature by id, nil when there is none.
    func feature(_ fid: Int64, of layer: Layer) throws -> Feature?

    /// Every feature, or those whose bounding box meets `bbox` (storage CRS), by id.
    func features(of layer: Layer, bbox: BoundingBox?) throws -> [Feature]

    /// Features whose searchable fields contain `text`, at most `limit` per field.
    func search(_ text: String, in layers: [Layer], limit: Int) throws -> [SearchHit]
}

/// The editor role: transactional writes of single features. Each write, in one transaction,
/// bumps the layer's version, records the changed area in the change feed and appends an audit
/// record with the feature before and after.
public protocol FeatureEditor: Sendable {
    /// Adds a checked feature (its id is assigned by the store).
    /// - Returns: the feature with its id, and the layer's catalog entry after the edit.
    func insert(_ feature: Feature, into layer: Layer, by principal: Principal) throws -> (feature: Feature, layer: Layer)

    /// Changes a feature: `change` gets it as stored and returns it as it should be.
    /// - Parameter ifMatch: the ETag the client based the change on; a different current ETag
    ///   throws `StoreError.staleVersion`.
    func modify(_ fid: Int64, of layer: Layer, ifMatch: String?, action: String, by principal: Principal,
                _ change: (Feature) throws -> Feature) throws -> (feature: Feature, layer: Layer)

    /// Removes a feature.
    func delete(_ fid: Int64, of layer: Layer, ifMatch: String?, by principal: Principal) throws
}
