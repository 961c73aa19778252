import Foundation
import OneMapGeometry
import OneMapStore

/// Maps output pixels to a raster layer's cells and samples them, for DOM compositing and DEM
/// shading. Pixel centres are transformed exactly on a 16-pixel lattice and interpolated in
/// between (the transforms involved are smooth at that scale).
struct RasterSampler {
    let store: Store
    let layer: Layer
    let info: RasterInfo
    let level: Int
    private var tiles: [Int: RasterTileCache.Tile] = [:]
    /// Storage-CRS coordinates of lattice nodes, row-major.
    private let nodes: [Coordinate]
    private let nodeColumns: Int
    private let step = 16
    let width: Int
    let height: Int
    /// Pixel offset of the grid's first pixel (−1 for a one-pixel border).
    let origin: Int

    /// - Parameters:
    ///   - border: extra pixels around the output on each side (hillshade needs neighbours).
    init(store: Store, layer: Layer, ctx: DrawContext, toStorage: CoordinateTransform, border: Int) throws {
        guard let info = layer.raster else { throw RenderError.unsupported("\(layer.id) has no raster data") }
        self.store = store
        self.layer = layer
        self.info = info
        width = Int(ctx.width) + 2 * border
        height = Int(ctx.height) + 2 * border
        origin = -border
        nodeColumns = width / step + 2
        let nodeRows = height / step + 2
        var pts: [Coordinate] = []
        pts.reserveCapacity(nodeColumns * nodeRows)
        for r in 0..<nodeRows {
            for c in 0..<nodeColumns {
                let px = Double(origin + c * step) + 0.5, py = Double(origin + r * step) + 0.5
                pts.append(Coordinate(ctx.bbox.minX + px * ctx.resolutionX, ctx.bbox.maxY - py * ctx.resolutionY))
            }
        }
        try pts.withUnsafeMutableBufferPointer { if !toStorage.isIdentity { try toStorage.apply($0) } }
        nodes = pts
        let dx = hypot(pts[1].x - pts[0].x, pts[1].y - pts[0].y) / Double(step)
        level = info.level(forResolution: dx.isFinite && dx > 0 ? dx : info.cellWidth)
    }

    /// The storage-CRS position of grid pixel (gx, gy) (0-based from the grid's corner).
    @inline(__always)
    func position(_ gx: Int, _ gy: Int) -> Coordinate {
        let cx = gx / step, cy = gy / step
        let fx = Double(gx % step) / Double(step), fy = Double(gy % step) / Double(step)
        let i = cy * nodeColumns + cx
        let a = nodes[i], b = nodes[i + 1], c = nodes[i + nodeColumns], d = nodes[i + nodeColumns + 1]
        let x = (a.x * (1 - fx) + b.x * fx) * (1 - fy) + (c.x * (1 - fx) + d.x * fx) * fy
        let y = (a.y * (1 - fx) + b.y * fx) * (1 - fy) + (c.y * (1 - fx) + d.y * fx) * fy
        return Coordinate(x, y)
    }

    /// Fractional cell coordinates at the chosen level (cell centres at .5).
    @inline(__always)
    func cell(_ p: Coordinate) -> (Double, Double) {
        let (cw, ch) = info.cellSize(level: level)
        return ((p.x - info.originX) / cw - 0.5, (info.originY - p.y) / ch - 0.5)
    }

    mutating func tile(_ col: Int, _ row: Int) -> RasterTileCache.Tile {
        let key = col &* 1_000_003 &+ row
        if let t = tiles[key] { return t }
        let t = (try? store.rasterTile(layer, level: level, col: col, row: row)) ?? .missing
        tiles[key] = t
        return t
    }

    /// One elevation cell (NaN outside or on no-data).
    @inline(__always)
    mutating func elevation(_ cx: Int, _ cy: Int) -> Double {
        let size = info.tileSize
        let (w, h) = info.size(level: level)
        guard cx >= 0, cy >= 0, cx < w, cy < h else { return .nan }
        guard case .elevation(let t) = tile(cx / size, cy / size) else { return .nan }
        return t.values[(cy % size) * size + cx % size]
    }

    /// Bilinear elevation at a storage position, using whatever neighbours have data.
    mutating func elevation(at p: Coordinate) -> Double {
        let (fx, fy) = cell(p)
        let x0 = Int(floor(fx)), y0 = Int(floor(fy))
        let tx = fx - Double(x0), ty = fy - Double(y0)
        let v = [elevation(x0, y0), elevation(x0 + 1, y0), elevation(x0, y0 + 1), elevation(x0 + 1, y0 + 1)]
        let w = [(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty]
        var sum = 0.0, weight = 0.0
        for k in 0..<4 where !v[k].isNaN {
            sum += v[k] * w[k]
            weight += w[k]
        }
        return weight > 0.25 ? sum / weight : .nan
    }

    /// One image pixel, premultiplied (r, g, b, a) in 0…255 (transparent outside).
    @inline(__always)
    mutating func pixel(_ cx: Int, _ cy: Int) -> (Double, Double, Double, Double) {
        let size = info.tileSize
        let (w, h) = info.size(level: level)
        guard cx >= 0, cy >= 0, cx < w, cy < h else { return (0, 0, 0, 0) }
        guard case .image(let img) = tile(cx / size, cy / size) else { return (0, 0, 0, 0) }
        let i = ((cy % size) * img.width + cx % size) * 4
        let a = Double(img.pixels[i + 3])
        return (Double(img.pixels[i]) * a / 255, Double(img.pixels[i + 1]) * a / 255, Double(img.pixels[i + 2]) * a / 255, a)
    }

    /// A bilinearly (or nearest) sampled image pixel at a storage position, premultiplied.
    mutating func color(at p: Coordinate, nearest: Bool) -> (Double, Double, Double, Double) {
        let (fx, fy) = cell(p)
        if nearest { return pixel(Int((fx + 0.5).rounded(.down)), Int((fy + 0.5).rounded(.down))) }
        let x0 = Int(floor(fx)), y0 = Int(floor(fy))
        let tx = fx - Double(x0), ty = fy - Double(y0)
        let a = pixel(x0, y0), b = pixel(x0 + 1, y0), c = pixel(x0, y0 + 1), d = pixel(x0 + 1, y0 + 1)
        func mix(_ p: Double, _ q: Double, _ r: Double, _ s: Double) -> Double { (p * (1 - tx) + q * tx) * (1 - ty) + (r * (1 - tx) + s * tx) * ty }
        return (mix(a.0, b.0, c.0, d.0), mix(a.1, b.1, c.1, d.1), mix(a.2, b.2, c.2, d.2), mix(a.3, b.3, c.3, d.3))
    }
}
