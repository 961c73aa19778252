import Foundation
import OneMapGeometry

/// A generated building footprint.
struct Building {
    let polygon: [Coordinate]
    let floors: Int
    let use: String
    let name: String?
    let block: Int
    let year: Int

    var height: Double { Double(floors) * 3.0 + 1.5 }
}

extension CityGenerator {
    /// Lays buildings out on each block's own grid, by the block's current land use; on clipped
    /// blocks only footprints entirely inside the clipped block are kept. At `scale` > 1 each
    /// footprint is divided into that many units (for benchmark-sized stores).
    func buildBuildings() throws -> [Building] {
        var rng = random("buildings")
        var out: [Building] = []
        var compoundNames = Set<String>()
        let b = Self.blockSize
        for (index, blk) in blocks.enumerated() {
            let prepared = blk.whole ? nil : try geos.prepare(blk.polygon)
            let u0 = Double(blk.i) * b + 22, v0 = Double(blk.j) * b + 22
            let u1 = u0 + b - 44, v1 = v0 + b - 44
            var footprints: [(u: Double, v: Double, w: Double, d: Double, floors: Int)] = []
            var use = ""
            var compound: String?
            switch blk.use.current {
            case "0701":
                use = "住宅"
                var name = ""
                repeat {
                    name = rng.pick(Names.placeStems) + rng.pick(["小区", "家园", "花园", "苑", "嘉园", "新城", "华庭", "公寓"])
                } while compoundNames.contains(name) && compoundNames.count < 2000
                compoundNames.insert(name)
                compound = name
                if blk.distance < 2600 && rng.chance(0.5) {
                    let floors = rng.int(18...32)
                    var v = v0 + 12
                    while v + 24 < v1 {
                        var u = u0 + 12
                        while u + 24 < u1 {
                            footprints.append((u + 12, v + 12, 24, 24, floors + rng.int(-3...3)))
                            u += 62
                        }
                        v += 68
                    }
                } else {
                    let floors = rng.pick([6, 6, 7, 11, 11, 18])
                    let depth = rng.uniform(12, 14)
                    let spacing = depth + max(24, Double(floors) * 3 * 1.15)
                    var v = v0 + 6
                    while v + depth < v1 {
                        var u = u0 + 4
                        while u < u1 - 30 {
                            let length = min(rng.uniform(48, 72), u1 - u)
                            if length > 30 { footprints.append((u + length / 2, v + depth / 2, length, depth, floors)) }
                            u += length + rng.uniform(10, 16)
                        }
                        v += spacing
                    }
                }
            case "0501", "0505":
                use = "商业"
                for (du, dv) in [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)] where rng.chance(0.85) {
                    let w = rng.uniform(60, 95), d = rng.uniform(40, 70)
                    let floors = blk.use.current == "0505" || blk.distance < 1500 ? rng.int(12...38) : rng.int(3...8)
                    footprints.append((u0 + 8 + w / 2 + du * 125, v0 + 8 + d / 2 + dv * 125, w, d, floors))
                }
            case "0601", "0604":
                use = blk.use.current == "0601" ? "工业" : "仓储"
                var v = v0 + 5
                while v < v1 - 30 {
                    let d = rng.uniform(28, 60)
                    var u = u0 + 5
                    while u < u1 - 40 {
                        let w = min(rng.uniform(50, 140), u1 - u)
                        if w > 35 && v + d < v1 { footprints.append((u + w / 2, v + d / 2, w, d, rng.int(1...3))) }
                        u += w + rng.uniform(14, 24)
                    }
                    v += d + rng.uniform(18, 30)
                }
            case "0801", "0803", "0805", "0809":
                use = "公共"
                let kinds = blk.use.current == "0805" ? 4 : 2
                for k in 0..<kinds {
                    let w = rng.uniform(55, 90), d = rng.uniform(16, 24)
                    let floors = blk.use.current == "0805" ? rng.int(6...16) : rng.int(3...6)
                    footprints.append((u0 + 20 + w / 2 + Double(k % 2) * 120, v0 + 30 + Double(k / 2) * 90 + (blk.use.current == "0803" ? 110 : 0), w, d, floors))
                }
            case "0702":
                use = "村居"
                var v = v0 - 10
                while v < v1 + 6 {
                    var u = u0 - 10
                    while u < u1 + 6 {
                        if rng.chance(0.86) { footprints.append((u + 7, v + 5, rng.uniform(11, 15), rng.uniform(8, 10), rng.int(1...2))) }
                        u += rng.uniform(19, 23)
                    }
                    v += rng.uniform(22, 26)
                }
            case "1202":
                use = "农业设施"
                var v = v0 + 10
                while v < v1 - 12 {
                    footprints.append(((u0 + u1) / 2, v + 5, u1 - u0 - 40, 9, 1))
                    v += 18
                }
            default:
                continue
            }
            let year = rng.int(1985...2023)
            var number = 0
            for f in footprints {
                let units = max(1, scale)
                for k in 0..<units {
                    // Divide along the longer side into equal units with 1 m gaps.
                    let alongU = f.w >= f.d
                    let span = (alongU ? f.w : f.d) / Double(units)
                    let offset = -((alongU ? f.w : f.d) / 2) + span * (Double(k) + 0.5)
                    let cu = alongU ? f.u + offset : f.u, cv = alongU ? f.v : f.v + offset
                    let w = alongU ? max(span - (units > 1 ? 1 : 0), 1) : f.w
                    let d = alongU ? f.d : max(span - (units > 1 ? 1 : 0), 1)
                    let ring = frame.footprint(u: cu, v: cv, width: w, depth: d)
                    if let prepared, try !prepared.contains(.polygon([ring])) { continue }
                    number += 1
                    out.append(Building(polygon: ring, floors: max(1, f.floors), use: use,
                                        name: compound.map { "\($0)\(number)号楼" }, block: index, year: year + rng.int(-2...2)))
                }
            }
        }
        log("buildings: \(out.count)")
        return out
    }

    func writeBuildings(_ buildings: [Building], _ w: GeoJSONSeqWriter) {
        for b in buildings {
            w.write(.polygon([b.polygon]), [
                ("name", b.name.map { .text($0) } ?? .null), ("use", .text(b.use)), ("floors", .integer(Int64(b.floors))),
                ("height_m", .real(b.height)), ("year_built", .integer(Int64(b.year))),
                ("district", .text(districts[blocks[b.block].district].name)),
            ])
        }
    }
}
