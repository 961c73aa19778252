import Foundation
import Logging
import OneMapRender
import OneMapStore

/// Everything the routes use, built once at start-up (never per request).
public final class AppServices: Sendable {
    public let configuration: ServerConfiguration
    public let store: Store
    public let maps: MapCatalog
    public let watcher: StoreWatcher
    public let pool: RenderPool
    public let tiles: TileService
    public let metrics: ServerMetrics
    public let logger: Logger
    public let features: FeatureService
    public let identify: IdentifyService
    public let authenticator: any Authenticator
    public let limits: RateLimits

    public init(configuration: ServerConfiguration, authenticator: (any Authenticator)? = nil,
                logger: Logger = Logger(label: "onemap")) throws {
        self.configuration = configuration
        self.logger = logger
        store = try Store(path: configuration.storePath, logger: logger)
        maps = try MapCatalog(directory: configuration.stylesDirectory, store: store)
        watcher = try StoreWatcher(store: store, maps: maps, logger: logger)
        metrics = ServerMetrics()
        pool = RenderPool(store: store, sprites: maps.sprites, workers: configuration.workers, limit: configuration.queueLimit)
        tiles = TileService(watcher: watcher, maps: maps, pool: pool,
                            cache: TileCache(memoryBytes: configuration.memoryCacheBytes, directory: configuration.cacheDirectory), metrics: metrics)
        features = FeatureService(store: store)
        identify = IdentifyService(store: store, tiles: tiles)
        self.authenticator = authenticator ?? StoreAuthenticator(store: store)
        limits = RateLimits(requestsPerSecond: configuration.requestsPerSecond, burst: configuration.requestBurst,
                            failuresPerMinute: configuration.failedTokensPerMinute)
    }
}
