import Foundation
import OneMapGeometry
import OneMapStore

/// 避难场所分配: the people of an affected area assigned to shelters within walking distance, up
/// to each shelter's capacity, nearest first; who is left without a place. People are placed on
/// a grid of cells over the affected area (each cell holds its communities' people by area), and
/// every (cell, shelter) pair within the walking distance is taken in order of distance, moving
/// as many people as the cell still has and the shelter still holds: a nearest-first greedy
/// assignment, which puts people in the nearest shelter with room.
public struct ShelterAllocation: Sendable {
    public let store: Store
    public let rules: EmergencyRules
    /// The side of the cells people are placed on, metres.
    public var cellMetres = 50.0

    public init(store: Store, rules: EmergencyRules) {
        self.store = store
        self.rules = rules
    }

    /// - Parameters:
    ///   - area: the affected area, lon/lat polygon.
    ///   - walk: the shelters' service radius (metres; the rules' default when nil).
    public func run(area: Geometry, walk: Double?, for principal: Principal) throws -> JSONValue {
        let walk = walk ?? rules.walkMetres
        let reader = AnalysisReader(store: store, principal: principal)
        let geos = GEOSContext()
        let frame = try LocalFrame(around: area, source: .cgcs2000)
        let local = try frame.project(area)
        guard let box = local.boundingBox else { throw AnalysisError.invalidInput(input: "geometry", detail: "is empty") }
        // People by cell, from the communities' populations shared by area.
        guard let popLayer = try reader.layer(rules.populationLayer, for: "受影响人口"),
              let communities = try reader.candidates(popLayer.id, meeting: area, for: "受影响人口") else {
            throw AnalysisError.invalidInput(input: "geometry", detail: "shelter allocation needs the population layer, which the caller may not see")
        }
        let prepared = try geos.prepare(local)
        var cells: [(centre: Coordinate, people: Double)] = []
        let nx = Int(ceil(box.width / cellMetres)), ny = Int(ceil(box.height / cellMetres))
        guard nx * ny <= 4_000_000 else { throw AnalysisError.invalidInput(input: "geometry", detail: "is too large for shelter allocation") }
        var communityShapes: [(shape: GEOSShape, density: Double)] = []
        for m in communities {
            guard let g = m.feature.geometry, let people = m.feature.number(rules.populationField, in: popLayer), people > 0 else { continue }
            let l = try frame.project(g)
            let a = l.planarArea
            if a > 0 { communityShapes.append((try geos.shape(l), people / a)) }
        }
        var affected = 0.0
        for j in 0..<ny {
            for i in 0..<nx {
                let x0 = box.minX + Double(i) * cellMetres, y0 = box.minY + Double(j) * cellMetres
                let cell = Geometry.polygon([[Coordinate(x0, y0), Coordinate(x0 + cellMetres, y0), Coordinate(x0 + cellMetres, y0 + cellMetres),
                                              Coordinate(x0, y0 + cellMetres), Coordinate(x0, y0)]])
                guard try prepared.intersects(cell) else { continue }
                let inArea = try geos.shape(try prepared.contains(cell) ? cell : geos.intersection(cell, local))
                var people = 0.0
                for c in communityShapes { people += try geos.intersection(inArea, c.shape, gridSize: 0.001).planarArea * c.density }
                if people > 0 {
                    cells.append((Coordinate(x0 + cellMetres / 2, y0 + cellMetres / 2), people))
                    affected += people
                }
            }
        }
        // Shelters within walking distance of the area.
        let shelterLayer = rules.shelterLayer.layer
        guard let layer = try reader.layer(shelterLayer, for: "避难场所"),
              let shelters = try reader.features(shelterLayer, .near(area, metres: walk, crs: .cgcs2000), for: "避难场所") else {
            throw AnalysisError.invalidInput(input: "geometry", detail: "the shelters layer is not available to the caller")
        }
        var capacity: [Double] = []
        var points: [Coordinate] = []
        for s in shelters {
            guard case .point(let p)? = s.feature.geometry else { continue }
            points.append(try frame.project(p))
            capacity.append(max(0, s.feature.number(rules.shelterCapacityField, in: layer) ?? 0))
        }
        var pairs: [(d: Double, cell: Int, shelter: Int)] = []
        for (c, cell) in cells.enumerated() {
            for (s, p) in points.enumerated() {
                let d = hypot(cell.centre.x - p.x, cell.centre.y - p.y)
                if d <= walk { pairs.append((d, c, s)) }
            }
        }
        pairs.sort { ($0.d, $0.cell, $0.shelter) < ($1.d, $1.cell, $1.shelter) }
        var left = cells.map(\.people)
        var room = capacity
        var assigned = [Double](repeating: 0, count: points.count)
        for p in pairs where left[p.cell] > 0 && room[p.shelter] > 0 {
            let moved = min(left[p.cell], room[p.shelter])
            left[p.cell] -= moved; room[p.shelter] -= moved; assigned[p.shelter] += moved
        }
        let housed = assigned.reduce(0, +)
        let list: [JSONValue] = shelters.indices.compactMap { i in
            guard i < points.count, assigned[i] > 0 || capacity[i] > 0 else { return nil }
            var location: JSONValue = .null
            if case .point(let c)? = shelters[i].feature.geometry { location = .numbers([c.x, c.y]) }
            return .object([
                ("id", .number(Double(shelters[i].feature.id))), ("name", .string(shelters[i].feature.text(rules.shelterLayer.nameField, in: layer))),
                ("capacity", .number(capacity[i])), ("assigned", .number(assigned[i].rounded())),
                ("utilisation", .number(capacity[i] > 0 ? ((assigned[i] / capacity[i]) * 1000).rounded() / 1000 : 0)), ("location", location),
            ])
        }.sorted { ($0["assigned"]?.number ?? 0) > ($1["assigned"]?.number ?? 0) }
        return .object([
            ("walkMetres", .number(walk)),
            ("affected", .object([("estimate", .number(affected.rounded())), ("isEstimate", .bool(true)), ("method", .string(PopulationEstimate.method))])),
            ("housed", .number(housed.rounded())), ("unhoused", .number(max(0, affected - housed).rounded())),
            ("capacityNearby", .number(capacity.reduce(0, +))),
            ("shelters", .array(list)),
            ("method", .string("受影响人口按 \(Int(cellMetres)) 米格网分布，按步行服务半径 \(Int(walk)) 米内由近及远分配到有余量的避难场所")),
            ("layersLeftOut", reader.leftOutJSON),
        ])
    }
}

