import CGDAL
import Foundation

/// GDAL set-up shared by every GDAL user in the store.
enum GDALSupport {
    /// Registers the drivers once per process; GDALAllRegister is idempotent but not free.
    static let registered: Bool = {
        GDALAllRegister()
        // Imports stream features; GDAL must not second-guess big GeoJSON files.
        CPLSetConfigOption("OGR_GEOJSON_MAX_OBJ_SIZE", "0")
        return true
    }()

    static func ensureRegistered() { _ = registered }

    /// Runs `body` with a NULL-terminated `char**` list of `KEY=VALUE` strings (GDAL's CSL).
    static func withStringList<T>(_ pairs: [(String, String)], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) throws -> T) rethrows -> T {
        var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        for (k, v) in pairs { list = CSLSetNameValue(list, k, v) }
        defer { CSLDestroy(list) }
        return try body(list)
    }
}

/// Collects the messages GDAL reports on this thread while `body` runs, instead of letting them
/// go to stderr: failures become typed errors and warnings a counted list in the import summary.
///
/// Ownership: the collector lives for the duration of `capture`; GDAL sees it only as userdata.
final class GDALMessages {
    private(set) var errors: [String] = []
    private(set) var warnings: [String: Int] = [:]

    var lastError: String { errors.last ?? "unknown GDAL error" }

    /// Runs `body` with this collector installed as the thread's GDAL error handler.
    func capture<T>(_ body: () throws -> T) rethrows -> T {
        CPLPushErrorHandlerEx({ level, _, message in
            guard let userdata = CPLGetErrorHandlerUserData() else { return }
            let me = Unmanaged<GDALMessages>.fromOpaque(userdata).takeUnretainedValue()
            let text = message.map { String(cString: $0) } ?? ""
            if level.rawValue >= CE_Failure.rawValue {
                me.errors.append(text)
            } else if level == CE_Warning {
                me.warnings[text, default: 0] += 1
            }
        }, Unmanaged.passUnretained(self).toOpaque())
        defer { CPLPopErrorHandler() }
        return try body()
    }

    func clearErrors() { errors.removeAll() }
}

/// A GDAL dataset opened for reading.
///
/// Ownership: owns the `GDALDatasetH` and closes it in `deinit` (closing a read-only dataset
/// cannot fail in a way that matters). Thread rule: one thread at a time (GDAL datasets are not
/// thread-safe); the importer keeps it on its reader thread.
final class GDALDatasetHandle {
    let handle: GDALDatasetH
    let path: String

    /// - Throws: `StoreError.sourceMissing` or `.sourceUnreadable` with GDAL's message.
    init(path: String, raster: Bool, openOptions: [(String, String)] = [], messages: GDALMessages) throws {
        GDALSupport.ensureRegistered()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw StoreError.sourceMissing(path) }
        self.path = path
        let flags = UInt32(raster ? GDAL_OF_RASTER : GDAL_OF_VECTOR) | UInt32(GDAL_OF_READONLY)
        let opened = messages.capture {
            GDALSupport.withStringList(openOptions) { options in
                GDALOpenEx(path, flags, nil, options.map { UnsafePointer(OpaquePointer($0)) }, nil)
            }
        }
        guard let opened else {
            let detail = messages.errors.last.map { "GDAL: \($0)" } ?? "not a \(raster ? "raster" : "vector") format GDAL can read"
            throw StoreError.sourceUnreadable(path: path, detail: detail)
        }
        handle = opened
    }

    deinit { GDALClose(handle) }

    var driverName: String {
        guard let driver = GDALGetDatasetDriver(handle), let name = GDALGetDriverShortName(driver) else { return "" }
        return String(cString: name)
    }
}

/// A GDAL dataset being written (the demo's generated GeoTIFFs).
///
/// Ownership: owns the handle; `close()` flushes and reports failure, and `deinit` asserts that
/// it ran, because a GeoTIFF closed implicitly could be silently truncated.
public final class GeoTIFFWriter {
    private var handle: GDALDatasetH?
    public let path: String
    public let width: Int
    public let height: Int
    public let bands: Int

    public enum Sample { case float32, byte }

