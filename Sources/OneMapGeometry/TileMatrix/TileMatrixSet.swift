import Foundation

/// A tile address: matrix (zoom) `z`, column `x`, row `y` counted from the top.
public struct TileID: Hashable, Sendable, CustomStringConvertible {
    public var z: Int
    public var x: Int
    public var y: Int

    public init(z: Int, x: Int, y: Int) {
        self.z = z
        self.x = x
        self.y = y
    }

    public var description: String { "\(z)/\(x)/\(y)" }
}

/// A quadtree tile matrix set (OGC Two Dimensional Tile Matrix Set 2.0): each level halves the
/// cell size of the one before, tiles are square, rows count from the top-left origin.
public struct TileMatrixSet: Sendable, Identifiable {
    public let id: String
    public let title: String
    public let crs: CRS
    /// The OGC URI of a registered definition this set equals, if any.
    public let uri: String?
    /// The top-left corner in x = east, y = north order.
    public let origin: Coordinate
    /// Cell size (CRS units per pixel) at `minZoom`.
    public let firstCellSize: Double
    /// Tiles across and down at `minZoom`.
    public let firstMatrixWidth: Int
    public let firstMatrixHeight: Int
    public let minZoom: Int
    public let maxZoom: Int
    public let tileSize: Int
    /// Scale denominators as some clients expect them (TianDiTu's 96-dpi values); nil = OGC 0.28 mm pixel.
    public let wellKnownScaleSet: String?

    public init(
        id: String, title: String, crs: CRS, uri: String?, origin: Coordinate, firstCellSize: Double,
        firstMatrixWidth: Int, firstMatrixHeight: Int, minZoom: Int, maxZoom: Int, tileSize: Int = 256,
        wellKnownScaleSet: String? = nil
    ) {
        self.id = id
        self.title = title
        self.crs = crs
        self.uri = uri
        self.origin = origin
        self.firstCellSize = firstCellSize
        self.firstMatrixWidth = firstMatrixWidth
        self.firstMatrixHeight = firstMatrixHeight
        self.minZoom = minZoom
        self.maxZoom = maxZoom
        self.tileSize = tileSize
        self.wellKnownScaleSet = wellKnownScaleSet
    }

    /// OGC WebMercatorQuad: EPSG:3857, one tile at level 0.
    public static let webMercatorQuad = TileMatrixSet(
        id: "WebMercatorQuad", title: "Google Maps Compatible for the World", crs: .webMercator,
        uri: "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
        origin: Coordinate(-WebMercator.halfWorld, WebMercator.halfWorld),
        firstCellSize: 156_543.033_928_041, firstMatrixWidth: 1, firstMatrixHeight: 1, minZoom: 0, maxZoom: 22,
        wellKnownScaleSet: "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible")

    /// CGCS2000 geographic tiles on TianDiTu's `c` grid: level numbers 1…20 as TianDiTu counts them,
    /// level 1 = WorldCRS84Quad level 0 (2×1 tiles of 180°), so tiles overlay TianDiTu's cell for cell.
    public static let cgcs2000Quad = TileMatrixSet(
        id: "CGCS2000Quad", title: "CGCS2000 geographic, TianDiTu c grid", crs: .cgcs2000, uri: nil,
        origin: Coordinate(-180, 90), firstCellSize: 0.703125, firstMatrixWidth: 2, firstMatrixHeight: 1,
        minZoom: 1, maxZoom: 20)

    /// The sets OneMap knows without a `Tiles/` folder.
    public static let builtIn: [TileMatrixSet] = [.webMercatorQuad, .cgcs2000Quad]

    /// Looks a built-in set up by id (a server's own sets: `TileMatrixSetCatalog`).
    public static func named(_ name: String) -> TileMatrixSet? { TileMatrixSetCatalog.builtIn.named(name) }

    /// Metres per CRS unit (one degree on the equator of the WGS 84 sphere for geographic CRSs), as OGC TMS defines it.
    public var metersPerUnit: Double { crs.isGeographic ? 6_378_137.0 * 2 * .pi / 360 : 1 }

    public func contains(zoom z: Int) -> Bool { z >= minZoom && z <= maxZoom }

    /// CRS units per pixel at level `z`.
    public func cellSize(_ z: Int) -> Double { firstCellSize / pow(2, Double(z - minZoom)) }

    /// OGC scale denominator at level `z` (0.28 mm pixels).
    public func scaleDenominator(_ z: Int) -> Double { cellSize(z) * metersPerUnit / 0.000_28 }

    public func matrixWidth(_ z: Int) -> Int { firstMatrixWidth << (z - minZoom) }
    public func matrixHeight(_ z: Int) -> Int { firstMatrixHeight << (z - minZoom) }

    /// Whether the tile exists in this set.
    public func contains(_ t: TileID) -> Bool {
        contains(zoom: t.z) && t.x >= 0 && t.y >= 0 && t.x < matrixWidth(t.z) && t.y < matrixHeight(t.z)
    }

    /// The tile's extent in the set's CRS.
    public func bounds(of t: TileID) -> BoundingBox {
        let span = cellSize(t.z) * Double(tileSize)
        let minX = origin.x + Double(t.x) * span
        let maxY = origin.y - Double(t.y) * span
        return BoundingBox(minX: minX, minY: maxY - span, maxX: minX + span, maxY: maxY)
    }

    /// The extent of a block of tiles (for metatiles): `columns` × `rows` tiles from `t`.
    public func bounds(of t: TileID, columns: Int, rows: Int) -> BoundingBox {
        let span = cellSize(t.z) * Double(tileSize)
        let minX = origin.x + Double(t.x) * span
        let maxY = origin.y - Double(t.y) * span
        return BoundingBox(minX: minX, minY: maxY - span * Double(rows), maxX: minX + span * Double(columns), maxY: maxY)
    }

    /// The whole set's extent.
    public var extent: BoundingBox {
        bounds(of: TileID(z: minZoom, x: 0, y: 0), columns: firstMatrixWidth, rows: firstMatrixHeight)
    }

    /// The inclusive column and row ranges of the tiles at `z` that cover `box` (in the set's CRS), clamped to the matrix.
    public func tileRange(covering box: BoundingBox, zoom z: Int) -> (columns: ClosedRange<Int>, rows: ClosedRange<Int>)? {
        guard let box = box.intersection(extent) else { return nil }
        let span = cellSize(z) * Double(tileSize)
        let eps = span * 1e-9
        let minCol = Int(floor((box.minX - origin.x) / span + 1e-9))
        let maxCol = Int(floor((box.maxX - origin.x - eps) / span))
        let minRow = Int(floor((origin.y - box.maxY) / span + 1e-9))
        let maxRow = Int(floor((origin.y - box.minY - eps) / span))
        let w = matrixWidth(z) - 1
        let h = matrixHeight(z) - 1
        let c0 = Swift.min(Swift.max(minCol, 0), w), c1 = Swift.min(Swift.max(maxCol, 0), w)
        let r0 = Swift.min(Swift.max(minRow, 0), h), r1 = Swift.min(Swift.max(maxRow, 0), h)
        guard c0 <= c1, r0 <= r1 else { return nil }
        return (c0...c1, r0...r1)
    }
}
