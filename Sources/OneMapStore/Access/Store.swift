import Foundation
import Logging
import OneMapGeometry
import OneMapImage
import Synchronization

/// The store as the rest of OneMap uses it: one backend (SpatiaLite, or PostGIS for scale-out)
/// behind the one access check. Every read of a layer's data resolves the layer for the caller
/// here first (a layer the caller may not see answers exactly as an unknown one), notes reads of
/// confidential layers for the audit log, and only then asks the backend.
///
/// It also keeps the process's one catalog snapshot (layers and change index as of one change
/// sequence) and the decoded raster tile cache.
///
/// Thread rule: `Sendable`; calls are synchronous and block, so servers make them from a
/// blocking pool, never from an event loop (see `StoreBackend`).
public final class Store: Sendable {
    public let backend: any StoreBackend
    /// Reads of confidential layers waiting to be written to the audit log.
    let readLog = ReadLog()
    /// Decoded DEM/DOM tiles, shared by every reader.
    public let rasterCache = RasterTileCache(capacityBytes: 24 << 20)
    private let current = Mutex(CatalogSnapshot.unread)
    /// Whether reads check the change sequence first (so a write by another process is seen at
    /// once). A server turns this off: its watcher refreshes the snapshot every 250 ms, and
    /// request paths then read the catalog from memory only.
    private let checksOnRead = Atomic<Bool>(true)
    /// Why the last refresh failed, if it did: until a refresh succeeds, catalog reads fail too
    /// (a store that cannot be read answers with an error, never with an empty or stale catalog).
    private let refreshFailure = Mutex<StoreError?>(nil)

    public init(backend: any StoreBackend) throws {
        self.backend = backend
        try refresh()
    }

    /// Opens (and creates, when missing) the store at `path`: a SpatiaLite file, or a PostGIS
    /// database when `path` is a `postgresql://` URL.
    /// - Throws: `StoreError.database` when the file or database is not a usable store.
    /// - Parameter readReplica: PostGIS only: a streaming replica that reads go to.
    public convenience init(path: String, readOnly: Bool = false, readReplica: String? = nil, logger: Logger = Logger(label: "onemap.store")) throws {
        if PGURL.isPostgres(path) {
            if let readReplica, !PGURL.isPostgres(readReplica) { throw StoreError.invalidArgument("the read replica must be a postgresql:// URL") }
            try self.init(backend: PostGISStore(url: path, readOnly: readOnly, readReplica: readReplica, logger: logger))
            return
        }
        if readReplica != nil { throw StoreError.invalidArgument("a read replica needs a PostGIS store (--store postgresql://…)") }
        try Self.requireFolder(of: path, "for the store \((path as NSString).lastPathComponent)")
        try self.init(backend: SpatiaLiteStore(path: path, readOnly: readOnly, logger: logger))
    }

    /// A file can only be made in a folder that exists; SQLite would say "unable to open database file".
    static func requireFolder(of path: String, _ purpose: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard folder.isEmpty || (FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue) else {
            throw StoreError.invalidArgument("no folder \(folder) \(purpose)")
        }
    }

    /// Where the store lives.
    public var path: String { backend.location }

    public var schemaVersion: Int {
        get throws { try backend.schemaVersion }
    }

    public func checkpoint() throws { try backend.checkpoint() }

    /// A consistent copy of the store at `destination` (a new file), taken while it is in use.
    public func backup(to destination: String) throws {
        try Self.requireFolder(of: destination, "to write the backup into")
        try backend.backup(to: destination)
    }

    /// Integrity, spatial indexes, the catalog against the tables and pyramids against their grids.
    public func check() throws -> StoreCheckReport { try backend.check(Array(allLayers().values)) }

    // MARK: the catalog snapshot

    /// The catalog as of the last refresh.
    public var snapshot: CatalogSnapshot {
        if checksOnRead.load(ordering: .relaxed) { try? refresh() }
        return current.withLock { $0 }
    }

    /// Stops reads from checking the change sequence; the caller refreshes instead.
    public func refreshOnlyWhenAsked() { checksOnRead.store(false, ordering: .relaxed) }

    /// Moves the snapshot forward when the store's change sequence moved: re-reads the layers and
    /// adds the new changes to the change index (their areas moved to lon/lat once, here).
    public func refresh() throws {
        do {
            try refreshSnapshot()
            refreshFailure.withLock { $0 = nil }
        } catch {
            let failure = StoreError.wrap(error)
            refreshFailure.withLock { $0 = failure }
            throw failure
        }
    }

