import Foundation
import OneMapImage
import GRDB
import OneMapGeometry

/// One raster import into a tile pyramid, in one transaction.
///
/// DEM: level 0 keeps the source's own grid, CRS and sample type, so point queries answer with
/// the source cell exactly; overviews average 2×2 cells, ignoring no-data. DOM: reprojected to
/// the storage CRS (bilinear), RGB(A) tiles with transparency where the source has no data;
/// overviews average 2×2 pixels in premultiplied alpha.
struct RasterImport {
    let store: SpatiaLiteStore
    let request: ImportRequest
    let file: LayerFile?
    let progress: ImportProgress?

    func run() throws -> ImportSummary {
        let started = Date()
        let messages = GDALMessages()
        let source = try GDALRasterSource(path: request.source, messages: messages)
        guard let gt = source.geoTransform else { throw StoreError.noGeoreference(request.source) }
        guard gt[2] == 0, gt[4] == 0, gt[1] > 0, gt[5] < 0 else {
            throw StoreError.unsupported("\(request.source) is rotated or flipped; warp it north-up first (gdalwarp)")
        }
        var sourceCRS: CRS
        if let srs = request.srs {
            guard srs.code != .gcj02 else { throw StoreError.unsupported("GCJ-02 rasters cannot be converted; only vectors") }
            sourceCRS = srs
        } else {
            switch source.crs {
            case .epsg(let n):
                guard let crs = try? CRS(parsing: "EPSG:\(n)") else { throw StoreError.unknownCRS("EPSG:\(n)") }
                sourceCRS = crs
            case .wkt: throw StoreError.unknownCRS("the raster's CRS has no EPSG code; pass --srs EPSG:n")
            case .none: throw StoreError.noGeoreference(request.source)
            }
        }
        let layerID = request.layerID
        var tiles = 0
        var cells = 0
        // A DEM keeps its own CRS; imagery is warped into the storage CRS, checked like vectors.
        let imageryCRS = file?.storageCRS ?? .cgcs2000
        let transformation: TransformationReport
        if request.kind == .dem {
            transformation = .exact
        } else {
            let area = BoundingBox(minX: gt[0], minY: gt[3] + Double(source.height) * gt[5], maxX: gt[0] + Double(source.width) * gt[1], maxY: gt[3])
            let checked = try request.transform(from: sourceCRS, to: imageryCRS, area: area)
            transformation = checked.report ?? .exact
            // GDAL's warper takes one PROJ operation: a path through WGS 84 or given parameters can
            // only be followed when the storage CRS is lon/lat (WGS 84 and CGCS2000 share the numbers).
            if (transformation.viaWGS84 || request.towgs84 != nil) && !sourceCRS.isDisplayEquivalent(to: imageryCRS)
                && !imageryCRS.isDisplayEquivalent(to: .wgs84) {
                throw StoreError.unsupported("imagery from \(sourceCRS.identifier) needs a path through WGS 84, which the warper follows only into a lon/lat storage CRS; warp it to EPSG:4490 first (gdalwarp)")
            }
        }
        let layer: Layer = try store.write { db in
            let old = try SpatiaLiteStore.fetchCatalog(db)[layerID]
            if old != nil && !request.replace { throw StoreError.layerExists(layerID) }
            let table = try store.freeTableName(for: layerID, in: db)
            try db.execute(sql: """
                CREATE TABLE \(quoteIdentifier(table)) (
                    level INTEGER NOT NULL, col INTEGER NOT NULL, row INTEGER NOT NULL, data BLOB NOT NULL,
                    PRIMARY KEY (level, col, row)) WITHOUT ROWID
                """)
            let writer = try PyramidWriter(db: db, table: table)
            let info: RasterInfo
            let storageCRS: CRS
            if request.kind == .dem {
                storageCRS = sourceCRS
                info = try importElevation(source, gt: gt, writer: writer, tiles: &tiles)
            } else {
                storageCRS = imageryCRS
                info = try importImagery(source, sourceCRS: sourceCRS, storageCRS: storageCRS, shifted: request.shifted(sourceCRS.identifier),
                                         throughWGS84: transformation.viaWGS84, writer: writer, messages: messages, tiles: &tiles)
            }
            cells = info.width * info.height
            guard tiles > 0 else { throw StoreError.emptySource(request.source) }
            var layer = Layer(
                id: layerID, title: request.title ?? file?.title ?? old?.title ?? layerID,
                group: request.group ?? file?.group ?? old?.group ?? "base", kind: request.kind, geometryType: nil,
                storageCRS: storageCRS, attributes: [], access: request.access ?? file?.access ?? old?.access ?? .public,
                featureCount: 0, extent: info.extent, version: 1,
                source: request.sourceDescription ?? file?.source ?? (request.source as NSString).lastPathComponent,
                synthetic: request.synthetic ?? file?.synthetic ?? false, importedAt: isoNow(), table: table, raster: info,
                description: file?.description ?? old?.description, transformation: transformation)
            try SpatiaLiteStore.finishImport(&layer, replacing: old, in: db)
            return layer
        }
        return ImportSummary(layer: layer, read: cells, written: cells, repaired: 0, skipped: 0,
                             seconds: Date().timeIntervalSince(started), warnings: messages.warnings, tiles: tiles)
    }

