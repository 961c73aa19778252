import Foundation
import NIOCore
import OneMapGeometry
import OneMapRender
import OneMapStore
import Synchronization

/// A tile ready to send.
public struct TileResult: Sendable {
    public let buffer: ByteBuffer
    public var data: [UInt8] { Array(buffer.readableBytesView) }
    public let etag: String
    public let isEmpty: Bool
    /// "memory", "disk" or "render".
    public let source: String
}

/// Tiles of a map for a caller: from memory, from disk, or rendered (a whole metatile at a time,
/// once however many requests wait for it) on the render pool.
public final class TileService: Sendable {
    public let watcher: StoreWatcher
    public let maps: MapCatalog
    public let pool: RenderPool
    public let cache: TileCache
    public let metrics: TileMetrics
    /// The tile matrix sets offered (the built-in ones and the `Tiles/` folder's).
    public let matrixSets: TileMatrixSetCatalog
    private let publicVisibility = Mutex<(sequence: Int64, byMap: [String: String])>((-1, [:]))
    private let inflight = Mutex<[String: Task<[TileID: TileCache.Entry], any Error>]>([:])

    public init(watcher: StoreWatcher, pool: RenderPool, cache: TileCache, metrics: TileMetrics, matrixSets: TileMatrixSetCatalog = .builtIn) {
        self.watcher = watcher
        self.matrixSets = matrixSets
        self.maps = watcher.maps
        self.pool = pool
        self.cache = cache
        self.metrics = metrics
    }

    /// The store layers of `style` that `principal` may see, in the style's order: the one
    /// answer every map path uses (tiles, TileJSON, style, WMTS, WMS, identify, legends).
    public func visibleLayers(_ style: Style, for principal: Principal) -> [Layer] {
        let layers = watcher.snapshot.layers
        return style.storeLayers.compactMap { layers[$0] }.filter { AccessPolicy.canRead(principal, $0) }
    }

    /// The lon/lat extent of the map as `principal` sees it (see `MapExtent`).
    public func extent(_ style: Style, for principal: Principal) -> BoundingBox? {
        MapExtent.of(visibleLayers(style, for: principal))
    }

    /// The map as `principal` may use it — the one check every map path asks (tiles, TileJSON,
    /// style, WMTS, WMS, OGC tiles, identify). A map that draws store layers of which the caller
    /// may see none answers as if it did not exist; otherwise it is drawn with the visible ones.
    /// - Throws: `RenderError.unknownMap` (or `.invalidStyle` for a broken map).
    public func style(_ map: String, for principal: Principal) throws -> Style {
        try resolve(map, for: principal).style
    }

    /// The map and the store layers of it `principal` may see (the check above, computing the
    /// visible layers once for the tile paths that need both).
    func resolve(_ map: String, for principal: Principal) throws -> (style: Style, visible: [String]) {
        let style = try maps.style(map)
        let visible = visibleLayers(style, for: principal).map(\.id)
        guard style.storeLayers.isEmpty || !visible.isEmpty else { throw RenderError.unknownMap(map) }
        return (style, visible)
    }

    /// Whether `principal` may use the map at all.
    public func isVisible(_ style: Style, to principal: Principal) -> Bool {
        style.storeLayers.isEmpty || !visibleLayers(style, for: principal).isEmpty
    }

    /// The maps `principal` may use, by id.
    public func styles(for principal: Principal) -> [Style] {
        maps.entries.compactMap(\.style).filter { isVisible($0, to: principal) }
    }

    /// Every store layer `principal` may see that some map draws, each with the first map drawing
    /// it reduced to that layer alone (no background): what WMS and WMTS offer layer by layer.
    /// Thematic maps come before the base maps (`Style.isBaseMap`) that also draw a layer.
    public func layerStyles(for principal: Principal) -> [(layer: Layer, style: Style)] {
        var out: [(layer: Layer, style: Style)] = []
        var seen: Set<String> = []
        for style in stylesThematicFirst(for: principal) {
            for layer in visibleLayers(style, for: principal) where !seen.contains(layer.id) {
                seen.insert(layer.id)
                out.append((layer, Self.overlay(style, layers: [layer.id])))
            }
        }
        return out
    }