    /// Above this many changed layers the whole catalog is read again.
    static let partialRefreshLimit = 16

    private func refreshSnapshot() throws {
        let known = current.withLock { $0 }
        var changes = known.changes
        var transforms: [CRS: CoordinateTransform] = [:]
        // One read: the changes after those known, the newest of which is the new sequence.
        let new = known.sequence < 0 ? try backend.changes(after: 0) : try backend.changes(after: changes.sequence)
        guard let sequence = new.last?.sequence ?? (known.sequence < 0 ? 0 : nil) else { return }
        // Every write to a layer's catalog entry records a change of that layer: after a few
        // changes only the layers they name are read again (a case transition touches one).
        let touched = Set(new.lazy.map(\.layerID))
        let layers: [String: Layer]
        if known.sequence >= 0, !new.isEmpty, touched.count <= Self.partialRefreshLimit {
            var merged = known.layers
            let fresh = try backend.layers(ids: touched)
            for id in touched { merged[id] = fresh[id] }
            layers = merged
        } else {
            layers = try backend.allLayers()
        }
        for change in new {
            var area: BoundingBox?
            if let a = change.area, let layer = layers[change.layerID] ?? known.layers[change.layerID] {
                do {
                    let t = try transforms[layer.storageCRS] ?? CoordinateTransform(from: layer.storageCRS, to: .wgs84)
                    transforms[layer.storageCRS] = t
                    area = try t.apply(a)
                } catch {
                    area = nil
                }
            }
            changes.add(change, lonLatArea: area)
        }
        let snapshot = CatalogSnapshot(sequence: sequence, layers: layers, changes: changes)
        current.withLock { if $0.sequence < sequence { $0 = snapshot } }
    }

    /// Every layer, unfiltered.
    func allLayers() throws -> [String: Layer] {
        if checksOnRead.load(ordering: .relaxed) { try refresh() }
        if let failure = refreshFailure.withLock({ $0 }) { throw failure }
        return current.withLock { $0.layers }
    }

    /// The latest change sequence number (0 for a new store).
    public func latestChangeSequence() throws -> Int64 { try backend.latestChangeSequence() }

    /// Changes recorded after `sequence`, oldest first.
    public func changes(after sequence: Int64) throws -> [LayerChange] { try backend.changes(after: sequence) }

    // MARK: the access check

    /// The layers `principal` may see, by group then id.
    public func layers(for principal: Principal) throws -> [Layer] {
        try allLayers().values
            .filter { AccessPolicy.canRead(principal, $0) }
            .sorted { ($0.group, $0.id) < ($1.group, $1.id) }
    }

    /// One layer, if `principal` may see it. Every path to a layer's data (tiles, features,
    /// identify, elevation, analyses) comes through here, so this is also where reads of
    /// confidential layers are noted for the audit log (the local operator, `.system`, excepted).
    /// - Throws: `StoreError.layerNotFound` when it does not exist or is not visible to `principal`
    ///   (the two answers are the same on purpose).
    public func layer(_ id: String, for principal: Principal) throws -> Layer {
        guard let layer = try layerIfVisible(id, for: principal) else { throw StoreError.layerNotFound(id) }
        return layer
    }

    /// The layer when it exists and `principal` may see it, nil when not. A store that cannot be
    /// read throws: callers that skip missing layers must not also skip a failing database (a tile
    /// drawn without a layer because of an I/O error would be cached as if it were right).
    public func layerIfVisible(_ id: String, for principal: Principal) throws -> Layer? {
        guard let layer = try allLayers()[id], AccessPolicy.canRead(principal, layer) else { return nil }
        noteRead(of: layer, by: principal)
        return layer
    }

    /// A vector layer `principal` may see.
    func vectorLayer(_ id: String, for principal: Principal) throws -> Layer {
        let layer = try self.layer(id, for: principal)
        guard layer.kind == .vector else { throw StoreError.unsupported("'\(id)' is not a vector layer") }
        return layer
    }

    /// Whether a layer id is taken (for import checks; not an access-controlled read).
    func layerExists(_ id: String) throws -> Bool { try allLayers()[id] != nil }

    /// Notes a read of a layer's data that did not go through `layer(_:for:)` (a tile served
    /// from a cache still shows the caller the layer's data).
    public func noteRead(of layer: Layer, by principal: Principal) {
        if layer.access == .confidential && principal != .system { readLog.note(principal, layer) }
    }

    /// Runs one request so that it counts as one read of each confidential layer it reads.
    public func countingEachReadOnce<T>(_ request: () async throws -> T) async throws -> T {
        let scope = ReadScope()
        defer { for key in scope.end() { readLog.count(key) } }
        return try await ReadScope.$current.withValue(scope) { try await request() }
    }

