import Foundation
import OneMapGeometry

/// One class of urban component (城市部件) and how the generator places it.
struct ComponentClass {
    let code: String
    let name: String
    let department: (code: String, name: String)
    /// Metres between two components at scale 1.
    let spacing: Double
    /// Offset from the road centre line: nil = at the curb (both sides when `bothSides`).
    let offset: Double?
    let bothSides: Bool
    let roads: Set<RoadKind>
}

extension CityGenerator {
    static let majorClasses = ["01": "公用设施", "02": "道路交通", "03": "市容环境", "04": "园林绿化", "05": "房屋土地", "06": "其他设施"]

    static let componentClasses: [ComponentClass] = {
        let urban: Set<RoadKind> = [.expressway, .primary, .secondary, .branch]
        let main: Set<RoadKind> = [.expressway, .primary, .secondary]
        let water = ("SW01", "沧州市自来水公司"), drainage = ("PS01", "沧州市排水公司"), power = ("DL01", "国网沧州供电公司")
        let telecom = ("DX01", "中国电信沧州分公司"), heat = ("RL01", "沧州市热力公司"), gas = ("RQ01", "沧州华润燃气有限公司")
        let lights = ("LD01", "沧州市城市管理综合行政执法局路灯管理处"), parks = ("YL01", "沧州市园林局")
        let sanitation = ("HW01", "沧州市环境卫生管理处"), traffic = ("JJ01", "沧州市公安局交通警察支队"), fire = ("XF01", "沧州市消防救援支队")
        return [
            ComponentClass(code: "0118", name: "路灯", department: lights, spacing: 45, offset: nil, bothSides: true, roads: main),
            ComponentClass(code: "0402", name: "行道树", department: parks, spacing: 40, offset: nil, bothSides: true, roads: [.primary, .secondary, .branch]),
            ComponentClass(code: "0101", name: "上水井盖", department: water, spacing: 200, offset: -3, bothSides: false, roads: urban),
            ComponentClass(code: "0102", name: "污水井盖", department: drainage, spacing: 200, offset: 0, bothSides: false, roads: urban),
            ComponentClass(code: "0103", name: "雨水井盖", department: drainage, spacing: 200, offset: 3, bothSides: false, roads: urban),
            ComponentClass(code: "0104", name: "雨水箅子", department: drainage, spacing: 70, offset: nil, bothSides: true, roads: urban),
            ComponentClass(code: "0105", name: "电力井盖", department: power, spacing: 260, offset: nil, bothSides: false, roads: urban),
            ComponentClass(code: "0107", name: "电信井盖", department: telecom, spacing: 300, offset: nil, bothSides: false, roads: urban),
            ComponentClass(code: "0110", name: "热力井盖", department: heat, spacing: 400, offset: 5, bothSides: false, roads: main),
            ComponentClass(code: "0111", name: "燃气井盖", department: gas, spacing: 400, offset: -5, bothSides: false, roads: main),
            ComponentClass(code: "0113", name: "消防设施(消火栓)", department: fire, spacing: 150, offset: nil, bothSides: false, roads: urban),
            ComponentClass(code: "0117", name: "电杆", department: power, spacing: 60, offset: nil, bothSides: false, roads: [.rural]),
            ComponentClass(code: "0305", name: "垃圾箱", department: sanitation, spacing: 120, offset: nil, bothSides: true, roads: [.primary, .secondary]),
            ComponentClass(code: "0209", name: "交通标志牌", department: traffic, spacing: 350, offset: nil, bothSides: true, roads: main),
            ComponentClass(code: "0301", name: "公共厕所", department: sanitation, spacing: 1100, offset: nil, bothSides: false, roads: [.primary, .secondary]),
            ComponentClass(code: "0307", name: "广告牌匾", department: ("CG01", "沧州市城市管理综合行政执法局"), spacing: 260, offset: nil, bothSides: true, roads: [.primary]),
        ]
    }()

