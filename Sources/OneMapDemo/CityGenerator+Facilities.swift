import Foundation
import OneMapGeometry

import OneMapStore

extension CityGenerator {
    /// A point inside block `blk` at fractions (fu, fv) of its parameter cell.
    func point(in blk: Block, _ fu: Double, _ fv: Double) -> Coordinate {
        frame.warp((Double(blk.i) + fu) * Self.blockSize, (Double(blk.j) + fv) * Self.blockSize)
    }

    func address(_ blk: Block, _ rng: inout SeededRandom) -> String {
        let road = streetNames["v\(blk.j)"] ?? streetNames["u\(blk.i)"] ?? "无名路"
        return "\(districts[blk.district].name)\(road)\(rng.int(1...300))号"
    }

    func phone(_ rng: inout SeededRandom) -> String { "0317-\(rng.pick(["2", "3", "5", "8"]))\(String(format: "%06d", rng.int(0...999_999)))" }

    /// Blocks spread over the city: farthest-point sampling from the first candidate.
    func spread(_ candidates: [Int], count: Int) -> [Int] {
        guard let first = candidates.first else { return [] }
        var chosen = [first]
        func center(_ k: Int) -> Coordinate { point(in: blocks[k], 0.5, 0.5) }
        while chosen.count < min(count, candidates.count) {
            let next = candidates.max { a, b in
                chosen.map { hypot(center($0).x - center(a).x, center($0).y - center(a).y) }.min()!
                    < chosen.map { hypot(center($0).x - center(b).x, center($0).y - center(b).y) }.min()!
            }!
            chosen.append(next)
        }
        return chosen
    }

