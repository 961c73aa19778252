import Foundation
import Logging
import OneMapRender
import OneMapStore
import OneMapTiles

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
    public let edits: FeatureEditService
    public let identify: IdentifyService
    public let authenticator: any Authenticator
    public let limits: RateLimits

    public init(configuration: ServerConfiguration, authenticator: (any Authenticator)? = nil,
                logger: Logger = Logger(label: "onemap")) throws {
        self.configuration = configuration
        self.logger = logger
        store = try Store(path: configuration.storePath, logger: logger)
        metrics = ServerMetrics()
        let pipeline = try configuration.tilePipeline(store: store, metrics: metrics.tiles, logger: logger)
        maps = pipeline.maps
        watcher = pipeline.watcher
        pool = pipeline.pool
        tiles = pipeline.service
        features = FeatureService(store: store)
        edits = FeatureEditService(store: store, watcher: watcher)
        identify = IdentifyService(store: store, tiles: tiles)
        self.authenticator = authenticator ?? StoreAuthenticator(store: store)
        limits = RateLimits(requestsPerSecond: configuration.requestsPerSecond, burst: configuration.requestBurst,
                            failuresPerMinute: configuration.failedTokensPerMinute)
    }
}
