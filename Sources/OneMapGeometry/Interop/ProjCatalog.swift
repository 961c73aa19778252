import CPROJ
import Foundation

/// Answers "does PROJ know EPSG:n" and "is it geographic", caching the answers.
///
/// Thread rule: a PROJ context must not be shared between threads, so every lookup creates and
/// destroys its own short-lived context; the cache is guarded by a lock.
final class ProjCatalog: @unchecked Sendable {
    static let shared = ProjCatalog()

    private let lock = NSLock()
    private var known: [Int: Bool] = [:]  // epsg → isGeographic; absent = not looked up
    private var unknown: Set<Int> = []

    func exists(epsg: Int) -> Bool { lookup(epsg) != nil }

    func isGeographic(epsg: Int) -> Bool { lookup(epsg) ?? false }

    private func lookup(_ epsg: Int) -> Bool? {
        lock.lock()
        if let g = known[epsg] {
            lock.unlock()
            return g
        }
        if unknown.contains(epsg) {
            lock.unlock()
            return nil
        }
        lock.unlock()
        var result: Bool?
        if let ctx = proj_context_create() {
            proj_log_level(ctx, PJ_LOG_NONE)
            if let pj = proj_create(ctx, "EPSG:\(epsg)") {
                let type = proj_get_type(pj)
                let isCRS = proj_is_crs(pj) != 0
                if isCRS {
                    result = type == PJ_TYPE_GEOGRAPHIC_2D_CRS || type == PJ_TYPE_GEOGRAPHIC_3D_CRS
                }
                proj_destroy(pj)
            }
            proj_context_destroy(ctx)
        }
        lock.lock()
        if let result { known[epsg] = result } else { unknown.insert(epsg) }
        lock.unlock()
        return result
    }
}
