import CGDAL
import Foundation
import OneMapGeometry

/// An attribute as the source declares it.
struct SourceField {
    var name: String
    var type: AttributeType
    var index: Int32
    /// For date fields: whether the source holds a date, a date-time or a time of day.
    var temporal: OGRFieldType? = nil
}

/// One feature as read from the source, before any conversion.
struct SourceFeature {
    var fid: Int64 = -1
    var geometry: Geometry?
    var values: [FeatureValue] = []
}

/// Reads one OGR layer feature by feature.
///
/// Ownership: owns the dataset (and through it the layer). Thread rule: GDAL datasets are not
/// thread-safe; the importer creates and uses the reader on one thread only.
final class OGRVectorReader {
    let dataset: GDALDatasetHandle
    let layer: OGRLayerH
    let layerName: String
    let driver: String
    let fields: [SourceField]
    /// The type the layer declares; nil when unknown or mixed (the importer then scans).
    let declaredType: GeometryType?
    let sourceCRS: SourceCRS
    let featureCountHint: Int?
    let messages: GDALMessages
    /// Set when strings must be recoded here because the driver does not (everything but shapefiles).
    private let recodeFrom: String?
    private var wkb = [UInt8](repeating: 0, count: 1024)
    private var osmConfigPath: String?

    init(path: String, sourceLayer: String?, encoding: String?, messages: GDALMessages) throws {
        self.messages = messages
        let ext = (path as NSString).pathExtension.lowercased()
        var options: [(String, String)] = []
        var recode: String?
        switch ext {
        case "shp", "dbf":
            // GDAL honours .cpg and the DBF's language driver id; with neither, ask for no recoding
            // so non-UTF-8 text is caught below instead of being read as Latin-1 mojibake.
            if let encoding {
                options.append(("ENCODING", encoding))
            } else if !Self.hasDeclaredEncoding(shapefile: path) {
                options.append(("ENCODING", ""))
            }
        case "csv", "tsv":
            options += [
                ("X_POSSIBLE_NAMES", "lon,lng,long,longitude,x,经度"), ("Y_POSSIBLE_NAMES", "lat,latitude,y,纬度"),
                ("GEOM_POSSIBLE_NAMES", "wkt,geom,geometry,the_geom"), ("KEEP_GEOM_COLUMNS", "NO"),
                ("AUTODETECT_TYPE", "YES"),
            ]
            recode = encoding
        case "pbf", "osm":
            // One file per reader: a reader removes its file when done, and imports may run side by side.
            let config = NSTemporaryDirectory() + "onemap-osmconf-\(getpid())-\(UUID().uuidString).ini"
            try OSMConfig.text.write(toFile: config, atomically: true, encoding: .utf8)
            osmConfigPath = config
            options.append(("CONFIG_FILE", config))
            recode = encoding
        default:
            recode = encoding
        }
        recodeFrom = recode
        dataset = try GDALDatasetHandle(path: path, raster: false, openOptions: options, messages: messages)
        driver = dataset.driverName
        let count = GDALDatasetGetLayerCount(dataset.handle)
        var names: [String] = []
        for i in 0..<count {
            if let l = GDALDatasetGetLayer(dataset.handle, i), let n = OGR_L_GetName(l) { names.append(String(cString: n)) }
        }
        var chosen: OGRLayerH?
        if let sourceLayer {
            chosen = GDALDatasetGetLayerByName(dataset.handle, sourceLayer)
            guard chosen != nil else {
                throw StoreError.invalidArgument("no layer '\(sourceLayer)' in \(path); it has: \(names.joined(separator: ", "))")
            }
        } else if count == 1 {
            chosen = GDALDatasetGetLayer(dataset.handle, 0)
        } else if count == 0 {
            throw StoreError.emptySource(path)
        } else {
            throw StoreError.invalidArgument("\(path) has \(count) layers (\(names.joined(separator: ", "))); choose one with --source-layer")
        }
        guard let chosen else { throw StoreError.emptySource(path) }
        layer = chosen
        layerName = String(cString: OGR_L_GetName(chosen))
        let definition = OGR_L_GetLayerDefn(chosen)
        var fields: [SourceField] = []
        for i in 0..<OGR_FD_GetFieldCount(definition) {
            guard let def = OGR_FD_GetFieldDefn(definition, i) else { continue }
            let name = String(cString: OGR_Fld_GetNameRef(def))
            let type: AttributeType
            switch OGR_Fld_GetType(def) {
            case OFTInteger, OFTInteger64: type = .integer
            case OFTReal: type = .real
            case OFTDate, OFTDateTime, OFTTime: type = .date
            default: type = .text
            }
            fields.append(SourceField(name: name, type: type, index: i, temporal: type == .date ? OGR_Fld_GetType(def) : nil))
        }
        self.fields = fields
        declaredType = Self.geometryType(OGR_L_GetGeomType(chosen))
        sourceCRS = SourceCRS.from(OGR_L_GetSpatialRef(chosen))
        let hint = OGR_L_GetFeatureCount(chosen, 0)
        featureCountHint = hint >= 0 ? Int(hint) : nil
    }