    func writePOIs(_ w: GeoJSONSeqWriter) {
        var rng = random("pois")
        var count = 0
        func poi(_ p: Coordinate, _ name: String, _ category: String, _ categoryName: String, _ blk: Block) {
            // Edge points of blocks cut by the district boundary can fall outside it.
            guard district(at: p) != nil else { return }
            w.write(.point(p), [
                ("name", .text(name)), ("category", .text(category)), ("category_zh", .text(categoryName)),
                ("address", .text(address(blk, &rng))), ("phone", .text(phone(&rng))), ("district", .text(districts[blk.district].name)),
            ])
            count += 1
        }
        let s = max(1, scale)
        for blk in blocks where blk.inUrbanArea || blk.use.current == "0702" {
            // Along the block's edges, just inside.
            func edgePoint() -> Coordinate {
                let t = rng.uniform(0.12, 0.88)
                switch rng.int(0...3) {
                case 0: return point(in: blk, t, 0.1)
                case 1: return point(in: blk, t, 0.9)
                case 2: return point(in: blk, 0.1, t)
                default: return point(in: blk, 0.9, t)
                }
            }
            let road = streetNames["v\(blk.j)"] ?? "无名路"
            let roadStem = String(road.dropLast(road.hasSuffix("大道") ? 2 : 1))
            switch blk.use.current {
            case "0501", "0505":
                for _ in 0..<(7 * s) {
                    let kind = rng.weighted([("restaurant", 0.35), ("shop", 0.3), ("bank", 0.1), ("hotel", 0.1), ("service", 0.15)])
                    switch kind {
                    case "restaurant": poi(edgePoint(), rng.pick(Names.placeStems) + rng.pick(Names.foods), "restaurant", "餐饮服务", blk)
                    case "shop": poi(edgePoint(), rng.chance(0.4) ? rng.pick(Names.supermarkets) + "（\(roadStem)店）" : rng.pick(Names.placeStems) + rng.pick(["服饰", "家电", "书店", "眼镜", "手机店", "百货"]), "shop", "购物服务", blk)
                    case "bank": poi(edgePoint(), rng.pick(Names.banks) + roadStem + "支行", "bank", "金融保险", blk)
                    case "hotel": poi(edgePoint(), rng.chance(0.5) ? rng.pick(Names.hotelChains) + "（\(roadStem)店）" : rng.pick(Names.placeStems) + "大酒店", "hotel", "住宿服务", blk)
                    default: poi(edgePoint(), rng.pick(Names.placeStems) + rng.pick(["大药房", "理发店", "洗衣店", "健身房", "影城"]), "service", "生活服务", blk)
                    }
                }
            case "0701":
                for _ in 0..<(2 * s) {
                    if rng.chance(0.5) {
                        poi(edgePoint(), rng.pick(Names.placeStems) + rng.pick(["便利店", "超市", "大药房", "幼儿园", "诊所"]), "service", "生活服务", blk)
                    } else {
                        poi(edgePoint(), rng.pick(Names.placeStems) + rng.pick(Names.foods), "restaurant", "餐饮服务", blk)
                    }
                }
            case "0801":
                poi(point(in: blk, 0.5, 0.5), "沧州市" + rng.pick(["发展和改革委员会", "自然资源和规划局", "住房和城乡建设局", "城市管理综合行政执法局", "生态环境局", "应急管理局", "教育局", "卫生健康委员会", "交通运输局", "水务局"]) + "（示例）", "government", "政府机构", blk)
            case "0810":
                poi(point(in: blk, 0.5, 0.5), (parkNames[blk.i * 10_000 + blk.j] ?? "无名公园"), "park", "风景名胜", blk)
            case "0601":
                for _ in 0..<s { poi(edgePoint(), "沧州" + rng.pick(Names.companyStems) + rng.pick(Names.industries) + "有限公司", "company", "公司企业", blk) }
            case "0604":
                poi(edgePoint(), "沧州" + rng.pick(Names.companyStems) + "物流园", "logistics", "公司企业", blk)
            case "0702":
                if rng.chance(0.3) { poi(point(in: blk, 0.5, 0.5), rng.pick(Names.surnames) + rng.pick(Names.villageSuffixes) + "村民委员会", "village", "政府机构", blk) }
            default:
                break
            }
        }
        // Bus stops every ~500 m along main streets in town.
        for road in roads where road.kind == .primary || road.kind == .secondary {
            for part in road.parts {
                walk(part, every: 520 / Double(s)) { p, dir in
                    let q = Coordinate(p.x - dir.y * (road.kind.width / 2 + 3), p.y + dir.x * (road.kind.width / 2 + 3))
                    guard let d = district(at: q) else { return }
                    w.write(.point(q), [
                        ("name", .text("\(road.name)站")), ("category", .text("bus_stop")), ("category_zh", .text("交通设施")),
                        ("address", .text("\(districts[d].name)\(road.name)")), ("phone", .null), ("district", .text(districts[d].name)),
                    ])
                    count += 1
                }
            }
        }
        log("points of interest: \(count)")
    }

    /// Park names, decided once so the POI, the shelter and the lake agree.
    func nameParks() {
        var rng = random("parks")
        var stems = Names.placeStems.shuffled(using: &rng)
        for blk in blocks where blk.use.current == "0810" {
            let stem = stems.isEmpty ? rng.pick(Names.roadStems) : stems.removeLast()
            parkNames[blk.i * 10_000 + blk.j] = stem + rng.pick(["公园", "公园", "游园", "绿地", "广场"])
        }
    }

    func writeSchools(_ w: GeoJSONSeqWriter) {
        var rng = random("schools")
        var middle = 1
        for blk in blocks where blk.use.current == "0803" {
            let kind = rng.weighted([("小学", 0.55), ("中学", 0.35), ("九年一贯制学校", 0.1)])
            let stem = rng.pick(Names.placeStems)
            let name = kind == "中学" ? "沧州市第\(Names.numerals[min(middle, Names.numerals.count) - 1])中学" : "沧州市\(stem)\(kind == "小学" ? "小学" : "实验学校")"
            if kind == "中学" { middle += 1 }
            w.write(.point(point(in: blk, 0.5, 0.45)), [
                ("name", .text(name)), ("level", .text(kind)), ("students", .integer(Int64(rng.int(600...3200)))),
                ("teachers", .integer(Int64(rng.int(50...240)))), ("address", .text(address(blk, &rng))), ("phone", .text(phone(&rng))),
                ("shelter", .text("紧急避难场所")),
            ])
        }
    }

