/// Errors from geometry parsing, GEOS and PROJ.
public enum GeometryError: Error, Equatable, Sendable {
    /// WKB, WKT or GeoJSON that cannot be read; `detail` says what and where.
    case malformed(format: String, detail: String)
    /// A CRS that PROJ does not know or OneMap cannot use.
    case unknownCRS(String)
    /// PROJ could not set up or run a transformation.
    case transformFailed(from: String, to: String, detail: String)
    /// PROJ knows only a ballpark transformation (one that ignores the datum shift, off by up to
    /// hundreds of metres) between the two CRSs over the area, and no real path through WGS 84.
    case ballparkOnly(from: String, to: String)
    /// GEOS refused an operation; `detail` is GEOS's message.
    case geosFailed(operation: String, detail: String)
    /// A geometry that cannot be used as asked (empty, wrong type, too large).
    case invalid(String)
}

extension GeometryError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .malformed(let format, let detail): "malformed \(format): \(detail)"
        case .unknownCRS(let crs): "unknown CRS '\(crs)'"
        case .transformFailed(let from, let to, let detail): "cannot transform \(from) → \(to): \(detail)"
        case .ballparkOnly(let from, let to):
            "PROJ knows no datum shift from \(from) to \(to) over this area, not even through WGS 84: only a ballpark guess "
                + "that can be 100 m or more off. Supply the shift (--towgs84 with 7 Bursa-Wolf parameters, or a named CRS "
                + "in Layers/crs with parameters solved from control points by `onemap crs solve`), or accept the guess with --allow-ballpark"
        case .geosFailed(let operation, let detail): "GEOS \(operation) failed: \(detail)"
        case .invalid(let detail): detail
        }
    }
}
