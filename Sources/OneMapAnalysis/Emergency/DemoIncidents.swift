import Foundation
import OneMapGeometry
import OneMapStore

/// The demo city's emergency: the command centre's users, a few incidents (a leak at a chemical
/// works, a flood on the canal, a residential fire) and the units on the streets, so the command
/// screen is alive on first start. `onemap demo` adds them; `serve --simulate` moves the units.
public enum DemoIncidents {
    public static let commanders = ["cmd.zhao", "cmd.qian"]
    /// Unit id, kind, name; each also a user with the units role.
    public static let units: [(id: String, kind: String, name: String)] = [
        ("fire-01", "fire", "消防一中队 水罐车"), ("fire-02", "fire", "消防二中队 抢险救援车"), ("fire-03", "fire", "消防特勤站 泡沫车"),
        ("hazmat-01", "hazmat", "危化品处置队"), ("ambulance-01", "ambulance", "120 急救车 1"), ("ambulance-02", "ambulance", "120 急救车 2"),
        ("police-01", "police", "交警 巡逻车"), ("rescue-01", "rescue", "蓝天救援队"),
    ]

    /// Adds the roles, users, incidents and first unit positions (existing users are kept).
    /// - Returns: the incidents made.
    @discardableResult
    public static func create(_ service: IncidentService, now: Date = Date()) throws -> [IncidentRecord] {
        let store = service.store
        try store.saveRole(Role(name: "emergency", level: .confidential, description: "应急指挥：登记和更新突发事件，查看全部应急数据"))
        try store.saveRole(Role(name: "unit", level: .internal, description: "应急力量：车辆与队伍上报位置"))
        for name in commanders { try store.saveUser(name, roles: ["emergency"]) }
        for u in units { try store.saveUser("unit.\(u.id)", roles: ["unit"]) }
        let commander = Principal(name: commanders[0], roles: ["emergency"], level: .confidential)
        var made: [IncidentRecord] = []
        let iso = { (d: Date) in d.formatted(.iso8601) }
        // The leak: at the first chemical works.
        if let site = try store.features(in: "hazmat_sites", .intersecting(.polygon([[Coordinate(-180, -90), Coordinate(180, -90), Coordinate(180, 90),
                                                                                          Coordinate(-180, 90), Coordinate(-180, -90)]]), crs: .cgcs2000),
                                         for: .system).first, let g = site.feature.geometry {
            let name = (try store.layerIfVisible("hazmat_sites", for: .system)).map { site.feature.text("name", in: $0) } ?? "化工企业"
            var input = IncidentInput()
            input.title = "\(name)储罐泄漏"
            input.category = "accident"; input.subtype = "危险化学品泄漏"; input.level = "II"; input.status = "responding"
            input.geometry = g; input.crs = .cgcs2000
            input.occurredAt = iso(now.addingTimeInterval(-40 * 60))
            input.notes = "储罐区阀门破裂，液氨泄漏，下风向已疏散；消防、危化品处置队到场处置。"
            made.append(try service.create(input, by: commander, now: now))
        }
        // The flood: a reach of the canal overtopping, as an area 150 m either side of it.
        let waterways = try store.layerIfVisible("waterways", for: .system)
        let canal = try store.features(in: "waterways", .intersecting(.polygon([[Coordinate(-180, -90), Coordinate(180, -90), Coordinate(180, 90),
                                                                                    Coordinate(-180, 90), Coordinate(-180, -90)]]), crs: .cgcs2000), for: .system)
            .first { m in waterways.map { m.feature.text("kind", in: $0) == "运河" } ?? false }
        if let line = canal?.feature.geometry, case .lineString(let points) = line.type == .multiLineString ? firstPart(line) : line, points.count > 4 {
            let middle = points.count / 2
            let reach = Geometry.lineString(Array(points[max(0, middle - 2)...min(points.count - 1, middle + 2)]))
            let frame = try LocalFrame(around: reach, source: .cgcs2000)
            let area = try frame.unproject(try GEOSContext().buffer(try frame.project(reach), distance: 150, quadrantSegments: 4))
            var input = IncidentInput()
            input.title = "大运河（南运河）漫溢"
            input.category = "natural"; input.subtype = "洪涝灾害"; input.level = "III"; input.status = "responding"
            input.geometry = area; input.crs = .cgcs2000
            input.occurredAt = iso(now.addingTimeInterval(-3 * 3600))
            input.notes = "强降雨致运河水位上涨，沿岸低洼地段漫溢；排水公司抽排，沿岸居民转移至避难场所。"
            made.append(try service.create(input, by: commander, now: now))
        }
        // The canal flood's water: the depth at 1.5 m above the ground at the reach, saved as the
        // `flood_depth` layer the emergency map draws.
        if let flood = made.last(where: { $0.subtype == "洪涝灾害" }), case .point(let seed) = try EmergencyPlace.centre(flood.geometry),
           let ground = try store.elevation(layer: service.rules.floodLayer, at: seed, crs: .cgcs2000, for: .system) {
            let analysis = Flood(store: store, rules: service.rules)
            let level = ((ground + 1.5) * 10).rounded() / 10
            let cells = try analysis.cells(Flood.Request(level: level, seed: seed, region: nil), for: .system)
            try analysis.saveDepth(cells, level: level, title: "淹没水深（\(flood.title)，水位 \(level) 米）")
        }
        // The fire: a residential building near the middle of the city.
        if let extent = try store.layer("buildings", for: .system).extent {
            let c = extent.center
            let near = try store.nearest(in: "buildings", to: c, crs: .cgcs2000, count: 1, for: .system)
            if let g = near.first?.feature.geometry {
                var input = IncidentInput()
                input.title = "居民楼火灾"
                input.category = "accident"; input.subtype = "火灾"; input.level = "IV"; input.status = "reported"
                input.geometry = try EmergencyPlace.centre(g); input.crs = .cgcs2000
                input.occurredAt = iso(now.addingTimeInterval(-10 * 60))
                input.notes = "居民楼三层起火，有浓烟，119 已出警。"
                made.append(try service.create(input, by: commander, now: now))
            }
        }
        // The units: each at a fire station or hospital to begin with.
        var starts: [Coordinate] = []
        for layer in ["fire_stations", "hospitals"] {
            let all = try store.nearest(in: layer, to: try store.layer(layer, for: .system).extent?.center ?? Coordinate(0, 0), crs: .cgcs2000,
                                        count: 20, for: .system)
            for m in all { if let g = m.feature.geometry, case .point(let p) = g { starts.append(p) } }
        }
        if !starts.isEmpty {
            let at = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(now)
            let positions = units.enumerated().map { i, u in
                UnitPosition(unit: u.id, kind: u.kind, name: u.name, location: starts[(u.kind == "ambulance" ? starts.count - 1 - i : i) % starts.count], at: at,
                             reporter: "unit.\(u.id)")
            }
            try store.incidents.appendPositions(positions, keepSince: "")
        }
        return made
    }

    static func firstPart(_ g: Geometry) -> Geometry {
        if case .multiLineString(let lines) = g, let first = lines.max(by: { $0.count < $1.count }) { return .lineString(first) }
        return g
    }
}
