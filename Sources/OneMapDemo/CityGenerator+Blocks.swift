import Foundation
import OneMapGeometry

extension CityGenerator {
    /// Cuts the street grid into blocks (300 m cells inset by the roads around them), clips them to
    /// the districts and the canal, and gives each a planned and a current land use.
    func buildBlocks() throws {
        let b = Self.blockSize
        var rng = random("landuse")
        let villages = Noise(seed: seed &+ 11)
        let variety = Noise(seed: seed &+ 12)
        for i in uRange.lowerBound..<uRange.upperBound {
            for j in vRange.lowerBound..<vRange.upperBound {
                let u0 = Double(i) * b, v0 = Double(j) * b
                let center = frame.warp(u0 + b / 2, v0 + b / 2)
                let corners = [frame.warp(u0, v0), frame.warp(u0 + b, v0), frame.warp(u0, v0 + b), frame.warp(u0 + b, v0 + b)]
                guard try unionPrepared.contains(center) || corners.contains(where: { try unionPrepared.contains($0) }) else { continue }
                let urban = isUrban(center)
                let inset = (w: halfWidth(line: i, urban: urban) + 3, e: halfWidth(line: i + 1, urban: urban) + 3,
                             s: halfWidth(line: j, urban: urban) + 3, n: halfWidth(line: j + 1, urban: urban) + 3)
                let rect = Geometry.polygon([frame.rectangle(u0 + inset.w, v0 + inset.s, u0 + b - inset.e, v0 + b - inset.n)])
                let nearCanal = try waterCutPrepared?.intersects(rect) ?? false
                var whole = false
                var polygon = rect
                if !nearCanal, let d = district(at: center), try districts[d].prepared.contains(rect) {
                    whole = true
                } else {
                    polygon = try geos.intersection(rect, union)
                    if nearCanal { polygon = try geos.difference(polygon, waterCut) }
                    polygon = polygonal(polygon)
                    if try geos.area(polygon) < 3000 { continue }
                }
                guard case .point(let inside) = try geos.pointOnSurface(polygon), let d = district(at: inside) else { continue }
                let distance = distanceFromCenter(center)
                let canalSide = try canalPrepared.map { try $0.intersects(try geos.buffer(rect, distance: 220, quadrantSegments: 2)) } ?? false
                let angle = atan2(center.y - frame.center.y, center.x - frame.center.x)
                let planning = planningUse(urban: urban, distance: distance, angle: angle, canalSide: canalSide,
                                           village: villages.fractal(center.x, center.y, scale: 2200, octaves: 3),
                                           variety: variety.value(center.x / 900, center.y / 900), rng: &rng)
                let current = currentUse(planning: planning, distance: distance, rng: &rng)
                blocks.append(Block(i: i, j: j, polygon: polygon, district: d, inUrbanArea: urban, distance: distance,
                                    use: LandUse(planning: planning, current: current), whole: whole))
            }
        }
        var counts: [String: Int] = [:]
        for blk in blocks { counts[String(blk.use.planning.prefix(2)), default: 0] += 1 }
        log("blocks: \(blocks.count) (\(counts.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ")))")
    }

    /// Only the polygonal parts of a GEOS result (intersections can leave lines and points behind).
    func polygonal(_ g: Geometry) -> Geometry {
        let polygons = g.parts.compactMap { p -> [[Coordinate]]? in if case .polygon(let rs) = p, !rs.isEmpty { rs } else { nil } }
        if polygons.count == 1 { return .polygon(polygons[0]) }
        return .multiPolygon(polygons)
    }

    func planningUse(urban: Bool, distance: Double, angle: Double, canalSide: Bool, village: Double, variety: Double,
                     rng: inout SeededRandom) -> String {
        if urban {
            if canalSide && rng.chance(0.6) { return "1401" }
            if distance < 1600 {
                return rng.weighted([("0901", 0.36), ("0701", 0.3), ("0801", 0.08), ("1403", 0.05), ("0806", 0.06), ("0804", 0.07), ("1401", 0.08)])
            }
            if distance < 4200 {
                return rng.weighted([("0701", 0.56), ("0901", 0.1), ("0804", 0.08), ("0806", 0.03), ("1401", 0.08), ("1402", 0.03),
                                     ("1301", 0.02), ("0801", 0.04), ("1601", 0.03), ("1101", 0.03)])
            }
            // The fringe: industry and logistics to the east and south, housing elsewhere.
            let industrialSector = angle > -2.2 && angle < 0.5
            if industrialSector {
                return rng.weighted([("1001", 0.55), ("1101", 0.17), ("1402", 0.1), ("1301", 0.04), ("0701", 0.14)])
            }
            return rng.weighted([("0701", 0.55), ("1001", 0.12), ("1402", 0.08), ("0804", 0.06), ("1401", 0.07), ("1601", 0.06), ("1101", 0.06)])
        }
        if village > 0.42 { return "0703" }
        if canalSide { return rng.weighted([("0301", 0.6), ("0103", 0.4)]) }
        if variety > 0.55 { return "0201" }
        return rng.weighted([("0103", 0.86), ("0301", 0.04), ("0602", 0.04), ("1001", 0.03), ("1704", 0.03)])
    }

    /// The current use lags the plan: the urban fringe is partly still farmland or villages.
    func currentUse(planning: String, distance: Double, rng: inout SeededRandom) -> String {
        let fringe = distance > 4300
        switch planning {
        case "0701": return fringe && rng.chance(0.3) ? rng.pick(["0103", "0702", "1201"]) : "0701"
        case "0703": return "0702"
        case "0801": return "0801"
        case "0804": return "0803"
        case "0806": return "0805"
        case "0901": return distance < 1200 && rng.chance(0.35) ? "0505" : "0501"
        case "1001": return fringe && rng.chance(0.2) ? "0103" : "0601"
        case "1101": return "0604"
        case "1301": return "0809"
        case "1401", "1403": return "0810"
        case "1402": return fringe && rng.chance(0.4) ? "0103" : "0810"
        case "1601": return rng.pick(["1201", "0103", "0702"])
        case "1701": return "1101"
        case "1704": return "1104"
        case "0602": return "1202"
        default: return planning
        }
    }

    func writePlanning(_ w: GeoJSONSeqWriter) throws {
        var rng = random("planning-attributes")
        var serial: [String: Int] = [:]
        for blk in blocks {
            let code = blk.use.planning
            let l1 = String(code.prefix(2))
            let (far, density, green, height): (Double, Int, Int, Int) = switch l1 {
            case "07" where code == "0701": (blk.distance < 2500 ? 3.0 : 2.2, 25, 35, blk.distance < 2500 ? 80 : 54)
            case "09": (blk.distance < 1600 ? 4.5 : 2.5, 45, 20, blk.distance < 1600 ? 150 : 60)
            case "10", "11": (1.2, 50, 15, 24)
            case "08": (1.5, 30, 35, 40)
            default: (0, 0, 0, 0)
            }
            let district = districts[blk.district]
            let zone = district.code == "130903" ? "YH" : "XH"
            let s = (serial[zone] ?? 0) + 1
            serial[zone] = s
            w.write(blk.polygon, [
                ("code", .text(code)), ("name", .text(LandUseClasses.planning[code] ?? "")), ("class1", .text(l1)),
                ("class1_name", .text(LandUseClasses.planningLevel1[l1] ?? "")),
                ("block_code", .text(String(format: "%@-%02d-%03d", zone, (blk.i + 100) % 100, s))),
                ("area_m2", .real((try geos.area(blk.polygon) * 100).rounded() / 100)),
                ("far_max", far > 0 ? .real(far) : .null), ("density_max", density > 0 ? .integer(Int64(density)) : .null),
                ("green_min", green > 0 ? .integer(Int64(green)) : .null), ("height_max", height > 0 ? .integer(Int64(height)) : .null),
                ("plan", .text(blk.inUrbanArea ? "沧州市中心城区控制性详细规划（示例）" : "沧州市国土空间总体规划（示例）")),
                ("district", .text(district.name)), ("approved", .text(rng.chance(0.5) ? "2023-06-30" : "2024-03-15")),
            ])
        }
    }

    func writeLandUse(_ w: GeoJSONSeqWriter) throws {
        for blk in blocks {
            let code = blk.use.current
            let l1 = String(code.prefix(2))
            let collective = ["0103", "0201", "0301", "0702", "1202", "1104"].contains(code)
            w.write(blk.polygon, [
                ("dlbm", .text(code)), ("dlmc", .text(LandUseClasses.current[code] ?? "")), ("class1", .text(l1)),
                ("class1_name", .text(LandUseClasses.currentLevel1[l1] ?? "")), ("area_m2", .real((try geos.area(blk.polygon) * 100).rounded() / 100)),
                ("ownership", .text(collective ? "集体" : "国有")), ("district", .text(districts[blk.district].name)), ("survey_year", .integer(2024)),
            ])
        }
    }
}