/// `shelter-allocation` (避难场所分配).
public struct ShelterAllocationProcess: AnalysisProcess {
    let analysis: ShelterAllocation

    public init(store: Store, rules: EmergencyRules) { analysis = ShelterAllocation(store: store, rules: rules) }

    public var description: ProcessDescription {
        ProcessDescription(
            id: "shelter-allocation", title: "避难场所分配",
            description: "将受影响范围内的人口（按社区面积比例估算）分配到步行服务半径内的避难场所，按距离由近及远、不超过容量；给出各场所分配人数与未安置人数。人口为涉密数据，需有相应权限。",
            keywords: ["应急", "避难场所", "疏散", "emergency"],
            inputs: [
                .init("incident", title: "事件编号", description: "以事件范围（点事件取 radius 半径）为受影响范围", schema: EmergencySchemas.integer, required: false),
                .init("geometry", title: "受影响范围", description: "GeoJSON Polygon/MultiPolygon（如淹没范围、影响圈），或 Point 与 radius", schema: EmergencySchemas.place, required: false),
                .init("crs", title: "坐标系", description: "geometry 的坐标参照系（默认 CRS84）", schema: Schemas.crs, required: false),
                .init("radius", title: "半径（米）", description: "点位时的受影响半径，默认 1000", schema: EmergencySchemas.number, required: false),
                .init("walkMetres", title: "步行服务半径（米）", description: "默认按规则文件（500）", schema: EmergencySchemas.number, required: false),
            ],
            outputs: [.init("result", title: "分配结果", description: "各避难场所分配人数与未安置人数", schema: Schemas.object)])
    }

    public func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun {
        try inputs.only(["incident", "geometry", "crs", "radius", "walkMetres"])
        let place = try EmergencyPlace.read(inputs, store: analysis.store, principal: principal)
        var area = place.geometry
        if case .point = area {
            let radius = try inputs.number("radius") ?? 1000
            guard radius > 0, radius <= analysis.rules.maxRadius else {
                throw AnalysisError.invalidInput(input: "radius", detail: "must be in (0, \(Int(analysis.rules.maxRadius))] metres")
            }
            let frame = try LocalFrame(around: area, source: .cgcs2000)
            area = try frame.unproject(try GEOSContext().buffer(try frame.project(area), distance: radius, quadrantSegments: 16))
        }
        let walk = try inputs.number("walkMetres")
        if let walk, !(walk > 0 && walk <= 5000) { throw AnalysisError.invalidInput(input: "walkMetres", detail: "must be in (0, 5000] metres") }
        guard (try analysis.store.layerIfVisible(analysis.rules.populationLayer, for: principal)) != nil else {
            throw AnalysisError.invalidInput(input: "geometry", detail: "shelter allocation needs the population layer, which the caller may not see")
        }
        let analysis = self.analysis, affected = area
        return PreparedRun { _ in .object([("result", try analysis.run(area: affected, walk: walk, for: principal))]) }
    }
}