    /// One of `layerStyles`, found without building the others (a WMTS tile asks for one).
    public func layerStyle(_ id: String, for principal: Principal) -> (layer: Layer, style: Style)? {
        for style in stylesThematicFirst(for: principal) {
            if let layer = visibleLayers(style, for: principal).first(where: { $0.id == id }) { return (layer, Self.overlay(style, layers: [id])) }
        }
        return nil
    }

    private func stylesThematicFirst(for principal: Principal) -> [Style] {
        let styles = styles(for: principal)
        return styles.filter { !$0.isBaseMap } + styles.filter(\.isBaseMap)
    }

    /// The style document as `principal` may see it: layers drawing hidden store layers, and
    /// sources of hidden rasters, are left out, so their names are not disclosed either.
    public func styleJSON(_ style: Style, for principal: Principal) -> JSONValue {
        let visible = Set(visibleLayers(style, for: principal).map(\.id))
        guard visible.count < style.storeLayers.count, case .object(let members) = style.json else { return style.json }
        let hiddenSources = Set(style.sources.compactMap { name, source in source.layer.map { visible.contains($0) ? nil : name } ?? nil })
        return .object(members.map { key, value in
            switch (key, value) {
            case ("layers", .array(let layers)):
                return (key, .array(layers.filter { layer in
                    if let s = layer["source-layer"]?.string, !visible.contains(s) { return false }
                    if let s = layer["source"]?.string, hiddenSources.contains(s) { return false }
                    return true
                }))
            case ("sources", .object(let sources)):
                return (key, .object(sources.filter { !hiddenSources.contains($0.0) }))
            default:
                return (key, value)
            }
        })
    }

    /// The tile if the memory cache holds it and nothing changed since (no stamp to compute, no
    /// disk, no await): the pipeline's fast path. Anything else, errors included, returns nil and
    /// the request takes the full route.
    public func memoryTile(map: String, tms tmsID: String, tile: TileID, scale: Int, principal: Principal) -> TileResult? {
        guard let tms = matrixSets.named(tmsID), tms.contains(zoom: tile.z), tms.contains(tile) else { return nil }
        let sequence = watcher.snapshot.sequence
        guard let visibility = visibility(map, for: principal, sequence: sequence) else { return nil }
        let key = TileCache.Key(map: map, tms: tms.id, z: tile.z, x: tile.x, y: tile.y, scale: scale, visibility: visibility)
        guard let e = cache.memoryEntry(key), e.sequence == sequence else { return nil }
        metrics.cacheMemory.increment()
        return result(e, "memory")
    }

    /// The caller's visible layers of `map` as a cache key part, or nil when the map is not
    /// theirs to see. The anonymous caller's are kept per map for the store sequence they were
    /// worked out at: the fast path asks for every cached tile it sends.
    private func visibility(_ map: String, for principal: Principal, sequence: Int64) -> String? {
        guard principal == .anonymous else { return (try? resolve(map, for: principal)).map { $0.visible.joined(separator: ",") } }
        if let known = publicVisibility.withLock({ $0.sequence == sequence ? $0.byMap[map] : nil }) { return known }
        // Unknown maps are not remembered: their names come from clients.
        guard let (_, visible) = try? resolve(map, for: principal) else { return nil }
        let visibility = visible.joined(separator: ",")
        publicVisibility.withLock {
            if $0.sequence < sequence { $0 = (sequence, [:]) }
            if $0.sequence == sequence { $0.byMap[map] = visibility }
        }
        return visibility
    }