    // MARK: DEM

    func importElevation(_ source: GDALRasterSource, gt: [Double], writer: PyramidWriter, tiles: inout Int) throws -> RasterInfo {
        let type = source.sampleType(band: 1)
        var noData = source.noData(band: 1)
        if let nd = noData {
            switch type {
            case .float32: noData = Double(Float(nd))
            case .int16, .int32: noData = nd.rounded()
            case .float64: break
            }
        } else if type == .int16 {
            noData = Double(Int16.min)
        } else if type == .int32 {
            noData = Double(Int32.min)
        }
        let size = 256
        var info = RasterInfo(
            originX: gt[0], originY: gt[3], cellWidth: gt[1], cellHeight: -gt[5], width: source.width, height: source.height,
            tileSize: size, levels: 1, encoding: .deflate, sampleType: type, noData: noData)
        while info.tileCount(level: info.levels - 1) != (1, 1) { info.levels += 1 }
        var minValue = Double.infinity
        var maxValue = -Double.infinity
        let (columns, rows) = info.tileCount(level: 0)
        let total = columns * rows
        for row in 0..<rows {
            for col in 0..<columns {
                let x0 = col * size, y0 = row * size
                let w = min(size, source.width - x0), h = min(size, source.height - y0)
                let values = try source.read(band: 1, x: x0, y: y0, width: w, height: h)
                var tile = ElevationTile(size: size)
                var any = false
                for y in 0..<h {
                    for x in 0..<w {
                        let v = values[y * w + x]
                        if v.isNaN || (noData != nil && v == noData!) { continue }
                        tile.values[y * size + x] = v
                        any = true
                        minValue = min(minValue, v)
                        maxValue = max(maxValue, v)
                    }
                }
                if any {
                    try writer.put(level: 0, col: col, row: row, data: ElevationCodec.encode(tile, type: type, noData: noData))
                    tiles += 1
                }
                progress?(row * columns + col + 1, total)
            }
        }
        if minValue <= maxValue {
            info.minValue = minValue
            info.maxValue = maxValue
        }
        for level in 1..<info.levels {
            let (c, r) = info.tileCount(level: level)
            for row in 0..<r {
                for col in 0..<c {
                    var parent = ElevationTile(size: size)
                    var any = false
                    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                        guard let data = try writer.get(level: level - 1, col: col * 2 + dx, row: row * 2 + dy) else { continue }
                        let child = try data.withUnsafeBytes { try ElevationCodec.decode($0, size: size, type: type, noData: noData) }
                        let half = size / 2
                        for y in 0..<half {
                            for x in 0..<half {
                                var sum = 0.0
                                var n = 0.0
                                for (sx, sy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                                    let v = child[x * 2 + sx, y * 2 + sy]
                                    if !v.isNaN {
                                        sum += v
                                        n += 1
                                    }
                                }
                                if n > 0 {
                                    parent.values[(dy * half + y) * size + dx * half + x] = sum / n
                                    any = true
                                }
                            }
                        }
                    }
                    if any {
                        try writer.put(level: level, col: col, row: row, data: ElevationCodec.encode(parent, type: type, noData: noData))
                        tiles += 1
                    }
                }
            }
        }
        return info
    }

    // MARK: DOM

    func importImagery(_ original: GDALRasterSource, sourceCRS: CRS, storageCRS: CRS, shifted: NamedCRS?, throughWGS84: Bool,
                       writer: PyramidWriter, messages: GDALMessages, tiles: inout Int) throws -> RasterInfo {
        guard var targetEPSG = storageCRS.epsg else { throw StoreError.unknownCRS(storageCRS.identifier) }
        // Into lon/lat through WGS 84: warp to WGS 84, whose numbers the storage CRS shares.
        if throughWGS84 || shifted != nil { targetEPSG = 4326 }
        let roles = (1...original.bandCount).map { original.role(band: $0) }
        let sourceAlpha = roles.firstIndex(of: .alpha).map { $0 + 1 }
        var source = original
        var alphaBand = sourceAlpha
        var colorBands: [Int]
        let palette = roles.first == .palette ? original.colorTable(band: 1) : nil
        if let r = roles.firstIndex(of: .red), let g = roles.firstIndex(of: .green), let b = roles.firstIndex(of: .blue) {
            colorBands = [r + 1, g + 1, b + 1]
        } else if original.bandCount - (sourceAlpha == nil ? 0 : 1) >= 3 {
            colorBands = (1...original.bandCount).filter { $0 != sourceAlpha }.prefix(3).map { $0 }
        } else {
            let first = (1...original.bandCount).first { $0 != sourceAlpha } ?? 1
            colorBands = [first, first, first]
        }
        let noData = colorBands.compactMap { original.noData(band: $0) }
        if !sourceCRS.isDisplayEquivalent(to: storageCRS) {
            var sourceWKT = sourceCRS.epsg.flatMap { ProjWKT.wkt(epsg: $0) }
            if let shifted { sourceWKT = try shifted.gdalWKT() }
            source = try original.warped(toEPSG: targetEPSG, sourceCRSWKT: sourceWKT, alphaBand: sourceAlpha, messages: messages)
            // The warped view numbers the non-alpha bands 1…n and adds its alpha band last.
            let kept = (1...original.bandCount).filter { $0 != sourceAlpha }
            colorBands = colorBands.map { kept.firstIndex(of: $0)! + 1 }
            alphaBand = source.bandCount
        }
        guard let gt = source.geoTransform else { throw StoreError.noGeoreference(request.source) }
        let size = 256
        var info = RasterInfo(
            originX: gt[0], originY: gt[3], cellWidth: gt[1], cellHeight: -gt[5], width: source.width, height: source.height,
            tileSize: size, levels: 1, encoding: request.imageEncoding, sampleType: nil, noData: nil)
        while info.tileCount(level: info.levels - 1) != (1, 1) { info.levels += 1 }
        let (columns, rows) = info.tileCount(level: 0)
        let total = columns * rows
        let encoding = request.imageEncoding
        func encode(_ image: RGBAImage) throws -> [UInt8] {
            encoding == .jpeg ? try JPEGCodec.encode(image) : try ImageCodec.encodePNG(image, level: 6)
        }
        for row in 0..<rows {
            for col in 0..<columns {
                let x0 = col * size, y0 = row * size
                let w = min(size, source.width - x0), h = min(size, source.height - y0)
                var planes: [[UInt8]] = []
                if let palette {
                    let index = try source.readBytes(band: colorBands[0], x: x0, y: y0, width: w, height: h)
                    for channel in 0..<4 {
                        planes.append(index.map { i in Int(i) * 4 + channel < palette.count ? palette[Int(i) * 4 + channel] : 0 })
                    }
                } else {
                    for b in colorBands { planes.append(try source.readBytes(band: b, x: x0, y: y0, width: w, height: h)) }
                }
                let alpha = try alphaBand.map { try source.readBytes(band: $0, x: x0, y: y0, width: w, height: h) }
                var image = RGBAImage(width: size, height: size)
                for y in 0..<h {
                    for x in 0..<w {
                        let i = y * w + x
                        let o = (y * size + x) * 4
                        image.pixels[o] = planes[0][i]
                        image.pixels[o + 1] = planes[1][i]
                        image.pixels[o + 2] = planes[2][i]
                        var a: UInt8 = palette != nil ? planes[3][i] : 255
                        if let alpha { a = min(a, alpha[i]) }
                        if noData.count == 3 && Double(planes[0][i]) == noData[0] && Double(planes[1][i]) == noData[1]
                            && Double(planes[2][i]) == noData[2]
                        {
                            a = 0
                        }
                        image.pixels[o + 3] = a
                    }
                }
                if !image.isFullyTransparent {
                    try writer.put(level: 0, col: col, row: row, data: encode(image))
                    tiles += 1
                }
                progress?(row * columns + col + 1, total)
            }
        }
        for level in 1..<info.levels {
            let (c, r) = info.tileCount(level: level)
            for row in 0..<r {
                for col in 0..<c {
                    var parent = RGBAImage(width: size, height: size)
                    var any = false
                    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                        guard let data = try writer.get(level: level - 1, col: col * 2 + dx, row: row * 2 + dy) else { continue }
                        let child = encoding == .jpeg ? try JPEGCodec.decode(data) : try ImageCodec.decodePNG(data)
                        any = true
                        Self.downsample(child, into: &parent, offsetX: dx * size / 2, offsetY: dy * size / 2)
                    }
                    if any && !parent.isFullyTransparent {
                        try writer.put(level: level, col: col, row: row, data: encode(parent))
                        tiles += 1
                    }
                }
            }
        }
        return info
    }

    /// Averages 2×2 pixels of `child` into a quarter of `parent`, weighting colour by alpha.
    static func downsample(_ child: RGBAImage, into parent: inout RGBAImage, offsetX: Int, offsetY: Int) {
        let half = child.width / 2
        for y in 0..<half {
            for x in 0..<half {
                var r = 0, g = 0, b = 0, a = 0
                for (sx, sy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let i = ((y * 2 + sy) * child.width + x * 2 + sx) * 4
                    let alpha = Int(child.pixels[i + 3])
                    r += Int(child.pixels[i]) * alpha
                    g += Int(child.pixels[i + 1]) * alpha
                    b += Int(child.pixels[i + 2]) * alpha
                    a += alpha
                }
                let o = ((offsetY + y) * parent.width + offsetX + x) * 4
                if a > 0 {
                    parent.pixels[o] = UInt8(r / a)
                    parent.pixels[o + 1] = UInt8(g / a)
                    parent.pixels[o + 2] = UInt8(b / a)
                    parent.pixels[o + 3] = UInt8(a / 4)
                }
            }
        }
    }
}

/// Writes and reads back tiles of one pyramid table inside the import transaction.
final class PyramidWriter {
    private let insert: RawStatement
    private let db: Database
    private let table: String

    init(db: Database, table: String) throws {
        self.db = db
        self.table = table
        insert = try RawStatement(db, sql: "INSERT INTO \(quoteIdentifier(table)) (level, col, row, data) VALUES (?, ?, ?, ?)")
    }

    func put(level: Int, col: Int, row: Int, data: [UInt8]) throws {
        insert.bind(1, int64: Int64(level))
        insert.bind(2, int64: Int64(col))
        insert.bind(3, int64: Int64(row))
        insert.bind(4, blob: data)
        try insert.step()
    }

    func get(level: Int, col: Int, row: Int) throws -> [UInt8]? {
        try Data.fetchOne(db, sql: "SELECT data FROM \(quoteIdentifier(table)) WHERE level = ? AND col = ? AND row = ?",
                          arguments: [level, col, row]).map { [UInt8]($0) }
    }
}
