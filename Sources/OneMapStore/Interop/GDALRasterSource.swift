import CGDAL
import Foundation
import OneMapImage

/// How a raster band's pixels are meant to be read.
enum BandRole {
    case red, green, blue, alpha, gray, palette, other
}

/// A raster dataset read window by window.
///
/// Ownership: owns its dataset handle (and, for a warped view, the source it warps, which must
/// outlive it). Thread rule: one thread at a time, like every GDAL dataset.
final class GDALRasterSource {
    private let handle: GDALDatasetH
    private let owned: Bool
    private let base: GDALDatasetHandle
    private let keepAlive: GDALRasterSource?
    let width: Int
    let height: Int
    let bandCount: Int
    /// GDAL's affine geotransform: origin x, pixel width, row rotation, origin y, column rotation, pixel height (negative).
    let geoTransform: [Double]?
    let crs: SourceCRS

    init(path: String, messages: GDALMessages) throws {
        base = try GDALDatasetHandle(path: path, raster: true, messages: messages)
        handle = base.handle
        owned = false
        keepAlive = nil
        width = Int(GDALGetRasterXSize(handle))
        height = Int(GDALGetRasterYSize(handle))
        bandCount = Int(GDALGetRasterCount(handle))
        geoTransform = Self.readGeoTransform(handle)
        crs = SourceCRS.from(GDALGetSpatialRef(handle))
        guard bandCount > 0 else { throw StoreError.sourceUnreadable(path: path, detail: "no raster bands") }
    }

    private init(warped: GDALDatasetH, source: GDALRasterSource) {
        handle = warped
        owned = true
        base = source.base
        keepAlive = source
        width = Int(GDALGetRasterXSize(warped))
        height = Int(GDALGetRasterYSize(warped))
        bandCount = Int(GDALGetRasterCount(warped))
        geoTransform = Self.readGeoTransform(warped)
        crs = SourceCRS.from(GDALGetSpatialRef(warped))
    }

    deinit { if owned { GDALClose(handle) } }

    static func readGeoTransform(_ h: GDALDatasetH) -> [Double]? {
        var t = [Double](repeating: 0, count: 6)
        guard GDALGetGeoTransform(h, &t) == CE_None else { return nil }
        if t == [0, 1, 0, 0, 0, 1] { return nil }  // GDAL's default: no georeference
        return t
    }

    var path: String { base.path }

    func role(band: Int) -> BandRole {
        switch GDALGetRasterColorInterpretation(GDALGetRasterBand(handle, Int32(band))) {
        case GCI_RedBand: .red
        case GCI_GreenBand: .green
        case GCI_BlueBand: .blue
        case GCI_AlphaBand: .alpha
        case GCI_GrayIndex: .gray
        case GCI_PaletteIndex: .palette
        default: .other
        }
    }

    func noData(band: Int) -> Double? {
        var has: Int32 = 0
        let v = GDALGetRasterNoDataValue(GDALGetRasterBand(handle, Int32(band)), &has)
        return has != 0 ? v : nil
    }

    /// The sample type that holds the band's values exactly.
    func sampleType(band: Int) -> SampleType {
        switch GDALGetRasterDataType(GDALGetRasterBand(handle, Int32(band))) {
        case GDT_Byte, GDT_Int16: .int16
        case GDT_UInt16, GDT_Int32: .int32
        case GDT_Float32: .float32
        default: .float64
        }
    }

    /// The colour table of a palette band as RGBA quadruples.
    func colorTable(band: Int) -> [UInt8]? {
        guard let table = GDALGetRasterColorTable(GDALGetRasterBand(handle, Int32(band))) else { return nil }
        var out: [UInt8] = []
        for i in 0..<GDALGetColorEntryCount(table) {
            guard let e = GDALGetColorEntry(table, i) else { continue }
            out += [UInt8(clamping: e.pointee.c1), UInt8(clamping: e.pointee.c2), UInt8(clamping: e.pointee.c3), UInt8(clamping: e.pointee.c4)]
        }
        return out
    }

    /// Reads a window of one band as Doubles.
    func read(band: Int, x: Int, y: Int, width w: Int, height h: Int) throws -> [Double] {
        try readWindow(band: band, x: x, y: y, width: w, height: h, as: GDT_Float64, zero: 0.0)
    }

    /// Reads a window of one band as bytes (values clamped to 0…255 by GDAL).
    func readBytes(band: Int, x: Int, y: Int, width w: Int, height h: Int) throws -> [UInt8] {
        try readWindow(band: band, x: x, y: y, width: w, height: h, as: GDT_Byte, zero: UInt8(0))
    }

    /// GDAL converts the band's values to `type`, which must match `T`.
    private func readWindow<T>(band: Int, x: Int, y: Int, width w: Int, height h: Int, as type: GDALDataType, zero: T) throws -> [T] {
        var out = [T](repeating: zero, count: w * h)
        let err = out.withUnsafeMutableBytes {
            GDALRasterIO(GDALGetRasterBand(handle, Int32(band)), GF_Read, Int32(x), Int32(y), Int32(w), Int32(h),
                         $0.baseAddress, Int32(w), Int32(h), type, 0, 0)
        }
        guard err == CE_None else { throw StoreError.sourceUnreadable(path: path, detail: "cannot read band \(band) at \(x),\(y)") }
        return out
    }