    /// Writes the pending confidential-read records (servers call this every few seconds and at exit).
    public func flushReadLog() throws { try readLog.flush(into: backend) }

    // MARK: features

    /// Calls `body` for every feature of a vector layer whose bounding box meets `bbox` (storage
    /// CRS), through the spatial index, reading only `columns`. The hot path of rendering.
    /// - Throws: `StoreError.layerNotFound` when `principal` may not see the layer.
    public func scan(layer id: String, bbox: BoundingBox, columns: [String], for principal: Principal,
                     _ body: (ScannedFeature) throws -> Void) throws {
        try backend.scan(try vectorLayer(id, for: principal), bbox: bbox, columns: columns, body)
    }

    /// Checks and compiles a query against a layer `principal` may see.
    /// - Throws: `StoreError.layerNotFound` when `principal` may not see the layer;
    ///   `StoreError.invalidArgument` for unknown properties, a bad bbox or a bad filter.
    public func prepare(layer id: String, _ query: FeatureQuery, for principal: Principal) throws -> PreparedQuery {
        try backend.prepare(query, on: try layer(id, for: principal))
    }

    /// Runs a prepared query, calling `body` for each feature in order (the geometry is valid
    /// only during the call).
    public func run(_ prepared: PreparedQuery, _ body: (ScannedFeature) throws -> Void) throws -> FeatureQueryResult {
        try backend.run(prepared, body)
    }

    /// Prepares and runs a feature query on the calling thread.
    public func queryFeatures(layer id: String, _ query: FeatureQuery, for principal: Principal,
                              _ body: (ScannedFeature) throws -> Void) throws -> FeatureQueryResult {
        try run(try prepare(layer: id, query, for: principal), body)
    }

    /// One feature by id.
    /// - Throws: `StoreError.layerNotFound` or `.featureNotFound`.
    public func feature(_ fid: Int64, in layerID: String, for principal: Principal) throws -> Feature {
        let layer = try vectorLayer(layerID, for: principal)
        guard let f = try backend.feature(fid, of: layer) else { throw StoreError.featureNotFound(layer: layerID, id: fid) }
        return f
    }

    /// Every feature of a vector layer, or those whose bounding box meets `bbox` (storage CRS).
    /// - Throws: `StoreError.layerNotFound` when `principal` may not see the layer.
    public func features(in layerID: String, bbox: BoundingBox? = nil, for principal: Principal) throws -> [Feature] {
        try backend.features(of: try vectorLayer(layerID, for: principal), bbox: bbox)
    }

    /// Features of the layers `principal` may see whose searchable fields contain `text`: exact
    /// matches of a layer's first searchable field (its name or code) first, then exact matches
    /// of the others (references such as the grid a component stands in), then prefixes, then
    /// the shortest values.
    /// - Throws: `.invalidArgument` for empty or over-long text.
    public func search(_ text: String, limit: Int = 20, for principal: Principal) throws -> [SearchHit] {
        let q = text.trimmingCharacters(in: .whitespaces)
        guard !q.isEmpty, q.count <= 100 else { throw StoreError.invalidArgument("search text must be 1–100 characters") }
        // Already the caller's layers: each is a read of its data (the audit log's concern).
        let layers = try layers(for: principal).filter { $0.kind == .vector && $0.attributes.contains(where: \.searchable) }
        for layer in layers { noteRead(of: layer, by: principal) }
        let hits = try backend.search(q, in: layers, limit: limit)
        func rank(_ h: SearchHit) -> Int {
            let named = h.layer.attributes.first(where: \.searchable)?.name == h.field.name
            return h.rank == 2 ? (named ? 4 : 3) : h.rank
        }
        return hits.sorted { (rank($1), $0.value.count) < (rank($0), $1.value.count) }.prefix(limit).map { $0 }
    }

    // MARK: catalog writes

    /// Updates the descriptive metadata of existing layers from their layer files, so the catalog
    /// stays in step with `Layers/`. Returns the ids whose metadata changed.
    @discardableResult
    public func syncMetadata(from files: [LayerFile]) throws -> [String] {
        defer { try? refresh() }
        return try backend.syncMetadata(from: files)
    }

    /// Removes a layer and its data.
    public func dropLayer(_ id: String) throws {
        defer { try? refresh() }
        try backend.dropLayer(id)
    }

