import Prometheus

/// The tile pipeline's Prometheus metrics: render time, cache results, renders, the render
/// queue depth and the tiles the disk cache could not write, in the registry the server exposes
/// at /metrics.
public final class TileMetrics: Sendable {
    let renderTime: DurationHistogram
    public let cacheMemory: Counter
    let cacheDisk: Counter
    let cacheMiss: Counter
    public let queueDepth: Gauge
    /// Tiles the disk cache could not write (a full or read-only disk) since the start: set from
    /// the cache's own count when /metrics is read.
    public let diskWriteFailures: Gauge
    let renders: Counter

    public init(registry: PrometheusCollectorRegistry) {
        let cache = MetricNameDescriptor(namespace: "onemap", metricName: "tile_cache", unitName: "total", helpText: "Tile lookups by result")
        renderTime = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "onemap", metricName: "render_duration", unitName: "seconds", helpText: "Time to render and encode one metatile"),
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                      .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5)])
        cacheMemory = registry.makeCounter(descriptor: cache, labels: [("result", "memory")])
        cacheDisk = registry.makeCounter(descriptor: cache, labels: [("result", "disk")])
        cacheMiss = registry.makeCounter(descriptor: cache, labels: [("result", "miss")])
        renders = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "onemap", metricName: "renders", unitName: "total", helpText: "Metatiles rendered"))
        queueDepth = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "onemap", metricName: "render_queue", unitName: "depth", helpText: "Render jobs waiting or running"))
        diskWriteFailures = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "onemap", metricName: "tile_cache_disk_write", unitName: "failures", helpText: "Tiles the disk cache could not write since the start (full or read-only disk)"))
    }

    /// Metrics nobody reads (the command line's seed and export).
    public convenience init() { self.init(registry: PrometheusCollectorRegistry()) }
}