    /// A view of this raster reprojected to `epsg` (bilinear), with an alpha band marking where
    /// the source has data, so areas outside the source come out transparent.
    func warped(toEPSG epsg: Int, sourceCRSWKT: String?, alphaBand: Int?, messages: GDALMessages) throws -> GDALRasterSource {
        guard let target = ProjWKT.wkt(epsg: epsg) else { throw StoreError.unknownCRS("EPSG:\(epsg)") }
        guard let options = GDALCreateWarpOptions() else { throw StoreError.unsupported("GDAL warp options") }
        defer { GDALDestroyWarpOptions(options) }
        let bands = (1...bandCount).filter { $0 != alphaBand }
        options.pointee.nBandCount = Int32(bands.count)
        options.pointee.panSrcBands = UnsafeMutablePointer<Int32>(OpaquePointer(CPLMalloc(MemoryLayout<Int32>.size * bands.count)))
        options.pointee.panDstBands = UnsafeMutablePointer<Int32>(OpaquePointer(CPLMalloc(MemoryLayout<Int32>.size * bands.count)))
        for (i, b) in bands.enumerated() {
            options.pointee.panSrcBands[i] = Int32(b)
            options.pointee.panDstBands[i] = Int32(i + 1)
        }
        if let alphaBand { options.pointee.nSrcAlphaBand = Int32(alphaBand) }
        options.pointee.nDstAlphaBand = Int32(bands.count + 1)
        let warpedHandle = messages.capture {
            GDALAutoCreateWarpedVRTEx(handle, sourceCRSWKT, target, GRA_Bilinear, 0.125, options, nil)
        }
        guard let warpedHandle else {
            throw StoreError.sourceUnreadable(path: path, detail: "cannot reproject to EPSG:\(epsg): \(messages.lastError)")
        }
        return GDALRasterSource(warped: warpedHandle, source: self)
    }
}

/// JPEG tiles go through GDAL's JPEG driver in /vsimem (libjpeg is not linked directly).
enum JPEGCodec {
    static func encode(_ image: RGBAImage, quality: Int = 85) throws -> [UInt8] {
        GDALSupport.ensureRegistered()
        guard let mem = GDALGetDriverByName("MEM"), let jpeg = GDALGetDriverByName("JPEG") else {
            throw StoreError.unsupported("GDAL has no JPEG driver")
        }
        guard let ds = GDALCreate(mem, "", Int32(image.width), Int32(image.height), 3, GDT_Byte, nil) else {
            throw StoreError.unsupported("cannot create an in-memory raster")
        }
        defer { GDALClose(ds) }
        for band in 0..<3 {
            var plane = [UInt8](repeating: 0, count: image.width * image.height)
            for i in 0..<plane.count { plane[i] = image.pixels[i * 4 + band] }
            _ = plane.withUnsafeMutableBytes {
                GDALRasterIO(GDALGetRasterBand(ds, Int32(band + 1)), GF_Write, 0, 0, Int32(image.width), Int32(image.height),
                             $0.baseAddress, Int32(image.width), Int32(image.height), GDT_Byte, 0, 0)
            }
        }
        let name = "/vsimem/onemap-\(UUID().uuidString).jpg"
        let out = GDALSupport.withStringList([("QUALITY", String(quality))]) { opts in
            GDALCreateCopy(jpeg, name, ds, 0, opts, nil, nil)
        }
        guard let out else { throw StoreError.unsupported("JPEG encoding failed") }
        GDALClose(out)
        defer { VSIUnlink(name) }
        var length: vsi_l_offset = 0
        guard let buffer = VSIGetMemFileBuffer(name, &length, 0) else { throw StoreError.unsupported("JPEG encoding failed") }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
    }

    static func decode(_ data: [UInt8]) throws -> RGBAImage {
        GDALSupport.ensureRegistered()
        let name = "/vsimem/onemap-\(UUID().uuidString).jpg"
        var copy = data
        let file = copy.withUnsafeMutableBufferPointer { VSIFileFromMemBuffer(name, $0.baseAddress, vsi_l_offset($0.count), 0) }
        guard let file else { throw StoreError.unsupported("JPEG decoding failed") }
        defer {
            VSIFCloseL(file)
            VSIUnlink(name)
        }
        return try withExtendedLifetime(copy) {
            guard let ds = GDALOpen(name, GA_ReadOnly) else { throw StoreError.unsupported("corrupt JPEG tile") }
            defer { GDALClose(ds) }
            let w = Int(GDALGetRasterXSize(ds)), h = Int(GDALGetRasterYSize(ds))
            var image = RGBAImage(width: w, height: h)
            let bands = Int(GDALGetRasterCount(ds))
            var plane = [UInt8](repeating: 0, count: w * h)
            for band in 0..<3 {
                _ = plane.withUnsafeMutableBytes {
                    GDALRasterIO(GDALGetRasterBand(ds, Int32(Swift.min(band, bands - 1) + 1)), GF_Read, 0, 0, Int32(w), Int32(h),
                                 $0.baseAddress, Int32(w), Int32(h), GDT_Byte, 0, 0)
                }
                for i in 0..<plane.count { image.pixels[i * 4 + band] = plane[i] }
            }
            for i in 0..<(w * h) { image.pixels[i * 4 + 3] = 255 }
            return image
        }
    }
}
