import Foundation
import OneMapGeometry
import OneMapStore

/// The fine demo DEM: the real coarse DEM (0.2° cells) interpolated bilinearly, plus
/// deterministic micro-relief: the canal and river channels with their levees, park hills
/// built from lake spoil, and gentle undulation. Written as a Float32 GeoTIFF in EPSG:4490.
struct Terrain {
    let city: CityGenerator
    let cellSize: Double
    /// The real coarse DEM around the city, as (centre lon, centre lat) → metres.
    let coarse: (Double, Double) -> Double

    /// Two passes of a separable box blur (radius about 20 m): the chamfer distances come in steps,
    /// and a stepped levee would show as stairs in the hillshade. Coarse grids (cells over 20 m)
    /// are left as they are, since a wider blur would fill the 28 m channel.
    func smoothed(_ field: [Float], width: Int, height: Int, cellMetres: Double) -> [Float] {
        var a = field.map { $0.isFinite ? $0 : 1e6 }
        let r = Int(20 / cellMetres)
        guard r > 0 else { return a }
        var b = a
        for _ in 0..<2 {
            for y in 0..<height {
                var sum: Float = 0
                for x in -r...r { sum += a[y * width + min(max(x, 0), width - 1)] }
                for x in 0..<width {
                    b[y * width + x] = sum / Float(2 * r + 1)
                    sum += a[y * width + min(x + r + 1, width - 1)] - a[y * width + max(x - r, 0)]
                }
            }
            for x in 0..<width {
                var sum: Float = 0
                for y in -r...r { sum += b[min(max(y, 0), height - 1) * width + x] }
                for y in 0..<height {
                    a[y * width + x] = sum / Float(2 * r + 1)
                    sum += b[min(y + r + 1, height - 1) * width + x] - b[max(y - r, 0) * width + x]
                }
            }
        }
        return a
    }

    func write(to path: String) throws {
        let toGeo = try CoordinateTransform(from: CityFrame.crs, to: .cgcs2000)
        let box = try toGeo.apply(city.extent.expanded(by: 600))
        let width = Int(ceil(box.width / cellSize)), height = Int(ceil(box.height / cellSize))
        // Distances to the watercourses by a chamfer transform over the grid (metres per cell ≈ mean of x and y).
        let metresX = cellSize * 111_320 * cos(box.center.y * .pi / 180), metresY = cellSize * 110_950
        func cellOf(_ c: Coordinate) throws -> (Int, Int) {
            let g = try toGeo.apply(c)
            return (Int((g.x - box.minX) / cellSize), Int((box.maxY - g.y) / cellSize))
        }
        func distanceField(_ lines: [[Coordinate]]) throws -> [Float] {
            var d = [Float](repeating: .infinity, count: width * height)
            for line in lines {
                var points: [Coordinate] = []
                city.walk(line, every: min(metresX, metresY) / 2) { p, _ in points.append(p) }
                for p in points {
                    let (x, y) = try cellOf(p)
                    if x >= 0, y >= 0, x < width, y < height { d[y * width + x] = 0 }
                }
            }
            let ax = Float(metresX), ay = Float(metresY), diag = Float(hypot(metresX, metresY))
            for y in 0..<height {
                for x in 0..<width {
                    var v = d[y * width + x]
                    if x > 0 { v = min(v, d[y * width + x - 1] + ax) }
                    if y > 0 {
                        v = min(v, d[(y - 1) * width + x] + ay)
                        if x > 0 { v = min(v, d[(y - 1) * width + x - 1] + diag) }
                        if x < width - 1 { v = min(v, d[(y - 1) * width + x + 1] + diag) }
                    }
                    d[y * width + x] = v
                }
            }
            for y in stride(from: height - 1, through: 0, by: -1) {
                for x in stride(from: width - 1, through: 0, by: -1) {
                    var v = d[y * width + x]
                    if x < width - 1 { v = min(v, d[y * width + x + 1] + ax) }
                    if y < height - 1 {
                        v = min(v, d[(y + 1) * width + x] + ay)
                        if x < width - 1 { v = min(v, d[(y + 1) * width + x + 1] + diag) }
                        if x > 0 { v = min(v, d[(y + 1) * width + x - 1] + diag) }
                    }
                    d[y * width + x] = v
                }
            }
            return smoothed(d, width: width, height: height, cellMetres: (metresX + metresY) / 2)
        }
        let canal = try distanceField([city.canal])
        let river = try distanceField(city.waterways.filter { $0.kind == "河流" }.map(\.line))
        // Park hills: a mound beside each lake.
        var hills: [(Coordinate, Double, Double)] = []
        var rng = city.random("terrain")
        for k in city.lakeBlocks {
            let blk = city.blocks[k]
            hills.append((try toGeo.apply(city.point(in: blk, rng.uniform(0.2, 0.35), rng.uniform(0.65, 0.8))), rng.uniform(6, 16), rng.uniform(35, 60)))
        }
        // Lakes in lon/lat, so cells are tested without transforming each one.
        let lakes = try city.waterBodies.filter { $0.kind == "湖泊" || $0.kind == "坑塘" }.map { try city.geos.prepare(try toGeo.apply($0.polygon)) }
        let undulation = Noise(seed: city.seed &+ 5)
        let writer = try GeoTIFFWriter(path: path, width: width, height: height, bands: 1, sample: .float32, epsg: 4490,
                                       originX: box.minX, originY: box.maxY, cellSize: cellSize, noData: -9999)
        var rows: [Float] = []
        var y0 = 0
        for y in 0..<height {
            let lat = box.maxY - (Double(y) + 0.5) * cellSize
            for x in 0..<width {
                let lon = box.minX + (Double(x) + 0.5) * cellSize
                var z = coarse(lon, lat)
                z += 1.1 * undulation.fractal(lon * 111_000, lat * 111_000, scale: 1800, octaves: 4)
                let dc = Double(canal[y * width + x])
                if dc < 28 { z -= 5.5 * (1 - dc / 28) + 1.5 } else if dc < 75 { z += 2.6 * sin((dc - 28) / 47 * .pi) }
                let dr = Double(river[y * width + x])
                if dr < 18 { z -= 3.5 * (1 - dr / 18) + 0.8 } else if dr < 50 { z += 1.4 * sin((dr - 18) / 32 * .pi) }
                for (c, h, r) in hills {
                    let dx = (lon - c.x) * metresX / cellSize, dy = (lat - c.y) * metresY / cellSize
                    let d2 = dx * dx + dy * dy
                    if d2 < 9 * r * r { z += h * exp(-d2 / (r * r)) }
                }
                rows.append(Float((z * 100).rounded() / 100))
            }
            if y % 64 == 63 || y == height - 1 {
                // Lakes and ponds are a couple of metres below their banks.
                for k in 0..<(rows.count / width) {
                    let lat = box.maxY - (Double(y0 + k) + 0.5) * cellSize
                    for lake in lakes where lat >= lake.boundingBox.minY && lat <= lake.boundingBox.maxY {
                        let x0 = max(0, Int((lake.boundingBox.minX - box.minX) / cellSize))
                        let x1 = min(width - 1, Int((lake.boundingBox.maxX - box.minX) / cellSize) + 1)
                        for x in x0...x1 where try lake.contains(Coordinate(box.minX + (Double(x) + 0.5) * cellSize, lat)) {
                            rows[k * width + x] -= 2.2
                        }
                    }
                }
                try writer.write(band: 1, y0: y0, rows: rows.count / width, values: rows)
                y0 += rows.count / width
                rows.removeAll(keepingCapacity: true)
            }
        }
        try writer.close()
    }
}
