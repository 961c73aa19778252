import Prometheus
import Synchronization

/// The server's Prometheus metrics: requests by route and status, render time, tile cache
/// results and the render queue depth. Exposed at /metrics.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let renderTime: DurationHistogram
    let cacheMemory: Counter
    let cacheDisk: Counter
    let cacheMiss: Counter
    let queueDepth: Gauge
    let renders: Counter
    let fastTiles: Counter
    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "onemap", metricName: "http_requests", unitName: "total", helpText: "HTTP requests by route and status")
    }
    static var cache: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "onemap", metricName: "tile_cache", unitName: "total", helpText: "Tile lookups by result")
    }

    public init() {
        renderTime = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "onemap", metricName: "render_duration", unitName: "seconds", helpText: "Time to render and encode one metatile"),
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                      .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5)])
        cacheMemory = registry.makeCounter(descriptor: Self.cache, labels: [("result", "memory")])
        cacheDisk = registry.makeCounter(descriptor: Self.cache, labels: [("result", "disk")])
        cacheMiss = registry.makeCounter(descriptor: Self.cache, labels: [("result", "miss")])
        renders = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "onemap", metricName: "renders", unitName: "total", helpText: "Metatiles rendered"))
        fastTiles = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "onemap", metricName: "tile_fast_path", unitName: "total", helpText: "Tile requests answered from memory before HTTP decoding"))
        queueDepth = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "onemap", metricName: "render_queue", unitName: "depth", helpText: "Render jobs waiting or running"))
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

    /// The text exposition format.
    public func text() -> [UInt8] {
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }
}
