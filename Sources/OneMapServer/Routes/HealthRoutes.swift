import Hummingbird
import OneMapGeometry
import OneMapStore
import OneMapTiles

/// `/health` and `/metrics` (Prometheus text format).
struct HealthRoutes {
    let services: AppServices

    func register(on router: Router<AppRequestContext>) {
        router.get("/health") { _, context -> Response in
            let entries = services.maps.entries
            // Counts what the caller may see: even the number of hidden layers is not disclosed.
            let layers = services.watcher.snapshot.layers.values.filter { AccessPolicy.canRead(context.principal, $0) }.count
            let broken = entries.filter { $0.style == nil }.map(\.id)
            return Responses.json(.object([
                ("status", .string("ok")), ("layers", .number(Double(layers))),
                ("maps", .number(Double(entries.count - broken.count))), ("brokenMaps", .array(broken.map { .string($0) })),
                ("renderQueue", .number(Double(services.pool.depth))), ("storeVersion", .number(Double(services.watcher.snapshot.sequence))),
            ]))
        }
        router.get("/metrics") { _, _ -> Response in
            services.metrics.tiles.queueDepth.set(Int64(services.pool.depth))
            services.metrics.tiles.diskWriteFailures.set(Int64(services.tiles.cache.diskWriteFailures.count))
            return Responses.bytes(services.metrics.text(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
