import Foundation
import OneMapGeometry

/// Everything that can go wrong in the store, with the context a user needs to fix it.
/// Messages never contain SQL; the server maps these to HTTP statuses in one place.
public enum StoreError: Error, Equatable, Sendable {
    /// No layer with this id (or one the caller may not see: the two are indistinguishable).
    case layerNotFound(String)
    case featureNotFound(layer: String, id: Int64)
    case layerExists(String)
    case invalidLayerID(String)
    case sourceMissing(String)
    case sourceUnreadable(path: String, detail: String)
    case noCRS(String)
    case unknownCRS(String)
    case noGeoreference(String)
    case mixedGeometryTypes(String)
    case notUTF8(field: String, feature: Int64)
    case emptySource(String)
    case invalidLayerFile(path: String, problems: [String])
    case invalidArgument(String)
    case schemaMismatch(String)
    case unsupported(String)
    /// A geometry the layer cannot hold (wrong type, invalid and unrepairable, wrong CRS).
    case invalidGeometry(String)
    /// An attribute value that does not fit the layer schema.
    case invalidAttribute(String)
    /// An edit based on an out-of-date version of the feature (If-Match mismatch).
    case staleVersion(expected: String, actual: String)
    case permissionDenied(String)
    /// SQLite or SpatiaLite failed; `detail` is safe to show (no SQL text).
    case database(String)
    /// The disk holding the store is full; the write was rolled back.
    case storageFull
    /// The store cannot be written: a read-only file, folder or file system, or opened read-only.
    case readOnly
    /// Another connection or process held the write lock past the busy timeout.
    case busy
    case interrupted
}

extension StoreError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .layerNotFound(let id): "no layer '\(id)'"
        case .featureNotFound(let layer, let id): "no feature \(id) in layer '\(layer)'"
        case .layerExists(let id): "layer '\(id)' already exists; pass --replace to replace it"
        case .invalidLayerID(let id): "invalid layer id '\(id)': use 1–63 lowercase letters, digits and '_', starting with a letter"
        case .sourceMissing(let path): "no such file: \(path)"
        case .sourceUnreadable(let path, let detail): "cannot read \(path): \(detail)"
        case .noCRS(let source): "\(source) has no coordinate reference system (a shapefile without .prj?); pass --srs EPSG:n or --srs GCJ02"
        case .unknownCRS(let crs): "unknown CRS '\(crs)'"
        case .noGeoreference(let source): "\(source) has no georeference (no geotransform or CRS); georeference it first or pass --srs with a world file"
        case .mixedGeometryTypes(let counts): "the source mixes geometry types (\(counts)); import each type into its own layer"
        case .notUTF8(let field, let feature): "field '\(field)' of feature \(feature) is not UTF-8 text; pass --encoding GBK (or GB18030)"
        case .emptySource(let source): "\(source) has no features to import"
        case .invalidLayerFile(let path, let problems): "invalid layer file \(path): " + problems.joined(separator: "; ")
        case .invalidArgument(let detail): detail
        case .schemaMismatch(let detail): detail
        case .unsupported(let detail): detail
        case .invalidGeometry(let detail): "invalid geometry: \(detail)"
        case .invalidAttribute(let detail): "invalid attribute: \(detail)"
        case .staleVersion(let expected, let actual): "the feature changed (version \(actual), request was based on \(expected))"
        case .permissionDenied(let detail): detail
        case .database(let detail): "database error: \(detail)"
        case .storageFull: "the disk holding the store is full; nothing was written (free some space and try again)"
        case .readOnly: "the store cannot be written (its file, folder or file system is read-only, or it was opened read-only); nothing was written"
        case .busy: "the store is locked by another process that did not let go in time; nothing was written (try again)"
        case .interrupted: "interrupted"
        }
    }
}

extension StoreError {
    /// Wraps a lower-level error, keeping store and geometry errors as they are.
    static func wrap(_ error: any Error) -> StoreError {
        switch error {
        case let e as StoreError: return e
        case let e as GeometryError:
            switch e {
            case .unknownCRS(let crs): return .unknownCRS(crs)
            case .ballparkOnly: return .invalidArgument(e.description)
            default: return .invalidGeometry(e.description)
            }
        // The file system refusing a write (a backend's own errors are mapped by the backend).
        case let e as POSIXError where e.code == .ENOSPC: return .storageFull
        case let e as CocoaError where e.code == .fileWriteOutOfSpace: return .storageFull
        case let e as NSError where e.domain == NSPOSIXErrorDomain && e.code == Int(ENOSPC): return .storageFull
        default:
            return .database(String(describing: type(of: error)) + ": " + safeDescription(error))
        }
    }

    /// GRDB's DatabaseError description includes the SQL; keep only the SQLite message.
    static func safeDescription(_ error: any Error) -> String {
        let text = String(describing: error)
        if let range = text.range(of: " - while executing") { return String(text[..<range.lowerBound]) }
        return text
    }
}
