import CPROJ
import Synchronization

/// One PROJ transformation between two CRSs, axis order normalized to x = east, y = north.
///
/// Ownership: owns a PROJ context and the `PJ` built in it; both destroyed in `deinit`.
/// Thread rule: PROJ objects and contexts must not be used by two threads at once: one owner at a
/// time (a `CoordinateTransform`, or `ProjTransformerPool` while idle), hence `@unchecked Sendable`.
final class ProjTransformer: @unchecked Sendable {
    private let context: OpaquePointer
    private let pj: OpaquePointer
    let from: String
    let to: String

    /// The operations PROJ may pick from are those whose area of use meets `area` (west, south,
    /// east, north in degrees), when given.
    let area: BoundingBox?

    init(from: String, to: String, area: BoundingBox? = nil) throws {
        self.from = from
        self.to = to
        self.area = area
        guard let ctx = proj_context_create() else {
            throw GeometryError.transformFailed(from: from, to: to, detail: "no PROJ context")
        }
        proj_log_level(ctx, PJ_LOG_NONE)
        var pjArea: OpaquePointer?
        if let area, let a = proj_area_create() {
            proj_area_set_bbox(a, area.minX, area.minY, area.maxX, area.maxY)
            pjArea = a
        }
        defer { if let pjArea { proj_area_destroy(pjArea) } }
        guard let raw = proj_create_crs_to_crs(ctx, from, to, pjArea) else {
            let detail = String(cString: proj_context_errno_string(ctx, proj_context_errno(ctx)))
            proj_context_destroy(ctx)
            throw GeometryError.transformFailed(from: from, to: to, detail: detail)
        }
        // EPSG:4326/4490 are officially lat,lon; normalizing keeps OneMap's x = lon convention.
        guard let normalized = proj_normalize_for_visualization(ctx, raw) else {
            proj_destroy(raw)
            proj_context_destroy(ctx)
            throw GeometryError.transformFailed(from: from, to: to, detail: "cannot normalize axis order")
        }
        proj_destroy(raw)
        context = ctx
        pj = normalized
    }

    deinit {
        proj_destroy(pj)
        proj_context_destroy(context)
    }

    /// Transforms `count` coordinates in place.
    /// - Throws: when a coordinate falls outside the transformation's domain.
    func transform(_ buffer: UnsafeMutableBufferPointer<Coordinate>) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let stride = MemoryLayout<Coordinate>.stride
        try base.withMemoryRebound(to: Double.self, capacity: buffer.count * 2) { d in
            proj_errno_reset(pj)
            let n = proj_trans_generic(pj, PJ_FWD, d, stride, buffer.count, d + 1, stride, buffer.count, nil, 0, 0, nil, 0, 0)
            guard n == buffer.count else {
                throw GeometryError.transformFailed(from: from, to: to, detail: "transformed \(n) of \(buffer.count)")
            }
        }
        for c in buffer where !c.x.isFinite || !c.y.isFinite {
            throw GeometryError.transformFailed(from: from, to: to, detail: "coordinate outside the area of use")
        }
    }
}

/// Idle transformers kept for reuse. Setting one up asks PROJ's database (proj.db, SQLite) for
/// the CRSs and the candidate operations, which costs far more than transforming a site's
/// vertices; analyses and renders ask for the same few pairs again and again. A transformer is
/// taken out while a `CoordinateTransform` owns it and given back when that is released, so no
/// two owners ever share one (PROJ objects are not thread-safe).
enum ProjTransformerPool {
    private static let idle = Mutex<[String: [ProjTransformer]]>([:])
    /// Idle transformers kept per pair, and pairs kept at all.
    static let perPair = 8
    static let pairs = 256

    static func take(from: String, to: String, area: BoundingBox? = nil) throws -> ProjTransformer {
        let key = key(from, to, area)
        if let t = idle.withLock({ $0[key]?.popLast() }) { return t }
        return try ProjTransformer(from: from, to: to, area: area)
    }

    private static func key(_ from: String, _ to: String, _ area: BoundingBox?) -> String {
        from + "\u{1}" + to + (area.map { "\u{1}\($0.minX),\($0.minY),\($0.maxX),\($0.maxY)" } ?? "")
    }

    static func give(_ t: ProjTransformer) {
        let key = key(t.from, t.to, t.area)
        idle.withLock { pool in
            if pool[key] == nil && pool.count >= pairs { pool.removeAll() }
            if pool[key, default: []].count < perPair { pool[key, default: []].append(t) }
        }
    }
}