    /// One tile.
    /// - Throws: `RenderError.unknownMap`/`.invalidStyle`/`.unknownTileMatrixSet`/`.tileOutOfRange`,
    ///   `RenderPool.Failure` when overloaded.
    /// - Parameter only: draw only these store layers of the map, without its background (the
    ///   web map's per-layer overlays); each must be visible to the caller.
    public func tile(map: String, tms tmsID: String, tile: TileID, scale: Int, principal: Principal, only: [String]? = nil) async throws -> TileResult {
        var (style, visible) = try resolve(map, for: principal)
        guard let tms = matrixSets.named(tmsID) else { throw RenderError.unknownTileMatrixSet(tmsID) }
        guard tms.contains(zoom: tile.z) else {
            throw RenderError.tileOutOfRange("zoom \(tile.z) is outside \(tms.id) (\(tms.minZoom)–\(tms.maxZoom))")
        }
        guard tms.contains(tile) else {
            throw RenderError.tileOutOfRange("tile \(tile) is outside \(tms.id) level \(tile.z) (columns 0–\(tms.matrixWidth(tile.z) - 1), rows 0–\(tms.matrixHeight(tile.z) - 1))")
        }
        var visibility = visible.joined(separator: ",")
        let snapshot = watcher.snapshot
        defer {
            // Cached or not, the tile shows the caller these layers' data: confidential ones are audited.
            for id in visible { if let layer = snapshot.layers[id] { watcher.store.noteRead(of: layer, by: principal) } }
        }
        if let only {
            for id in only where !visible.contains(id) { throw StoreError.layerNotFound(id) }
            visible = visible.filter { only.contains($0) }
            style = Self.overlay(style, layers: Set(visible))
            // Its own key: never the key of the whole map for a caller who sees just these layers.
            visibility = "only:" + visible.joined(separator: ",")
        }
        return try await cachedTile(style: style, visible: visible, visibility: visibility, tms: tms, tile: tile, scale: scale,
                                    principal: principal, snapshot: snapshot)
    }

    /// The key of composite overlay tiles in the caches (not a map file name: those have no `+`).
    public static let overlaysKey = "+overlays"

    /// Several store layers from whichever maps draw them (`layerStyle`), drawn as one tile: their
    /// labels are placed together, one collision index over all of them, above every feature (the
    /// command screen's overlays; separate tiles overprint each other's labels). Cached like map
    /// tiles, under `overlaysKey` and the layer list.
    /// - Throws: `StoreError.layerNotFound` for a layer the caller may not see or no map draws.
    public func overlayTile(layers ids: [String], tms tmsID: String, tile: TileID, scale: Int, principal: Principal) async throws -> TileResult {
        var styles: [Style] = []
        for id in ids {
            guard let found = layerStyle(id, for: principal) else { throw StoreError.layerNotFound(id) }
            styles.append(found.style)
        }
        guard let tms = matrixSets.named(tmsID) else { throw RenderError.unknownTileMatrixSet(tmsID) }
        guard tms.contains(zoom: tile.z), tms.contains(tile) else { throw RenderError.tileOutOfRange("tile \(tile) is outside \(tms.id)") }
        var sources: [String: StyleSource] = [:]
        for style in styles { sources.merge(style.sources) { first, _ in first } }
        let combined = Style(id: Self.overlaysKey, loadID: styles.map(\.loadID).joined(separator: "+"), name: "专题图层", layers: styles.flatMap(\.layers),
                             sources: sources, format: .rgba, attribution: styles.first?.attribution, center: nil, zoom: nil, json: .object([]))
        let snapshot = watcher.snapshot
        defer { for id in ids { if let layer = snapshot.layers[id] { watcher.store.noteRead(of: layer, by: principal) } } }
        return try await cachedTile(style: combined, visible: ids, visibility: "only:" + ids.joined(separator: ","), tms: tms, tile: tile, scale: scale,
                                    principal: principal, snapshot: snapshot)
    }

    /// The caches, then a render of the tile's block: the one path every tile takes.
    private func cachedTile(style: Style, visible: [String], visibility: String, tms: TileMatrixSet, tile: TileID, scale: Int, principal: Principal,
                            snapshot: CatalogSnapshot) async throws -> TileResult {
        let key = TileCache.Key(map: style.id, tms: tms.id, z: tile.z, x: tile.x, y: tile.y, scale: scale, visibility: visibility)
        let sequence = snapshot.sequence
        let memoryEntry = cache.memoryEntry(key)
        if let e = memoryEntry, e.sequence == sequence {
            metrics.cacheMemory.increment()
            return result(e, "memory")
        }
        let block = Metatile.block(containing: tile, in: tms)
        let stamp = Self.stamp(style: style, tms: tms, block: block, scale: scale, visible: visible, changes: snapshot.changes)
        if let e = memoryEntry, e.stamp == stamp {
            cache.confirm(key, sequence: sequence)
            metrics.cacheMemory.increment()
            return result(e, "memory")
        }
        if var e = cache.file(key, stamp: stamp) {
            e.sequence = sequence
            if e.isEmpty { e.buffer = ByteBuffer(bytes: EmptyTile.png(scale: scale)) }
            cache.put(key, e, persist: false)
            metrics.cacheDisk.increment()
            return result(e, "disk")
        }
        metrics.cacheMiss.increment()
        let entries = try await renderBlock(style: style, tms: tms, block: block, scale: scale, principal: principal, visible: visible,
                                            visibility: visibility, stamp: stamp, sequence: sequence)
        guard let e = entries[tile] else { throw RenderError.tileOutOfRange("tile \(tile) was not rendered") }
        return result(e, "render")
    }

