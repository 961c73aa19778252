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
    private var northFirst: [Int: Bool] = [:]

    /// Whether the CRS's official axis order starts with northing or latitude (as EPSG:4326,
    /// 4490 and the CGCS2000 Gauss-Krüger CRSs do), which WMS 1.3.0 BBOX follows.
    func isNorthFirst(epsg: Int) -> Bool {
        lock.lock()
        if let v = northFirst[epsg] {
            lock.unlock()
            return v
        }
        lock.unlock()
        var result = false
        if let ctx = proj_context_create() {
            proj_log_level(ctx, PJ_LOG_NONE)
            if let pj = proj_create(ctx, "EPSG:\(epsg)") {
                var crs = pj
                var owned: OpaquePointer?
                if proj_get_type(pj) == PJ_TYPE_COMPOUND_CRS, let horizontal = proj_crs_get_sub_crs(ctx, pj, 0) {
                    crs = horizontal
                    owned = horizontal
                }
                if let cs = proj_crs_get_coordinate_system(ctx, crs) {
                    var direction: UnsafePointer<CChar>?
                    if proj_cs_get_axis_info(ctx, cs, 0, nil, nil, &direction, nil, nil, nil, nil) != 0, let direction {
                        result = String(cString: direction).lowercased() == "north"
                    }
                    proj_destroy(cs)
                }
                if let owned { proj_destroy(owned) }
                proj_destroy(pj)
            }
            proj_context_destroy(ctx)
        }
        lock.lock()
        northFirst[epsg] = result
        lock.unlock()
        return result
    }

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