    func writeHospitals(_ w: GeoJSONSeqWriter) {
        var rng = random("hospitals")
        var n = 0
        for blk in blocks where blk.use.current == "0805" {
            n += 1
            let level = n <= 3 ? "三级甲等" : rng.pick(["二级甲等", "二级", "一级"])
            let name = n <= 3 ? "沧州市第\(Names.numerals[n - 1])医院（示例）" : districts[blk.district].name + rng.pick(Names.placeStems) + rng.pick(["医院", "中医院", "社区卫生服务中心", "妇幼保健院"])
            w.write(.point(point(in: blk, 0.5, 0.5)), [
                ("name", .text(name)), ("level", .text(level)), ("beds", .integer(Int64(level == "三级甲等" ? rng.int(1200...2600) : rng.int(80...600)))),
                ("emergency", .text(level == "一级" ? "否" : "是")), ("address", .text(address(blk, &rng))), ("phone", .text(phone(&rng))),
            ])
        }
    }

    func writeFireStations(_ w: GeoJSONSeqWriter) {
        var rng = random("fire")
        let candidates = blocks.indices.filter { blocks[$0].inUrbanArea && blocks[$0].whole }
        for k in spread(candidates, count: 9) {
            let blk = blocks[k]
            let road = streetNames["v\(blk.j)"] ?? "城区"
            let stem = String(road.dropLast(road.hasSuffix("大道") ? 2 : 1))
            w.write(.point(point(in: blk, 0.5, 0.12)), [
                ("name", .text("\(stem)消防救援站")), ("kind", .text(rng.chance(0.2) ? "特勤站" : "普通站")),
                ("vehicles", .integer(Int64(rng.int(5...14)))), ("staff", .integer(Int64(rng.int(30...80)))),
                ("address", .text(address(blk, &rng))), ("phone", .text("119")),
            ])
        }
    }

    func writeShelters(_ w: GeoJSONSeqWriter) throws {
        var rng = random("shelters")
        for blk in blocks where ["0810", "0803"].contains(blk.use.current) {
            let area = try geos.area(blk.polygon)
            let park = blk.use.current == "0810"
            if park && area < 40_000 { continue }
            if !park && blk.distance > 5000 { continue }
            let name = park ? "\(parkNames[blk.i * 10_000 + blk.j] ?? "公园")应急避难场所" : "\(address(blk, &rng).prefix(3))学校操场紧急避难场所"
            let kind = park ? (area > 80_000 ? "中心避难场所" : "固定避难场所") : "紧急避难场所"
            w.write(.point(point(in: blk, 0.5, 0.55)), [
                ("name", .text(name)), ("kind", .text(kind)), ("capacity", .integer(Int64(park ? area * 0.6 / 2 : 2500))),
                ("area_m2", .real(area.rounded())), ("facilities", .text(park ? "应急供水、应急厕所、应急照明" : "应急照明")),
                ("address", .text(address(blk, &rng))),
            ])
        }
    }

