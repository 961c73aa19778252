import Foundation
import Logging
import OneMapGeometry
import OneMapRender
import OneMapStore

/// The tile pipeline assembled over one store: the map catalog, the watcher that keeps the
/// catalog snapshot current, the render pool, the caches and the tile service, and the seeder.
/// Built once by the server, and by `seed`/`export` without any HTTP.
public final class TilePipeline: Sendable {
    public let store: Store
    public let maps: MapCatalog
    public let watcher: StoreWatcher
    public let pool: RenderPool
    public let service: TileService
    public let seeder: TileSeeder

    /// - Parameters:
    ///   - cacheDirectory: where rendered tiles are kept on disk; nil keeps them in memory only.
    ///   - workers: render threads.
    ///   - queueLimit: render jobs that may wait before requests are refused (overloaded).
    ///   - matrixSets: the tile matrix sets offered (`TileMatrixSetCatalog.load(directory:)` of `Tiles/`).
    public init(store: Store, stylesDirectory: String, cacheDirectory: String?, workers: Int, queueLimit: Int, memoryCacheBytes: Int,
                matrixSets: TileMatrixSetCatalog = .builtIn, metrics: TileMetrics = TileMetrics(), logger: Logger = Logger(label: "onemap.tiles")) throws {
        self.store = store
        maps = try MapCatalog(directory: stylesDirectory, store: store)
        watcher = try StoreWatcher(store: store, maps: maps, logger: logger)
        pool = RenderPool(store: store, sprites: maps.sprites, workers: workers, limit: queueLimit)
        service = TileService(watcher: watcher, pool: pool, cache: TileCache(memoryBytes: memoryCacheBytes, directory: cacheDirectory),
                              metrics: metrics, matrixSets: matrixSets)
        seeder = TileSeeder(tiles: service, width: workers)
    }
}
