import OneMapGeometry

/// How raster tiles are encoded in the store.
public enum RasterEncoding: String, Codable, Sendable {
    /// DEM: samples in little-endian `sampleType`, byte-shuffled, zlib-compressed (lossless).
    case deflate
    /// DOM: 8-bit RGBA PNG.
    case png
    /// DOM: 8-bit RGB JPEG (no transparency).
    case jpeg
}

/// Sample types kept for DEM tiles: the smallest that holds the source's values exactly.
public enum SampleType: String, Codable, Sendable {
    case int16
    case int32
    case float32
    case float64

    public var byteWidth: Int {
        switch self {
        case .int16: 2
        case .int32, .float32: 4
        case .float64: 8
        }
    }
}

/// The grid of a raster layer's tile pyramid, in the layer's storage CRS.
///
/// Level 0 is the finest: it keeps the source's own cells (for a DEM, exactly the source values),
/// so a point query at level 0 answers with the source cell. Level k has cells 2^k times larger;
/// tiles are `tileSize` cells square, counted from the top-left `origin`.
public struct RasterInfo: Codable, Sendable, Hashable {
    public var originX: Double
    public var originY: Double
    /// Cell width and height at level 0 (both positive; rows go down).
    public var cellWidth: Double
    public var cellHeight: Double
    /// Size of level 0 in cells.
    public var width: Int
    public var height: Int
    public var tileSize: Int
    public var levels: Int
    public var encoding: RasterEncoding
    /// DEM only.
    public var sampleType: SampleType?
    public var noData: Double?
    /// DEM only: lowest and highest value, for default colour ramps.
    public var minValue: Double?
    public var maxValue: Double?

    public init(originX: Double, originY: Double, cellWidth: Double, cellHeight: Double, width: Int, height: Int,
                tileSize: Int, levels: Int, encoding: RasterEncoding, sampleType: SampleType?, noData: Double?,
                minValue: Double? = nil, maxValue: Double? = nil) {
        self.originX = originX
        self.originY = originY
        self.cellWidth = cellWidth
        self.cellHeight = cellHeight
        self.width = width
        self.height = height
        self.tileSize = tileSize
        self.levels = levels
        self.encoding = encoding
        self.sampleType = sampleType
        self.noData = noData
        self.minValue = minValue
        self.maxValue = maxValue
    }

    /// Cells across and down at `level`.
    public func size(level: Int) -> (width: Int, height: Int) {
        let f = 1 << level
        return ((width + f - 1) / f, (height + f - 1) / f)
    }

    /// Tiles across and down at `level`.
    public func tileCount(level: Int) -> (columns: Int, rows: Int) {
        let s = size(level: level)
        return ((s.width + tileSize - 1) / tileSize, (s.height + tileSize - 1) / tileSize)
    }

    public func cellSize(level: Int) -> (Double, Double) {
        let f = Double(1 << level)
        return (cellWidth * f, cellHeight * f)
    }

    /// The extent of the data in the storage CRS.
    public var extent: BoundingBox {
        BoundingBox(minX: originX, minY: originY - Double(height) * cellHeight,
                    maxX: originX + Double(width) * cellWidth, maxY: originY)
    }

    /// The level whose cells best match `resolution` (CRS units per output pixel): the finest level
    /// not finer than needed, so rendering never reads more than about 4 cells per pixel.
    public func level(forResolution resolution: Double) -> Int {
        var level = 0
        while level + 1 < levels && cellWidth * Double(1 << (level + 1)) <= resolution { level += 1 }
        return level
    }
}
