import OneMapTiles
import Prometheus
import Synchronization

/// The server's Prometheus metrics: requests by route and status, the tile fast path, and the
/// tile pipeline's own (render time, cache results, queue depth). Exposed at /metrics.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// The tile pipeline's metrics, in the same registry.
    public let tiles: TileMetrics
    let fastTiles: Counter
    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "onemap", metricName: "http_requests", unitName: "total", helpText: "HTTP requests by route and status")
    }

    public init() {
        tiles = TileMetrics(registry: registry)
        fastTiles = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "onemap", metricName: "tile_fast_path", unitName: "total", helpText: "Tile requests answered from memory before HTTP decoding"))
    }

    private let requestCounters = Mutex<[String: Counter]>([:])

    /// Counts one answered request.
    func request(route: String, status: Int) {
        requestCounter(route: route, status: status).increment()
    }

    /// The counter of answered requests for a route and status (kept: the registry's lookup is
    /// not cheap, and the tile fast path holds on to its own).
    func requestCounter(route: String, status: Int) -> Counter {
        let key = "\(status) \(route)"
        if let counter = requestCounters.withLock({ $0[key] }) { return counter }
        let counter = registry.makeCounter(descriptor: Self.requests, labels: [("route", route), ("status", String(status))])
        requestCounters.withLock { $0[key] = counter }
        return counter
    }

    /// Connections the server closed itself, by reason (header_timeout, idle_timeout, limit).
    func connectionsClosed(reason: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "onemap", metricName: "connections_closed", unitName: "total",
                                                              helpText: "Connections closed by the server: slow heads, idle, over the limit"),
                             labels: [("reason", reason)])
    }

    /// Connections open now.
    func openConnections() -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "onemap", metricName: "connections_open", unitName: "", helpText: "Client connections open"))
    }

    /// The text exposition format.
    public func text() -> [UInt8] {
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}