    /// Imports a vector or raster source as a layer, in one transaction: the store either gains
    /// (or replaces) the whole layer or stays exactly as it was.
    ///
    /// The catalog flows from layer files into the store: when `request.layersDirectory` holds
    /// `<id>.json`, that file supplies the layer's metadata; a new layer without one gets a file
    /// describing it written there when `request.writesLayerFile` (the directory is the store's own).
    /// - Throws: `StoreError` describing bad input (missing or corrupt file, unknown CRS, mixed
    ///   geometry types, undecodable text, an existing id without `replace`, ...).
    public func importLayer(_ request: ImportRequest, progress: ImportProgress? = nil) throws -> ImportSummary {
        guard Layer.isValidID(request.layerID) else { throw StoreError.invalidLayerID(request.layerID) }
        if let existing = try allLayers()[request.layerID] {
            if !request.replace { throw StoreError.layerExists(request.layerID) }
            if let owner = existing.managedBy {
                throw StoreError.permissionDenied("layer '\(request.layerID)' is kept by the \(owner) workflow; it cannot be replaced by an import")
            }
        }
        var file: LayerFile?
        if let dir = request.layersDirectory {
            let path = (dir as NSString).appendingPathComponent("\(request.layerID).json")
            if FileManager.default.fileExists(atPath: path) {
                file = try LayerFile.load(path: path)
                if let file, file.kind != request.kind {
                    throw StoreError.invalidArgument("layer file \(path) declares kind \(file.kind.rawValue), the import asked for \(request.kind.rawValue)")
                }
            }
        }
        let summary: ImportSummary
        do {
            summary = try backend.importLayer(request, file: file, progress: progress)
        } catch {
            try? refresh()
            throw error
        }
        if request.kind != .vector { rasterCache.removeAll() }
        try? refresh()
        if file == nil, request.writesLayerFile, let dir = request.layersDirectory, FileManager.default.fileExists(atPath: dir) {
            try? LayerFile.describing(summary.layer, directory: dir).write()
        }
        return summary
    }

    // MARK: rasters

    /// One decoded tile of a raster layer's pyramid (`.missing` where the source had no data).
    /// The caller must have checked access to `layer`.
    public func rasterTile(_ layer: Layer, level: Int, col: Int, row: Int) throws -> RasterTileCache.Tile {
        guard let info = layer.raster else { throw StoreError.unsupported("\(layer.id) is not a raster layer") }
        let key = RasterTileCache.Key(table: layer.table, level: level, col: col, row: row)
        if let cached = rasterCache.get(key) { return cached }
        let tile: RasterTileCache.Tile
        if let data = try backend.rasterTileData(layer, level: level, col: col, row: row) {
            do {
                switch info.encoding {
                case .deflate:
                    tile = .elevation(try data.withUnsafeBytes {
                        try ElevationCodec.decode($0, size: info.tileSize, type: info.sampleType ?? .float64, noData: info.noData)
                    })
                case .png: tile = .image(try ImageCodec.decodePNG(data))
                case .jpeg: tile = .image(try JPEGCodec.decode(data))
                }
            } catch {
                throw StoreError.database("corrupt tile \(level)/\(col)/\(row) in \(layer.id)")
            }
        } else {
            tile = .missing
        }
        rasterCache.put(key, tile)
        return tile
    }

    /// The elevation of a DEM layer at a point, read from the level-0 cell that contains it: the
    /// source's own value, or nil outside the data or on no-data.
    /// - Parameters:
    ///   - point: in `crs` (default: the layer's storage CRS).
    /// - Throws: `StoreError.layerNotFound` when `principal` may not see the layer.
    public func elevation(layer id: String, at point: Coordinate, crs: CRS? = nil, for principal: Principal) throws -> Double? {
        let layer = try self.layer(id, for: principal)
        guard layer.kind == .dem, let info = layer.raster else { throw StoreError.unsupported("\(id) is not a DEM layer") }
        var p = point
        if let crs, crs != layer.storageCRS { p = try CoordinateTransform(from: crs, to: layer.storageCRS).apply(point) }
        // Tested in doubles first: a point far outside (or not a number) makes no cell index.
        let fx = floor((p.x - info.originX) / info.cellWidth), fy = floor((info.originY - p.y) / info.cellHeight)
        guard fx >= 0, fy >= 0, fx < Double(info.width), fy < Double(info.height) else { return nil }
        let cx = Int(fx), cy = Int(fy)
        guard case .elevation(let tile) = try rasterTile(layer, level: 0, col: cx / info.tileSize, row: cy / info.tileSize) else {
            return nil
        }
        let v = tile[cx % info.tileSize, cy % info.tileSize]
        return v.isNaN ? nil : v
    }
}
