import Foundation
import OneMapGeometry
import Logging
import OneMapStore
import OneMapTiles

/// How `onemap serve` runs.
public struct ServerConfiguration: Sendable {
    public var storePath: String
    /// A streaming replica of a PostGIS store that reads go to (`--read-replica`).
    public var readReplica: String?
    public var host = "127.0.0.1"
    public var port = 8080
    public var stylesDirectory: String
    /// The web map's files (`Web/`).
    public var webDirectory: String
    /// The layer files and the city's rules (`Layers/`, with `rules/`); nil: no rules, so the
    /// analyses that need them are not offered.
    public var layersDirectory: String?
    /// The tile matrix set files (OGC TMS 2.0 JSON, the `Tiles/` folder); nil: the built-in sets only.
    public var tilesDirectory: String?
    /// Leaflet from Debian's libjs-leaflet.
    public var leafletDirectory = "/usr/share/javascript/leaflet"
    /// Rendered tiles on disk; nil keeps them in memory only.
    public var cacheDirectory: String?
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    /// Render jobs that may wait before requests are answered 503.
    public var queueLimit = 64
    /// The in-memory LRU of hot tiles in front of the disk cache (the OS page cache keeps the
    /// rest of the disk cache warm, so this stays modest and the process small).
    public var memoryCacheBytes = 64 << 20
    /// Largest WMS GetMap image edge.
    public var maxImageSize = 4096
    /// Requests per second per token, or per address without one (a web map loads a few dozen
    /// tiles per view, so the burst is generous); 0 turns the limit off.
    public var requestsPerSecond = 500.0
    public var requestBurst = 1000.0
    /// Invalid tokens per address per minute before further attempts get 429.
    public var failedTokensPerMinute = 10.0
    /// How long a web map session lasts after sign-in (seconds).
    public var sessionLifetime: TimeInterval = 8 * 3600
    /// Drive the demo's emergency units along the roads (`serve --simulate`).
    public var simulateUnits = false
    /// The URL clients reach the server at behind a proxy (`serve --public-url`), used for every
    /// link the server writes; without it links are built from the request's Host header, checked.
    public var publicURL: String?
    /// Seconds a request head may take to arrive whole, and a quiet connection may stay open.
    public var headerTimeout: Double = 10
    public var idleTimeout: Double = 60
    /// Client connections open at once; more get 503 and are closed.
    public var maxConnections = 4096

    /// Checks a configured public URL: http or https, an authority, an optional path; no query,
    /// fragment or trailing slash. Returns it normalised or nil.
    public static func validatedPublicURL(_ url: String) -> String? {
        let trimmed = url.hasSuffix("/") ? String(url.dropLast()) : url
        for scheme in ["http://", "https://"] where trimmed.lowercased().hasPrefix(scheme) {
            let rest = trimmed.dropFirst(scheme.count)
            let authority = rest.prefix { $0 != "/" }
            let path = rest.dropFirst(authority.count)
            guard PublicURLMiddleware.isAuthority(String(authority)),
                  path.unicodeScalars.allSatisfy({ s in s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || "-._~/".unicodeScalars.contains(s)) })
            else { return nil }
            return scheme + rest
        }
        return nil
    }

    public init(storePath: String, stylesDirectory: String, webDirectory: String) {
        self.storePath = storePath
        self.stylesDirectory = stylesDirectory
        self.webDirectory = webDirectory
    }
}

extension ServerConfiguration {
    /// The tile pipeline this configuration describes, over `store`.
    /// The `Tiles/` folder's tile matrix sets are registered first: a broken file stops start-up.
    public func tilePipeline(store: Store, metrics: TileMetrics = TileMetrics(), logger: Logger = Logger(label: "onemap.tiles")) throws -> TilePipeline {
        return try TilePipeline(store: store, stylesDirectory: stylesDirectory, cacheDirectory: cacheDirectory, workers: workers, queueLimit: queueLimit,
                                memoryCacheBytes: memoryCacheBytes, matrixSets: try TileMatrixSetCatalog.load(directory: tilesDirectory),
                                metrics: metrics, logger: logger)
    }

    /// The tile pipeline over the configured store, without the HTTP application (`seed`, `export`).
    public func tilePipeline() throws -> TilePipeline {
        try tilePipeline(store: Store(path: storePath, readReplica: readReplica))
    }
}
