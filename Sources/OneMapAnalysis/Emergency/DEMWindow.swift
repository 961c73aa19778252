import Foundation
import OneMapGeometry
import OneMapStore

/// A window of a DEM layer's level-0 cells (the source's own values, NaN on no-data), read tile
/// by tile from the store's pyramid, with the geometry of its cells.
struct DEMWindow: Sendable {
    let layer: Layer
    let info: RasterInfo
    /// The window's first column and row in the level-0 grid, and its size.
    let col0: Int, row0: Int, width: Int, height: Int
    var values: [Float]

    /// The cells whose centres lie in `box` (in the layer's storage CRS), clipped to the data.
    /// - Throws: `AnalysisError.invalidInput` (`input`) when that is more than `maxCells` cells
    ///   or none.
    static func read(_ layer: Layer, box: BoundingBox, store: Store, maxCells: Int, input: String) throws -> DEMWindow {
        guard let info = layer.raster else { throw AnalysisError.missingLayer(layer.id) }
        let c0 = max(0, Int(floor((box.minX - info.originX) / info.cellWidth)))
        let c1 = min(info.width - 1, Int(floor((box.maxX - info.originX) / info.cellWidth)))
        let r0 = max(0, Int(floor((info.originY - box.maxY) / info.cellHeight)))
        let r1 = min(info.height - 1, Int(floor((info.originY - box.minY) / info.cellHeight)))
        guard c1 >= c0, r1 >= r0 else { throw AnalysisError.invalidInput(input: input, detail: "lies outside the DEM '\(layer.id)'") }
        let w = c1 - c0 + 1, h = r1 - r0 + 1
        guard w * h <= maxCells else {
            throw AnalysisError.invalidInput(input: input, detail: "covers \(w * h) DEM cells; at most \(maxCells) are read at once (give a smaller region)")
        }
        var values = [Float](repeating: .nan, count: w * h)
        let size = info.tileSize
        for tr in (r0 / size)...(r1 / size) {
            for tc in (c0 / size)...(c1 / size) {
                guard case .elevation(let tile) = try store.rasterTile(layer, level: 0, col: tc, row: tr) else { continue }
                let ya = max(r0, tr * size), yb = min(r1, tr * size + size - 1)
                let xa = max(c0, tc * size), xb = min(c1, tc * size + size - 1)
                guard ya <= yb, xa <= xb else { continue }
                for y in ya...yb {
                    let src = (y - tr * size) * size - tc * size
                    let dst = (y - r0) * w - c0
                    for x in xa...xb { values[dst + x] = Float(tile.values[src + x]) }
                }
            }
        }
        return DEMWindow(layer: layer, info: info, col0: c0, row0: r0, width: w, height: h, values: values)
    }

    /// The window cell holding a point (storage CRS), if any.
    func cell(at p: Coordinate) -> (x: Int, y: Int)? {
        let cx = Int(floor((p.x - info.originX) / info.cellWidth)) - col0
        let cy = Int(floor((info.originY - p.y) / info.cellHeight)) - row0
        guard cx >= 0, cy >= 0, cx < width, cy < height else { return nil }
        return (cx, cy)
    }

    /// Left, top of window cell (x, y) in the storage CRS.
    func corner(_ x: Int, _ y: Int) -> Coordinate {
        Coordinate(info.originX + Double(col0 + x) * info.cellWidth, info.originY - Double(row0 + y) * info.cellHeight)
    }

    /// The ground area of one cell in each window row, m² (on the CGCS2000 ellipsoid for
    /// geographic grids).
    func cellAreas() throws -> [Double] {
        if !layer.storageCRS.isGeographic { return [Double](repeating: info.cellWidth * info.cellHeight, count: height) }
        return (0..<height).map { y in
            let a = corner(0, y), b = corner(1, y + 1)
            return Geodesic.cgcs2000.ringArea([a, Coordinate(b.x, a.y), b, Coordinate(a.x, b.y), a])
        }
    }

    /// Marks the cells whose centres lie inside `area` (storage CRS; even-odd over all rings),
    /// scanning each row's centre line across the ring edges.
    func mask(inside area: Geometry) -> [Bool] {
        var inside = [Bool](repeating: false, count: width * height)
        var rings: [[Coordinate]] = []
        switch area {
        case .polygon(let r): rings = r
        case .multiPolygon(let ps): rings = ps.flatMap { $0 }
        default: return inside
        }
        for y in 0..<height {
            let cy = corner(0, y).y - info.cellHeight / 2
            var xs: [Double] = []
            for ring in rings where ring.count > 1 {
                for i in 0..<(ring.count - 1) {
                    let a = ring[i], b = ring[i + 1]
                    if (a.y <= cy) != (b.y <= cy) { xs.append(a.x + (cy - a.y) / (b.y - a.y) * (b.x - a.x)) }
                }
            }
            xs.sort()
            var i = 0
            while i + 1 < xs.count {
                // Cells whose centre x is in [xs[i], xs[i+1]).
                let from = max(0, Int(ceil((xs[i] - info.originX) / info.cellWidth - 0.5)) - col0)
                let to = min(width - 1, Int(ceil((xs[i + 1] - info.originX) / info.cellWidth - 0.5)) - col0 - 1)
                if from <= to { for x in from...to { inside[y * width + x] = true } }
                i += 2
            }
        }
        return inside
    }

    /// Polygons covering the marked cells (storage CRS): runs of cells in a row, stacked runs with
    /// the same ends merged into one rectangle, then dissolved by GEOS.
    func polygons(_ marked: [Bool], geos: GEOSContext) throws -> Geometry {
        var open: [Int64: (x0: Int, x1: Int, y0: Int)] = [:]
        var rects: [Geometry] = []
        func emit(_ r: (x0: Int, x1: Int, y0: Int), to y1: Int) {
            let a = corner(r.x0, r.y0), b = corner(r.x1 + 1, y1)
            rects.append(.polygon([[a, Coordinate(a.x, b.y), b, Coordinate(b.x, a.y), a]]))
        }
        for y in 0...height {
            var runs: [(Int, Int)] = []
            if y < height {
                var x = 0
                while x < width {
                    if marked[y * width + x] {
                        let s = x
                        while x < width && marked[y * width + x] { x += 1 }
                        runs.append((s, x - 1))
                    } else { x += 1 }
                }
            }
            var next: [Int64: (x0: Int, x1: Int, y0: Int)] = [:]
            for (s, e) in runs {
                let key = Int64(s) << 32 | Int64(e)
                next[key] = open.removeValue(forKey: key) ?? (s, e, y)
            }
            for r in open.values { emit(r, to: y) }
            open = next
        }
        if rects.isEmpty { return .multiPolygon([]) }
        return try geos.union(.multiPolygon(rects.compactMap { if case .polygon(let p) = $0 { p } else { nil } }))
    }
}
