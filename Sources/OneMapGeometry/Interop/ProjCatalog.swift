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

    /// The CRS's WKT (for GDAL), or nil when PROJ does not know it.
    func wkt(epsg: Int) -> String? {
        guard let ctx = proj_context_create() else { return nil }
        defer { proj_context_destroy(ctx) }
        guard let pj = proj_create(ctx, "EPSG:\(epsg)") else { return nil }
        defer { proj_destroy(pj) }
        guard let text = proj_as_wkt(ctx, pj, PJ_WKT2_2019, nil) else { return nil }
        return String(cString: text)
    }

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

extension CRS {
    /// The CRS as WKT2 for GDAL (EPSG codes only; CRS84 and GCJ-02 as WGS 84).
    public var wkt: String? { ProjCatalog.shared.wkt(epsg: epsg ?? 4326) }
}
