/// Errors from geometry parsing, GEOS and PROJ.
public enum GeometryError: Error, Equatable, Sendable {
    /// WKB, WKT or GeoJSON that cannot be read; `detail` says what and where.
    case malformed(format: String, detail: String)
    /// A CRS that PROJ does not know or OneMap cannot use.
    case unknownCRS(String)
    /// PROJ could not set up or run a transformation.
    case transformFailed(from: String, to: String, detail: String)
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
        case .geosFailed(let operation, let detail): "GEOS \(operation) failed: \(detail)"
        case .invalid(let detail): detail
        }
    }
}