    /// The layer's extent in its own coordinates, when the driver knows it or can find it without
    /// reading an OSM file twice; nil otherwise.
    var extent: BoundingBox? {
        var envelope = OGREnvelope()
        guard OGR_L_GetExtent(layer, &envelope, driver == "OSM" ? 0 : 1) == OGRERR_NONE else { return nil }
        let box = BoundingBox(minX: envelope.MinX, minY: envelope.MinY, maxX: envelope.MaxX, maxY: envelope.MaxY)
        return box.isEmpty || ![box.minX, box.minY, box.maxX, box.maxY].allSatisfy(\.isFinite) ? nil : box
    }

    deinit {
        if let osmConfigPath { try? FileManager.default.removeItem(atPath: osmConfigPath) }
    }

    /// A shapefile declares its encoding with a `.cpg` next to it or a language driver id in the DBF header.
    static func hasDeclaredEncoding(shapefile path: String) -> Bool {
        let base = (path as NSString).deletingPathExtension
        for ext in ["cpg", "CPG"] where FileManager.default.fileExists(atPath: base + "." + ext) { return true }
        for ext in ["dbf", "DBF"] {
            if let handle = FileHandle(forReadingAtPath: base + "." + ext) {
                defer { try? handle.close() }
                let header = handle.readData(ofLength: 32)
                if header.count == 32 { return header[29] != 0 }
            }
        }
        return false
    }

    /// The OneMap type for an OGR type, nil for unknown/collections.
    static func geometryType(_ t: OGRwkbGeometryType) -> GeometryType? {
        switch OGR_GT_Flatten(OGR_GT_GetLinear(t)) {
        case wkbPoint: .point
        case wkbLineString: .lineString
        case wkbPolygon: .polygon
        case wkbMultiPoint: .multiPoint
        case wkbMultiLineString: .multiLineString
        case wkbMultiPolygon: .multiPolygon
        default: nil
        }
    }

    func reset() { OGR_L_ResetReading(layer) }