    /// The map reduced to the style layers drawing `layers` (no background): an overlay.
    static func overlay(_ style: Style, layers: Set<String>) -> Style {
        let kept = style.layers.filter { l in
            if let s = l.sourceLayer { return layers.contains(s) }
            if let src = l.source, let id = style.sources[src]?.layer { return layers.contains(id) }
            return false
        }
        return Style(id: style.id, loadID: style.loadID + "|only:" + layers.sorted().joined(separator: ","), name: style.name, layers: kept,
                     sources: style.sources, format: .rgba, attribution: style.attribution, center: style.center, zoom: style.zoom, json: style.json)
    }

    func result(_ e: TileCache.Entry, _ source: String) -> TileResult {
        TileResult(buffer: e.buffer, etag: e.etag, isEmpty: e.isEmpty, source: source)
    }

    /// Hash of what a block's tiles depend on: the style text, the block, the pixel ratio, the
    /// caller's visible layers and, per layer, the last change that touched the block's area.
    static func stamp(style: Style, tms: TileMatrixSet, block: (origin: TileID, columns: Int, rows: Int), scale: Int, visible: [String],
                      changes: ChangeIndex) -> UInt64 {
        let box = tms.bounds(of: block.origin, columns: block.columns, rows: block.rows)
        // Features reach in from up to the render buffer away (wide lines, labels).
        let margin = tms.cellSize(block.origin.z) * 64
        var area = box.expanded(by: margin)
        if tms.crs == .webMercator {
            let a = WebMercator.unproject(Coordinate(area.minX, area.minY)), b = WebMercator.unproject(Coordinate(area.maxX, area.maxY))
            area = BoundingBox(minX: a.x, minY: a.y, maxX: b.x, maxY: b.y)
        }
        var text = "\(style.loadID)|\(tms.id)|\(block.origin)|\(scale)"
        for layer in visible { text += "|\(layer):\(changes.latest(layer: layer, touching: area))" }
        return text.hashValueStable
    }

    /// Renders one block on the pool (once, however many requests want it) and caches its tiles.
    func renderBlock(style: Style, tms: TileMatrixSet, block: (origin: TileID, columns: Int, rows: Int), scale: Int, principal: Principal,
                     visible: [String], visibility: String, stamp: UInt64, sequence: Int64) async throws -> [TileID: TileCache.Entry] {
        let flightKey = "\(style.id)|\(tms.id)|\(block.origin)|\(scale)|\(visibility)|\(stamp)"
        let task: Task<[TileID: TileCache.Entry], any Error> = inflight.withLock { flights in
            if let existing = flights[flightKey] { return existing }
            let pool = self.pool, metrics = self.metrics, cache = self.cache
            let map = style.id
            let t = Task<[TileID: TileCache.Entry], any Error> {
                metrics.queueDepth.set(Int64(pool.depth + 1))
                let started = ContinuousClock.now
                let encoded = try await pool.submit { renderer -> [EncodedTile] in
                    let rendered = try renderer.render(RenderRequest(style: style, tms: tms, tile: block.origin, columns: block.columns,
                                                                     rows: block.rows, scale: scale, principal: principal))
                    return try rendered.encodeTiles(format: style.format)
                }
                metrics.renderTime.record(ContinuousClock.now - started)
                metrics.renders.increment()
                metrics.queueDepth.set(Int64(pool.depth))
                var out: [TileID: TileCache.Entry] = [:]
                for tile in encoded {
                    let entry = TileCache.Entry(data: tile.data, stamp: stamp, isEmpty: tile.isEmpty, sequence: sequence)
                    let key = TileCache.Key(map: map, tms: tms.id, z: tile.tile.z, x: tile.tile.x, y: tile.tile.y, scale: scale,
                                            visibility: visibility)
                    cache.put(key, entry)
                    out[tile.tile] = entry
                }
                return out
            }
            flights[flightKey] = t
            return t
        }
        defer { _ = inflight.withLock { $0.removeValue(forKey: flightKey) } }
        return try await task.value
    }
}
