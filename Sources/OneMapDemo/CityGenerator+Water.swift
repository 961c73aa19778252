import Foundation
import OneMapGeometry

/// A generated body of water.
struct WaterBody {
    let polygon: Geometry
    let name: String
    let kind: String
}

/// A generated watercourse centre line.
struct Waterway {
    let line: [Coordinate]
    let name: String
    let kind: String
    let width: Double
}

extension CityGenerator {
    /// The southern drainage river (generated), crossing the districts from west to east.
    func buildRiver() throws {
        let b = Self.blockSize
        let v = Double(vRange.lowerBound) * b + 2300
        let noise = Noise(seed: seed &+ 41)
        var line: [Coordinate] = []
        var u = Double(uRange.lowerBound) * b - 300
        while u < Double(uRange.upperBound) * b + 300 {
            line.append(frame.warp(u, v + 260 * noise.fractal(u, 0, scale: 2400, octaves: 3)))
            u += 60
        }
        let inside = try geos.intersection(.lineString(line), union)
        let parts = inside.parts.compactMap { p -> [Coordinate]? in if case .lineString(let cs) = p { cs } else { nil } }
        for part in parts { waterways.append(Waterway(line: part, name: "南排河", kind: "河流", width: 40)) }
        riverArea = try geos.intersection(try geos.buffer(.lineString(line), distance: 20, quadrantSegments: 4), union)
        waterCut = try geos.union([try geos.buffer(.lineString(canal), distance: 45, quadrantSegments: 4),
                                   try geos.buffer(.lineString(line), distance: 32, quadrantSegments: 4)])
        waterCutPrepared = try geos.prepare(waterCut)
        waterways.insert(Waterway(line: canal.filter { (try? unionPrepared.contains($0)) == true }, name: "大运河（南运河）", kind: "运河", width: 60), at: 0)
    }

    /// Lakes in large parks and ponds on pond blocks; ditches along rural main roads.
    func buildWaterBodies() throws {
        var rng = random("water")
        waterBodies.append(WaterBody(polygon: canalArea, name: "大运河（南运河）", kind: "运河"))
        waterBodies.append(WaterBody(polygon: riverArea, name: "南排河", kind: "河流"))
        var lakeStems = Names.placeStems.shuffled(using: &rng)
        for (index, blk) in blocks.enumerated() {
            if blk.use.planning == "1401", blk.whole, rng.chance(0.45) {
                let u = (Double(blk.i) + 0.5) * Self.blockSize + rng.uniform(-30, 30)
                let v = (Double(blk.j) + 0.5) * Self.blockSize + rng.uniform(-30, 30)
                let noise = Noise(seed: rng.next())
                let (a, b) = (rng.uniform(50, 95), rng.uniform(40, 80))
                var ring: [Coordinate] = []
                for k in 0..<40 {
                    let t = Double(k) / 40 * 2 * .pi
                    let r = 1 + 0.25 * noise.value(cos(t) * 2, sin(t) * 2)
                    ring.append(frame.warp(u + a * r * cos(t), v + b * r * sin(t)))
                }
                ring.append(ring[0])
                let stem = lakeStems.isEmpty ? "无名" : lakeStems.removeLast()
                waterBodies.append(WaterBody(polygon: .polygon([ring]), name: "\(stem)湖", kind: "湖泊"))
                lakeBlocks.insert(index)
            } else if blk.use.current == "1104" {
                waterBodies.append(WaterBody(polygon: try geos.buffer(blk.polygon, distance: -12, quadrantSegments: 2), name: "坑塘", kind: "坑塘"))
            }
        }
        // Irrigation ditches beside rural roads.
        for road in roads where road.kind == .rural {
            for part in road.parts where rng.chance(0.5) {
                let shifted = try geos.buffer(.lineString(part), distance: 14, quadrantSegments: 1)
                if case .polygon(let rings) = shifted, let ring = rings.first, ring.count > 4 {
                    // One side of the buffer outline, as the ditch line.
                    waterways.append(Waterway(line: Array(ring.prefix(ring.count / 2)), name: "\(road.name)沟", kind: "沟渠", width: 4))
                }
            }
        }
        log("water: \(waterBodies.count) bodies, \(waterways.count) watercourses")
    }

    /// Trees for the orthophoto: along urban streets and scattered through parks and woods.
    func buildTrees() throws {
        var rng = random("trees")
        for road in roads where road.kind != .rural {
            for part in road.parts {
                walk(part, every: 14) { p, dir in
                    let n = Coordinate(-dir.y, dir.x)
                    let off = road.kind.width / 2 - 2
                    trees.append(Coordinate(p.x + n.x * off, p.y + n.y * off))
                    trees.append(Coordinate(p.x - n.x * off, p.y - n.y * off))
                }
            }
        }
        for blk in blocks where ["0810", "0301"].contains(blk.use.current) {
            let prepared = try geos.prepare(blk.polygon)
            let box = blk.polygon.boundingBox!
            for _ in 0..<Int(try geos.area(blk.polygon) / 260) {
                let p = Coordinate(rng.uniform(box.minX, box.maxX), rng.uniform(box.minY, box.maxY))
                if try prepared.contains(p) { trees.append(p) }
            }
        }
    }

    /// Calls `body` every `spacing` metres along a polyline with the point and the unit direction there.
    func walk(_ line: [Coordinate], every spacing: Double, start: Double = 0, _ body: (Coordinate, Coordinate) -> Void) {
        var next = start > 0 ? start : spacing / 2
        var travelled = 0.0
        for k in 1..<line.count {
            let a = line[k - 1], b = line[k]
            let len = hypot(b.x - a.x, b.y - a.y)
            guard len > 0 else { continue }
            let dir = Coordinate((b.x - a.x) / len, (b.y - a.y) / len)
            while next <= travelled + len {
                let t = next - travelled
                body(Coordinate(a.x + dir.x * t, a.y + dir.y * t), dir)
                next += spacing
            }
            travelled += len
        }
    }

    func writeWater(_ w: GeoJSONSeqWriter) throws {
        for body in waterBodies {
            let g = polygonal(body.polygon)
            guard try geos.area(g) > 50 else { continue }
            w.write(g.asMulti, [("name", .text(body.name)), ("kind", .text(body.kind)), ("area_m2", .real((try geos.area(g)).rounded()))])
        }
    }

    func writeWaterways(_ w: GeoJSONSeqWriter) {
        for way in waterways where way.line.count >= 2 {
            w.write(.lineString(way.line), [("name", .text(way.name)), ("kind", .text(way.kind)), ("width_m", .real(way.width))])
        }
    }
}