    func writeHazardousSites(_ w: GeoJSONSeqWriter) {
        var rng = random("hazmat")
        let candidates = blocks.indices.filter { blocks[$0].use.current == "0601" && blocks[$0].distance > 3500 }
        for k in spread(candidates, count: 16) {
            let blk = blocks[k]
            var chemicals = Set<String>()
            for _ in 0..<rng.int(1...3) { chemicals.insert(rng.pick(Names.chemicals)) }
            w.write(.point(point(in: blk, rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7))), [
                ("name", .text("沧州" + rng.pick(Names.companyStems) + rng.pick(Names.hazardousIndustries) + "有限公司")),
                ("chemicals", .text(chemicals.sorted().joined(separator: "、"))), ("max_storage_t", .real((rng.uniform(5, 800) * 10).rounded() / 10)),
                ("hazard_level", .text(rng.weighted([("一级重大危险源", 0.1), ("二级重大危险源", 0.2), ("三级重大危险源", 0.3), ("四级重大危险源", 0.4)]))),
                ("contact", .text(phone(&rng))), ("address", .text(address(blk, &rng))),
            ])
        }
    }

    func writeEnvironmentStations(_ w: GeoJSONSeqWriter) {
        var rng = random("environment")
        let candidates = blocks.indices.filter { blocks[$0].inUrbanArea && ["0801", "0810", "0803"].contains(blocks[$0].use.current) }
        for (n, k) in spread(candidates, count: 6).enumerated() {
            let blk = blocks[k]
            let pm25 = rng.int(18...95)
            w.write(.point(point(in: blk, 0.3, 0.7)), [
                ("name", .text(["市监测站", "市环境监测监理中心", "电视转播站", "沧县城建局", "临港化工园区", "市环保局"][n] + "（示例）")),
                ("kind", .text("空气")), ("level", .text(n < 3 ? "国控" : "省控")), ("aqi", .integer(Int64(Double(pm25) * 1.3))),
                ("pm25", .integer(Int64(pm25))), ("pm10", .integer(Int64(Double(pm25) * rng.uniform(1.3, 1.9)))),
                ("water_class", .null), ("updated", .text("2025-11-20 14:00")),
            ])
        }
        let lines = waterways.filter { $0.kind == "运河" || $0.kind == "河流" }
        for (n, way) in lines.prefix(2).enumerated() {
            for k in 1...2 {
                let p = way.line[way.line.count * k / 3]
                w.write(.point(p), [
                    ("name", .text("\(way.name)\(n == 0 ? ["北", "南"][k - 1] : ["西", "东"][k - 1])断面")), ("kind", .text("地表水")),
                    ("level", .text(k == 1 ? "国控" : "市控")), ("aqi", .null), ("pm25", .null), ("pm10", .null),
                    ("water_class", .text(rng.pick(["III类", "IV类", "IV类", "V类"]))), ("updated", .text("2025-11-20 08:00")),
                ])
            }
        }
    }

    func writePollutionSources(_ w: GeoJSONSeqWriter) {
        var rng = random("pollution")
        var n = 0
        for blk in blocks where blk.use.current == "0601" && n < 60 {
            n += 1
            let kind = rng.weighted([("废气", 0.45), ("废水", 0.25), ("废气、废水", 0.3)])
            w.write(.point(point(in: blk, rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8))), [
                ("name", .text("沧州" + rng.pick(Names.companyStems) + rng.pick(Names.industries) + "有限公司")), ("kind", .text(kind)),
                ("industry", .text(rng.pick(Names.industries))), ("permit", .text(String(format: "91130900MA%07dX001P", rng.int(0...9_999_999)))),
                ("cod_t", .real(kind.contains("废水") ? (rng.uniform(0.5, 60) * 10).rounded() / 10 : 0)),
                ("so2_t", .real(kind.contains("废气") ? (rng.uniform(0.2, 40) * 10).rounded() / 10 : 0)),
                ("nox_t", .real(kind.contains("废气") ? (rng.uniform(0.5, 80) * 10).rounded() / 10 : 0)),
                ("key_unit", .text(rng.chance(0.3) ? "是" : "否")),
            ])
        }
    }

    /// Protection zones around a waterworks intake on the canal north of the centre.
    func writeWaterProtection(_ w: GeoJSONSeqWriter) throws {
        let inside = canal.filter { (try? unionPrepared.contains($0)) == true }
        let intake = inside[inside.count * 4 / 5]
        let zones: [(String, Double, Double)] = [("一级保护区", 0, 400), ("二级保护区", 400, 1500), ("准保护区", 1500, 2800)]
        for (level, inner, outer) in zones {
            var g = try geos.intersection(try geos.buffer(.point(intake), distance: outer, quadrantSegments: 16), union)
            if inner > 0 { g = try geos.difference(g, try geos.buffer(.point(intake), distance: inner, quadrantSegments: 16)) }
            g = polygonal(g)
            w.write(g.asMulti, [
                ("name", .text("大运河沧州城区水源地\(level)（示例）")), ("level", .text(level)), ("source", .text("大运河（南运河）")),
                ("area_km2", .real((try geos.area(g) / 1e4).rounded() / 100)), ("approved", .text("2022-09-01")),
            ])
        }
    }
}
