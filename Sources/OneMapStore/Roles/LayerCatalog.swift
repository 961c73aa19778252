/// The catalog role: which layers the store holds, and the writes that change the catalog
/// itself rather than a layer's features.
public protocol LayerCatalog: Sendable {
    /// Every layer, by id, with no access check (the `Store` above filters per caller).
    func allLayers() throws -> [String: Layer]

    /// The layers with these ids that exist, by id (a catalog refresh after a few changes reads
    /// only the layers they touched).
    func layers(ids: Set<String>) throws -> [String: Layer]

    /// Updates the descriptive metadata (title, group, access, display names, description) of
    /// existing layers from their layer files, bumping the version of each that changed.
    /// - Returns: the ids whose metadata changed.
    func syncMetadata(from files: [LayerFile]) throws -> [String]

    /// Removes a layer and its data.
    /// - Throws: `StoreError.layerNotFound`.
    func dropLayer(_ id: String) throws
}

/// The change-feed role: every import, edit or catalog change appends a numbered record of the
/// area it touched, so tile caches (in this process or another) drop exactly the stale tiles.
public protocol ChangeFeed: Sendable {
    /// The latest change sequence number (0 for a new store).
    func latestChangeSequence() throws -> Int64
    /// Changes recorded after `sequence`, oldest first.
    func changes(after sequence: Int64) throws -> [LayerChange]

    /// Calls `handler` soon after any process commits a change, when the backend announces
    /// changes (PostGIS: LISTEN/NOTIFY). Returns false when it does not, and readers poll.
    func observeChanges(_ handler: @escaping @Sendable () -> Void) throws -> Bool
}

/// The import role: a whole layer in one transaction, so a failed import leaves the store as
/// it was.
public protocol LayerImporter: Sendable {
    /// Imports `request`'s source; `file` is the layer file describing it, when there is one.
    func importLayer(_ request: ImportRequest, file: LayerFile?, progress: ImportProgress?) throws -> ImportSummary
}

/// The bulk-load role: a whole layer copied in from another store (`onemap copy`), in one
/// transaction, keeping its feature ids and catalog entry.
public protocol LayerLoader: Sendable {
    /// Creates `layer` (an id not yet in this store) and loads its features: `rows` is called
    /// once with a function taking each feature (id, ISO WKB geometry or nil, values in the
    /// order of `layer.attributes`).
    /// - Returns: the layer as this store catalogues it (its own table name).
    func loadVectorLayer(_ layer: Layer, rows: (_ add: (Int64, [UInt8]?, [FeatureValue]) throws -> Void) throws -> Void) throws -> Layer

    /// Creates a raster `layer` and loads its pyramid's tiles.
    func loadRasterLayer(_ layer: Layer, tiles: (_ add: (RasterTileRecord) throws -> Void) throws -> Void) throws -> Layer
}