    /// Components along the streets (lamps, trees, covers, hydrants, ...), traffic lights at the
    /// main crossings and notice boards per community, each with its unit-grid code.
    func writeComponents(_ grid: GridManagement, _ w: GeoJSONSeqWriter) throws {
        var rng = random("components")
        var serials: [String: Int] = [:]
        var count = 0
        func emit(_ cls: (code: String, name: String, department: (code: String, name: String)), at p: Coordinate) {
            guard let cell = unitGrid(at: p, in: grid) else { return }
            let county = districts[grid.cells[cell].district].code
            let key = county + cls.code
            let serial = (serials[key] ?? 0) + 1
            guard serial <= 999_999 else { return }
            serials[key] = serial
            let state = rng.weighted([("完好", 0.9), ("破损", 0.06), ("丢失", 0.015), ("占用", 0.025)])
            let year = rng.int(2012...2024), month = rng.int(1...12), day = rng.int(1...28)
            let changed = rng.chance(0.3) ? String(format: "%04d-%02d-%02d", min(2025, year + rng.int(1...4)), rng.int(1...12), rng.int(1...28)) : nil
            let major = String(cls.code.prefix(2))
            w.write(.point(p), [
                ("objcode", .text(key + String(format: "%06d", serial))), ("objname", .text(cls.name)), ("class", .text(cls.code)),
                ("major", .text(major)), ("major_name", .text(Self.majorClasses[major] ?? "")),
                ("deptcode", .text(cls.department.code)), ("deptname", .text(cls.department.name)), ("bgcode", .text(grid.cells[cell].code)),
                ("objstate", .text(state)), ("objuptodate", .text(state == "丢失" ? "作废" : "在用")),
                ("ordate", .text(String(format: "%04d-%02d-%02d", year, month, day))), ("chdate", changed.map { .text($0) } ?? .null),
                ("datasource", .text("2024年部件普查")), ("note", .null),
            ])
            count += 1
        }
        // Spacings are three times a real census's, so scale 1 stays quick; --scale brings density up.
        let density = Double(max(1, scale)) / 3
        for cls in Self.componentClasses {
            for road in roads where cls.roads.contains(road.kind) {
                for part in road.parts {
                    walk(part, every: cls.spacing / density, start: rng.uniform(1, cls.spacing / density)) { p, dir in
                        let normal = Coordinate(-dir.y, dir.x)
                        let offsets: [Double] = cls.offset.map { [$0] } ?? (cls.bothSides ? [road.kind.width / 2 - 1.5, -(road.kind.width / 2 - 1.5)] : [road.kind.width / 2 - 1.5])
                        for off in offsets { emit((cls.code, cls.name, cls.department), at: Coordinate(p.x + normal.x * off, p.y + normal.y * off)) }
                    }
                }
            }
        }
        // Traffic lights: four at each crossing of two main or secondary roads in town.
        let b = Self.blockSize
        for i in uRange where i % 2 == 0 {
            for j in vRange where j % 2 == 0 {
                let p = frame.warp(Double(i) * b, Double(j) * b)
                guard isUrban(p) else { continue }
                for (du, dv) in [(-14.0, -14.0), (14, -14), (-14, 14), (14, 14)] {
                    emit(("0214", "交通信号灯", ("JJ01", "沧州市公安局交通警察支队")), at: frame.warp(Double(i) * b + du, Double(j) * b + dv))
                }
            }
        }
        // Notice boards and parking lots.
        for community in grid.communities where community.urban {
            for _ in 0..<max(1, scale) {
                emit(("0501", "宣传栏", ("JD01", "所在街道办事处")), at: Coordinate(community.center.x + rng.uniform(-120, 120), community.center.y + rng.uniform(-120, 120)))
            }
        }
        for blk in blocks where ["0501", "0505", "0805", "0801"].contains(blk.use.current) && blk.whole {
            emit(("0201", "停车场", ("JJ01", "沧州市公安局交通警察支队")), at: frame.warp((Double(blk.i) + 0.15) * b, (Double(blk.j) + 0.2) * b))
        }
        log("components: \(count)")
    }
}
