import Foundation
import OneMapGeometry
import OneMapStore

/// Paints the demo DOM: an aerial-looking image of the generated city (fields, blocks by land
/// use, water, roads, buildings with shadows, trees) with per-pixel texture, in CGCS2000 lon/lat.
struct Orthophoto {
    let city: CityGenerator
    let buildings: [Building]
    let cellSize: Double

    /// Paints and writes a GeoTIFF (RGB, EPSG:4490).
    func write(to path: String) throws {
        let toGeo = try CoordinateTransform(from: CityFrame.crs, to: .cgcs2000)
        let box = try toGeo.apply(city.extent.expanded(by: 200))
        let width = Int(ceil(box.width / cellSize)), height = Int(ceil(box.height / cellSize))
        let canvas = Canvas(width: width, height: height, origin: Coordinate(box.minX, box.maxY), cellSize: cellSize)
        let metresPerPixel = cellSize * 111_000 * cos(box.center.y * .pi / 180)
        func geo(_ g: Geometry) throws -> Geometry { try toGeo.apply(g) }
        var rng = city.random("orthophoto")

        // Bare ground outside the districts, then every block by its current use.
        canvas.color(168, 160, 130)
        canvas.fill(.polygon([[Coordinate(box.minX, box.minY), Coordinate(box.maxX, box.minY), Coordinate(box.maxX, box.maxY), Coordinate(box.minX, box.maxY), Coordinate(box.minX, box.minY)]]))
        canvas.color(150, 148, 140)
        canvas.fill(try geo(city.urbanArea))
        for blk in city.blocks {
            let g = try geo(blk.polygon)
            let (r, gr, b) = groundColor(blk.use.current, &rng)
            canvas.color(r, gr, b)
            canvas.fill(g)
            if ["0103", "0201"].contains(blk.use.current) {
                // Crop rows along the field's long side.
                canvas.color(r * 0.86, gr * 0.9, b * 0.86, 0.7)
                let base = CityGenerator.blockSize
                var v = Double(blk.j) * base + 4
                while v < Double(blk.j + 1) * base {
                    canvas.stroke(try toGeo.apply(city.frame.isoV(v, Double(blk.i) * base, Double(blk.i + 1) * base)), width: max(0.6, 1.5 / metresPerPixel))
                    v += 6
                }
            }
        }
        canvas.color(62, 88, 86)
        canvas.fill(try geo(city.canalArea))
        for water in city.waterBodies {
            canvas.fill(try geo(water.polygon))
        }
        // Roads: asphalt with a lighter centre line on wide roads.
        for road in city.roads {
            for part in road.parts {
                let g = try toGeo.apply(part)
                canvas.color(road.kind == .rural ? 128 : 78, road.kind == .rural ? 122 : 78, road.kind == .rural ? 108 : 82)
                canvas.stroke(g, width: road.kind.width * 0.8 / metresPerPixel)
                if road.kind == .primary || road.kind == .expressway {
                    canvas.color(200, 200, 190, 0.7)
                    canvas.stroke(g, width: max(0.5, 0.3 / metresPerPixel), dash: [6 / metresPerPixel, 6 / metresPerPixel])
                }
            }
        }
        // Street trees and park trees.
        canvas.color(52, 82, 44, 0.9)
        for tree in city.trees {
            canvas.circle(try toGeo.apply(tree), radius: max(1, 3.5 / metresPerPixel))
        }
        // Buildings: a shadow to the north-west, then the roof.
        for b in buildings {
            let ring = try toGeo.apply(b.polygon)
            let shift = min(b.height * 0.35, 40) / 111_000
            canvas.color(40, 40, 45, 0.45)
            canvas.fill(.polygon([ring.map { Coordinate($0.x - shift * 1.2, $0.y + shift) }]))
            let (r, g, bl) = roofColor(b, &rng)
            canvas.color(r, g, bl)
            canvas.fill(.polygon([ring]))
        }
        try texture(canvas)
        try writeGeoTIFF(canvas, path: path)
    }

