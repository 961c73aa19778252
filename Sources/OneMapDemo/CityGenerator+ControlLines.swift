import Foundation
import OneMapGeometry

extension CityGenerator {
    /// 三区三线: the urban development boundary, permanent basic farmland (most farmland outside
    /// it) and the ecological protection red line (the canal and river corridors outside town).
    func writeControlLines(_ w: GeoJSONSeqWriter) throws {
        let document = "沧州市国土空间总体规划（2021—2035年）（示例）"
        func emit(_ g: Geometry, _ kind: String, _ name: String) throws {
            let g = polygonal(g)
            guard try geos.area(g) > 1000 else { return }
            w.write(g.asMulti, [
                ("kind", .text(kind)), ("name", .text(name)), ("area_km2", .real((try geos.area(g) / 1e4).rounded() / 100)),
                ("document", .text(document)), ("approved", .text("2023-12-29")),
            ])
        }
        try emit(urbanArea, "城镇开发边界", "中心城区城镇开发边界")
        let keep = Noise(seed: seed &+ 23)
        let farmland = blocks.filter { !$0.inUrbanArea && $0.use.planning == "0103" }
            .filter { blk in let c = point(in: blk, 0.5, 0.5); return keep.value(c.x / 1500, c.y / 1500) > -0.45 }
        // One feature per district, so a planner can see the quota by district.
        for (d, district) in districts.enumerated() {
            let mine = farmland.filter { $0.district == d }.map(\.polygon)
            if !mine.isEmpty { try emit(try geos.union(mine), "永久基本农田", "\(district.name)永久基本农田") }
        }
        let corridors = try geos.union([try geos.buffer(.lineString(canal), distance: 220, quadrantSegments: 4),
                                        try geos.buffer(riverArea, distance: 120, quadrantSegments: 4)])
        try emit(try geos.difference(try geos.intersection(corridors, union), try geos.buffer(urbanArea, distance: 50)), "生态保护红线", "大运河—南排河生态廊道")
    }

    /// Planning drafts (规划草案, internal): revisions proposed for some fringe blocks.
    func writePlanningDrafts(_ w: GeoJSONSeqWriter) throws {
        var rng = random("drafts")
        let candidates = blocks.indices.filter { blocks[$0].distance > 3800 && blocks[$0].distance < 6500 && ["0103", "1001", "1601", "0701"].contains(blocks[$0].use.planning) }
        for k in spread(candidates, count: 48) {
            let blk = blocks[k]
            let proposed: String
            switch blk.use.planning {
            case "0103": proposed = rng.pick(["0701", "1001", "1401"])
            case "1001": proposed = rng.pick(["0701", "1101", "0901"])
            case "1601": proposed = rng.pick(["0804", "0806", "0701"])
            default: proposed = rng.pick(["0901", "0804", "1401"])
            }
            w.write(blk.polygon, [
                ("code", .text(proposed)), ("name", .text(LandUseClasses.planning[proposed] ?? "")), ("class1", .text(String(proposed.prefix(2)))),
                ("previous_code", .text(blk.use.planning)), ("previous_name", .text(LandUseClasses.planning[blk.use.planning] ?? "")),
                ("plan", .text("\(districts[blk.district].name)东部片区控制性详细规划修编（草案）")), ("status", .text("草案")),
                ("revised", .text("2025-10-15")), ("area_m2", .real(try geos.area(blk.polygon).rounded())),
            ])
        }
    }
}