    /// Creates a tiled, DEFLATE-compressed GeoTIFF.
    /// - Parameters:
    ///   - origin: top-left corner in `epsg` units; `cellSize` is positive (rows go down).
    public init(path: String, width: Int, height: Int, bands: Int, sample: Sample, epsg: Int,
                originX: Double, originY: Double, cellSize: Double, noData: Double? = nil) throws {
        GDALSupport.ensureRegistered()
        self.path = path
        self.width = width
        self.height = height
        self.bands = bands
        guard let driver = GDALGetDriverByName("GTiff") else { throw StoreError.unsupported("GDAL has no GTiff driver") }
        let options: [(String, String)] = [("TILED", "YES"), ("COMPRESS", "DEFLATE")] + (bands >= 3 ? [("PHOTOMETRIC", "RGB")] : [])
        let created = GDALSupport.withStringList(options) { opts in
            GDALCreate(driver, path, Int32(width), Int32(height), Int32(bands), sample == .byte ? GDT_Byte : GDT_Float32, opts)
        }
        guard let created else { throw StoreError.sourceUnreadable(path: path, detail: "cannot create GeoTIFF") }
        handle = created
        var transform = [originX, cellSize, 0, originY, 0, -cellSize]
        GDALSetGeoTransform(created, &transform)
        if let wkt = ProjWKT.wkt(epsg: epsg) { GDALSetProjection(created, wkt) }
        if let noData {
            for b in 1...bands { GDALSetRasterNoDataValue(GDALGetRasterBand(created, Int32(b)), noData) }
        }
    }

    /// Writes rows `y0..<y0+rows` of band `band` (1-based) from Float32 values.
    public func write(band: Int, y0: Int, rows: Int, values: [Float]) throws {
        guard let handle else { throw StoreError.database("writer closed") }
        var copy = values
        let err = copy.withUnsafeMutableBytes { buf in
            GDALRasterIO(GDALGetRasterBand(handle, Int32(band)), GF_Write, 0, Int32(y0), Int32(width), Int32(rows),
                         buf.baseAddress, Int32(width), Int32(rows), GDT_Float32, 0, 0)
        }
        guard err == CE_None else { throw StoreError.sourceUnreadable(path: path, detail: "GeoTIFF write failed") }
    }

    /// Writes rows of band `band` from bytes.
    public func write(band: Int, y0: Int, rows: Int, bytes: [UInt8]) throws {
        guard let handle else { throw StoreError.database("writer closed") }
        var copy = bytes
        let err = copy.withUnsafeMutableBytes { buf in
            GDALRasterIO(GDALGetRasterBand(handle, Int32(band)), GF_Write, 0, Int32(y0), Int32(width), Int32(rows),
                         buf.baseAddress, Int32(width), Int32(rows), GDT_Byte, 0, 0)
        }
        guard err == CE_None else { throw StoreError.sourceUnreadable(path: path, detail: "GeoTIFF write failed") }
    }

    /// Flushes and closes the file.
    public func close() throws {
        guard let h = handle else { return }
        handle = nil
        GDALFlushCache(h)
        GDALClose(h)
    }

    deinit { assert(handle == nil, "GeoTIFFWriter for \(path) was not closed") }
}

/// WKT of EPSG codes through GDAL's OSR (what GDAL itself writes into files).
enum ProjWKT {
    static func wkt(epsg: Int) -> String? {
        GDALSupport.ensureRegistered()
        guard let srs = OSRNewSpatialReference(nil) else { return nil }
        defer { OSRDestroySpatialReference(srs) }
        guard OSRImportFromEPSG(srs, Int32(epsg)) == OGRERR_NONE else { return nil }
        var text: UnsafeMutablePointer<CChar>?
        guard OSRExportToWkt(srs, &text) == OGRERR_NONE, let text else { return nil }
        defer { VSIFree(text) }
        return String(cString: text)
    }
}

/// What a source says about its CRS.
enum SourceCRS {
    case none
    case epsg(Int)
    /// A CRS PROJ can use but that has no EPSG code; kept as WKT.
    case wkt(String)

    /// Reads an OGR spatial reference (not owned).
    static func from(_ srs: OGRSpatialReferenceH?) -> SourceCRS {
        guard let srs, let clone = OSRClone(srs) else { return .none }
        defer { OSRDestroySpatialReference(clone) }
        // An ESRI .prj often lacks authority codes; identifying by comparison finds them.
        if OSRGetAuthorityCode(clone, nil) == nil { _ = OSRAutoIdentifyEPSG(clone) }
        if let name = OSRGetAuthorityName(clone, nil), String(cString: name).uppercased() == "EPSG",
            let code = OSRGetAuthorityCode(clone, nil), let n = Int(String(cString: code))
        {
            return .epsg(n)
        }
        var text: UnsafeMutablePointer<CChar>?
        guard OSRExportToWkt(clone, &text) == OGRERR_NONE, let text else { return .none }
        defer { VSIFree(text) }
        return .wkt(String(cString: text))
    }
}