    /// Reads the next feature into `out`; returns false at the end.
    /// - Throws: `StoreError.notUTF8` for undecodable text, `.sourceUnreadable` when GDAL fails.
    func next(_ out: inout SourceFeature, withAttributes: Bool = true) throws -> Bool {
        messages.clearErrors()
        guard let feature = messages.capture({ OGR_L_GetNextFeature(layer) }) else {
            if !messages.errors.isEmpty {
                throw StoreError.sourceUnreadable(path: dataset.path, detail: "GDAL: \(messages.lastError)")
            }
            return false
        }
        defer { OGR_F_Destroy(feature) }
        out.fid = OGR_F_GetFID(feature)
        out.geometry = try geometry(of: feature)
        out.values.removeAll(keepingCapacity: true)
        guard withAttributes else { return true }
        for field in fields {
            guard OGR_F_IsFieldSetAndNotNull(feature, field.index) != 0 else {
                out.values.append(.null)
                continue
            }
            switch field.type {
            case .integer: out.values.append(.integer(OGR_F_GetFieldAsInteger64(feature, field.index)))
            case .real: out.values.append(.real(OGR_F_GetFieldAsDouble(feature, field.index)))
            case .date where field.temporal != nil:
                out.values.append(.text(Self.iso8601(feature, field)))
            case .text, .date:
                guard let raw = OGR_F_GetFieldAsString(feature, field.index) else {
                    out.values.append(.null)
                    continue
                }
                out.values.append(.text(try text(raw, field: field.name, fid: out.fid)))
            }
        }
        return true
    }

    /// A date field as ISO 8601 text ("2024-05-15", "2024-05-15T08:30:00+08:00"), not OGR's
    /// "2024/05/15" string form, so dates compare and sort as text.
    private static func iso8601(_ feature: OGRFeatureH, _ field: SourceField) -> String {
        var y: Int32 = 0, m: Int32 = 0, d: Int32 = 0, h: Int32 = 0, mi: Int32 = 0, tz: Int32 = 0
        var sec: Float = 0
        _ = OGR_F_GetFieldAsDateTimeEx(feature, field.index, &y, &m, &d, &h, &mi, &sec, &tz)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : String(n) }
        let date = "\(String(format: "%04d", y))-\(two(m))-\(two(d))"
        let seconds = sec == sec.rounded() ? two(Int32(sec)) : String(format: "%06.3f", sec)
        let time = "\(two(h)):\(two(mi)):\(seconds)"
        // OGR's TZFlag: 0 unknown, 1 local, 100 UTC, 100 ± n×15 minutes.
        let zone = tz == 100 ? "Z" : tz > 1 ? "\(tz >= 100 ? "+" : "-")\(two(abs(tz - 100) / 4)):\(two(abs(tz - 100) % 4 * 15))" : ""
        switch field.temporal {
        case OFTDate: return date
        case OFTTime: return time
        default: return "\(date)T\(time)\(zone)"
        }
    }

    private func text(_ raw: UnsafePointer<CChar>, field: String, fid: Int64) throws -> String {
        if let recodeFrom {
            let converted = CPLRecode(raw, recodeFrom, CPL_ENC_UTF8)
            defer { VSIFree(converted) }
            return String(cString: converted)
        }
        let length = strlen(raw)
        return try raw.withMemoryRebound(to: UInt8.self, capacity: length) { p in
            guard let s = String(validating: UnsafeBufferPointer(start: p, count: length), as: UTF8.self) else {
                throw StoreError.notUTF8(field: field, feature: fid)
            }
            return s
        }
    }

    private func geometry(of feature: OGRFeatureH) throws -> Geometry? {
        guard var g = OGR_F_GetGeometryRef(feature) else { return nil }
        var linear: OGRGeometryH?
        if OGR_G_HasCurveGeometry(g, 0) != 0 {
            linear = OGR_G_GetLinearGeometry(g, 0, nil)
            if let linear { g = linear }
        }
        defer { if let linear { OGR_G_DestroyGeometry(linear) } }
        if OGR_G_IsEmpty(g) != 0 { return nil }
        let size = Int(OGR_G_WkbSize(g))
        if wkb.count < size { wkb = [UInt8](repeating: 0, count: size * 2) }
        let err = wkb.withUnsafeMutableBufferPointer { OGR_G_ExportToIsoWkb(g, wkbNDR, $0.baseAddress) }
        guard err == OGRERR_NONE else { return nil }
        return try wkb.withUnsafeBytes { try WKB.decode(UnsafeRawBufferPointer(rebasing: $0[0..<size])) }
    }
}