    func groundColor(_ use: String, _ rng: inout SeededRandom) -> (Double, Double, Double) {
        let j = rng.uniform(-10, 10)
        switch use {
        case "0103": return rng.pick([(136 + j, 150 + j, 92), (168 + j, 158 + j, 104), (118 + j, 138 + j, 80), (176 + j, 166 + j, 122)])
        case "0201": return (104 + j, 130 + j, 80)
        case "0301": return (70 + j, 98 + j, 58)
        case "0701": return (172 + j, 168 + j, 158)
        case "0702": return (160 + j, 150 + j, 132)
        case "0501", "0505": return (164 + j, 162 + j, 160)
        case "0601", "0604": return (182 + j, 180 + j, 172)
        case "0801", "0803", "0805", "0809": return (176 + j, 170 + j, 156)
        case "0810": return (88 + j, 126 + j, 70)
        case "1202": return (190 + j, 194 + j, 190)
        case "1101", "1104": return (62, 88, 86)
        default: return (160 + j, 154 + j, 130)
        }
    }

    func roofColor(_ b: Building, _ rng: inout SeededRandom) -> (Double, Double, Double) {
        let j = rng.uniform(-12, 12)
        switch b.use {
        case "住宅": return rng.pick([(150 + j, 92 + j, 78 + j), (176 + j, 176 + j, 178 + j), (120 + j, 128 + j, 140 + j), (196 + j, 190 + j, 180 + j)])
        case "商业": return (132 + j, 138 + j, 146 + j)
        case "工业", "仓储": return rng.pick([(200 + j, 204 + j, 208 + j), (84 + j, 124 + j, 168 + j), (168 + j, 172 + j, 176 + j)])
        case "村居": return rng.pick([(138 + j, 96 + j, 82 + j), (160 + j, 156 + j, 150 + j), (112 + j, 110 + j, 116 + j)])
        case "农业设施": return (222 + j, 226 + j, 228 + j)
        default: return (186 + j, 170 + j, 150 + j)
        }
    }

    /// Grain and slow brightness variation, as aerial imagery has.
    func texture(_ canvas: Canvas) throws {
        let slow = Noise(seed: city.seed &+ 31)
        var state: UInt64 = city.seed | 1
        canvas.withPixels { data, stride in
            for y in 0..<canvas.height {
                let row = data + y * stride
                let rowShade = slow.value(0, Double(y) / 180)
                for x in 0..<canvas.width {
                    state ^= state << 13
                    state ^= state >> 7
                    state ^= state << 17
                    let grain = Int(state & 15) - 8
                    let shade = Int((slow.value(Double(x) / 180, Double(y) / 180) + rowShade * 0.3) * 6)
                    let p = row + x * 4
                    for c in 0..<3 { p[c] = UInt8(clamping: Int(p[c]) + grain + shade) }
                }
            }
        }
    }

    func writeGeoTIFF(_ canvas: Canvas, path: String) throws {
        let writer = try GeoTIFFWriter(path: path, width: canvas.width, height: canvas.height, bands: 3, sample: .byte, epsg: 4490,
                                       originX: canvas.origin.x, originY: canvas.origin.y, cellSize: canvas.cellSize)
        let rows = 256
        try canvas.withPixels { data, stride in
            var y0 = 0
            while y0 < canvas.height {
                let n = min(rows, canvas.height - y0)
                for (band, offset) in [(1, 2), (2, 1), (3, 0)] {  // Cairo ARGB32 is B,G,R,A in memory here
                    var plane = [UInt8](repeating: 0, count: canvas.width * n)
                    for y in 0..<n {
                        let row = data + (y0 + y) * stride
                        for x in 0..<canvas.width { plane[y * canvas.width + x] = row[x * 4 + offset] }
                    }
                    try writer.write(band: band, y0: y0, rows: n, bytes: plane)
                }
                y0 += n
            }
        }
        try writer.close()
    }
}
