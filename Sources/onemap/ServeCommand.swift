import ArgumentParser
import Foundation
import Hummingbird
import Logging
import OneMapServer
import OneMapStore

/// Options every server-side command shares (serve, seed, export).
struct ServerOptions: ParsableArguments {
    @OptionGroup var store: StoreOptions

    @Option(help: "The styles directory (default: ./Styles).")
    var styles: String?

    @Option(help: "The web map's files (default: ./Web).")
    var web: String?

    @Option(help: "The tile matrix set files, OGC TMS 2.0 JSON (default: ./Tiles).")
    var tiles: String?

    @Option(help: "Tile cache directory (default: Tiles/cache; 'none' for memory only).")
    var cache: String?

    @Option(help: "Render threads (default: the number of cores).")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Render jobs that may wait before requests get 503.")
    var queue: Int = 64

    @Option(help: "Megabytes of hot tiles kept in memory in front of the disk cache.")
    var memoryCache: Int = 64

    @Option(help: "PostGIS stores: a streaming replica (postgresql://…) that tiles, features and search read from.")
    var readReplica: String?

    func configuration() throws -> ServerConfiguration {
        guard (1...64).contains(workers) else { throw CLIError(description: "--workers must be 1…64") }
        guard (1...100_000).contains(queue) else { throw CLIError(description: "--queue must be 1…100000") }
        guard (0...65_536).contains(memoryCache) else { throw CLIError(description: "--memory-cache must be 0…65536 (MB)") }
        let stylesDirectory = try RepositoryPaths.folder("Styles", option: styles)
        var configuration = ServerConfiguration(storePath: store.store, stylesDirectory: stylesDirectory,
                                                webDirectory: (try? RepositoryPaths.folder("Web", option: web)) ?? "Web")
        let tilesDirectory = tiles ?? ((stylesDirectory as NSString).deletingLastPathComponent as NSString).appendingPathComponent("Tiles")
        configuration.tilesDirectory = tilesDirectory
        switch cache {
        case "none": configuration.cacheDirectory = nil
        case let dir?: configuration.cacheDirectory = dir
        case nil: configuration.cacheDirectory = (tilesDirectory as NSString).appendingPathComponent("cache")
        }
        configuration.layersDirectory = store.layersDirectory ?? RepositoryPaths.layersDirectory()
        configuration.workers = workers
        configuration.queueLimit = queue
        configuration.memoryCacheBytes = memoryCache << 20
        configuration.readReplica = readReplica
        return configuration
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the web map, tiles (XYZ, WMTS, WMS, OGC API) and features.")

    @OptionGroup var options: ServerOptions

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port: Int = 8080

    @Option(help: "Requests per second allowed per token, or per client address without one (0: no limit; loopback clients are not limited by address).")
    var rateLimit: Double = 500

    @Option(help: "Requests a client may make at once above the rate limit.")
    var rateBurst: Double = 1000

    @Option(help: "The URL clients use behind a reverse proxy (e.g. https://map.example.gov.cn/onemap): every link the server writes starts with it, and Host and X-Forwarded-Proto headers are ignored.")
    var publicURL: String?

    @Option(help: "Seconds a request head may take to arrive whole (slow clients are closed).")
    var headerTimeout: Double = 10

    @Option(help: "Seconds a connection with nothing in progress may stay quiet before it is closed.")
    var idleTimeout: Double = 60

    @Option(help: "Client connections open at once; more are answered 503 and closed.")
    var maxConnections: Int = 4096

    @Flag(help: "Drive the emergency units along the roads to the open incidents (a live demo for the command screen).")
    var simulate = false

    func run() async throws {
        var logger = Logger(label: "onemap")
        logger.logLevel = ProcessInfo.processInfo.environment["ONEMAP_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let services: AppServices
        do {
            var configuration = try options.configuration()
            guard (0...65_535).contains(port) else { throw CLIError(description: "--port must be 0…65535 (0 picks a free one)") }
            configuration.host = host
            configuration.port = port
            guard rateLimit >= 0, rateBurst >= 1 else { throw CLIError(description: "--rate-limit must be 0 or more and --rate-burst at least 1") }
            configuration.requestsPerSecond = rateLimit
            configuration.requestBurst = rateBurst
            configuration.simulateUnits = simulate
            guard (0.1...3600).contains(headerTimeout), (0.1...86_400).contains(idleTimeout) else {
                throw CLIError(description: "--header-timeout must be 0.1…3600 s and --idle-timeout 0.1…86400 s")
            }
            guard (1...1_000_000).contains(maxConnections) else { throw CLIError(description: "--max-connections must be 1…1000000") }
            configuration.headerTimeout = headerTimeout
            configuration.idleTimeout = idleTimeout
            configuration.maxConnections = maxConnections
            if let publicURL {
                guard let url = ServerConfiguration.validatedPublicURL(publicURL) else {
                    throw CLIError(description: "--public-url must be http:// or https:// with a host, an optional port and path, and no query: '\(publicURL)'")
                }
                configuration.publicURL = url
            }
            services = try AppServices(configuration: configuration, logger: logger)
        } catch {
            throw CLIError.from(error)
        }
        let maps = services.maps.entries
        let broken = maps.filter { $0.style == nil }
        logger.info("OneMap: \(maps.count - broken.count) maps, \(services.watcher.snapshot.layers.count) layers in \(options.store.store)")
        for entry in broken { logger.warning("map \(entry.id) cannot be drawn: \(entry.problems.prefix(3).joined(separator: "; "))") }
        if (try? services.store.hasUsers()) != true {
            logger.notice("no users are configured: only public layers are served (add one with `onemap user add NAME --role ROLE`)")
        }
        let host = self.host
        try await buildApplication(services) { port in
            // On stdout, so scripts and tests can wait for it (and learn the port when --port 0).
            FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)/\n".utf8))
        }.runService()
    }
}
