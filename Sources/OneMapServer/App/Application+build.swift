import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import OneMapAnalysis
import OneMapTiles

/// The router with every route family, behind the metrics, error and auth middleware.
public func buildRouter(_ services: AppServices) -> Router<AppRequestContext> {
    // HEAD answers like GET without the body (tile checkers, `curl -I`, link checkers).
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Tiles, capabilities and features are read by web clients on other origins (portals, other
    // web maps), as from Martin, pygeoapi or GeoServer.
    router.add(middleware: CORSMiddleware(allowOrigin: .all, allowHeaders: [.accept, .authorization, .contentType, .origin, .ifNoneMatch],
                                          allowMethods: [.get, .head, .post, .put, .patch, .delete, .options],
                                          exposedHeaders: ["ETag", "X-OneMap-Cache"], maxAge: .seconds(3600)))
    router.add(middleware: CompressionMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: services.metrics))
    router.add(middleware: SecurityHeadersMiddleware())
    let methods = RouteMethods()
    router.add(middleware: ErrorMiddleware(methods: methods))
    router.add(middleware: PublicURLMiddleware(publicURL: services.configuration.publicURL))
    router.add(middleware: AuthMiddleware(authenticator: services.authenticator, limits: services.limits))
    router.add(middleware: ReadAuditMiddleware(store: services.store))
    HealthRoutes(services: services).register(on: router)
    MapRoutes(services: services).register(on: router)
    PrintRoutes(services: services).register(on: router)
    IdentifyRoutes(services: services).register(on: router)
    SearchRoutes(services: services).register(on: router)
    TileRoutes(services: services).register(on: router)
    WMTSRoutes(services: services).register(on: router)
    WMSRoutes(services: services).register(on: router)
    OGCTilesRoutes(services: services).register(on: router)
    OGCFeaturesRoutes(services: services).register(on: router)
    OGCProcessesRoutes(services: services).register(on: router)
    CaseRoutes(services: services).register(on: router)
    IncidentRoutes(services: services).register(on: router)
    LiveRoutes(services: services).register(on: router)
    AuthRoutes(services: services).register(on: router)
    WebRoutes(services: services).register(on: router)
    methods.load(router.routes.map { (path: $0.path, method: $0.method) })
    return router
}

/// The application `onemap serve` runs: the HTTP server plus the store watcher.
/// `onRunning` gets the port actually bound (useful with port 0).
public func buildApplication(_ services: AppServices, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let configuration = services.configuration
    let fastPath = TileFastPath(tiles: services.tiles, metrics: services.metrics, limits: services.limits, serverName: "OneMap")
    let timeouts = ConnectionTimeouts(header: .milliseconds(Int64(configuration.headerTimeout * 1000)), idle: .milliseconds(Int64(configuration.idleTimeout * 1000)))
    let connections = ConnectionLimit(limit: configuration.maxConnections, metrics: services.metrics)
    return Application(
        router: buildRouter(services),
        server: HTTPServerBuilder { responder in TileHTTP1Channel(responder: responder, fastPath: fastPath, timeouts: timeouts, connections: connections) },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "OneMap"),
        // A service that returns ends the whole group: the case clock runs only where there are cases.
        services: [StoreWatcherService(watcher: services.watcher) as any Service] + (services.cases.map { [CaseClockService(cases: $0, logger: services.logger)] } ?? [])
            + (services.live.map { [LiveClockService(services: services, live: $0)] } ?? []),
        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
        logger: services.logger)
}

/// Runs the store watcher's polling loop for the application's lifetime.
struct StoreWatcherService: Service {
    let watcher: StoreWatcher

    func run() async throws {
        await cancelWhenGracefulShutdown { await watcher.run() }
    }
}

/// Marks open cases overdue as their deadlines pass (红灯), every minute, so the case layer's
/// tiles and lists light up without a transition.
struct CaseClockService: Service {
    let cases: CaseService
    let logger: Logger

    func run() async throws {
        let cases = self.cases, logger = self.logger
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { _ = try await Blocking.run { try cases.refreshOverdue() } } catch { logger.warning("overdue refresh failed: \(error)") }
                try? await Task.sleep(for: .seconds(60))
            }
        }
    }
}

/// Keeps the live feed's connections alive (a ping every 15 s shows which screens went away) and,
/// with `serve --simulate`, drives the demo's units every second.
struct LiveClockService: Service {
    let services: AppServices
    let live: LiveSituation

    func run() async throws {
        let live = self.live, logger = services.logger
        var simulator: UnitSimulator?
        if services.configuration.simulateUnits, let network = services.network, let incidents = services.incidents {
            simulator = UnitSimulator(live: live, network: network, incidents: incidents)
        }
        let driver = simulator
        await cancelWhenGracefulShutdown {
            var tick = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                tick += 1
                if tick % 15 == 0 { live.ping() }
                if let driver {
                    do { try await Blocking.run { try driver.step(seconds: 1) } } catch { logger.warning("unit simulation: \(error)") }
                }
            }
        }
        // Shutting down: open event streams end, so the server does not wait on them.
        live.close()
    }
}
