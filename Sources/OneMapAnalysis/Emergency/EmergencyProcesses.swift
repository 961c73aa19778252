import OneMapGeometry
import OneMapStore

enum EmergencySchemas {
    static let place: JSONValue = .object([
        ("oneOf", .array([
            .object([("$ref", .string("https://geojson.org/schema/Point.json"))]),
            .object([("$ref", .string("https://geojson.org/schema/Polygon.json"))]),
            .object([("$ref", .string("https://geojson.org/schema/MultiPolygon.json"))]),
        ])),
    ])
    static let point: JSONValue = .object([("$ref", .string("https://geojson.org/schema/Point.json"))])
    static let integer: JSONValue = .object([("type", .string("integer"))])
    static let number: JSONValue = .object([("type", .string("number"))])
    static let numbers: JSONValue = .object([("type", .string("array")), ("items", .object([("type", .string("number"))]))])
    static let strings: JSONValue = .object([("type", .string("array")), ("items", .object([("type", .string("string"))]))])
}

/// `impact-rings` (影响范围分析).
public struct ImpactRingsProcess: AnalysisProcess {
    let analysis: ImpactRings

    public init(store: Store, rules: EmergencyRules) { analysis = ImpactRings(store: store, rules: rules) }

    public var description: ProcessDescription {
        ProcessDescription(
            id: "impact-rings", title: "影响范围分析",
            description: "以事发点（或事发范围）为中心按给定半径（米，地面真实距离）生成环形影响区，列出各环内的学校、医院、危化品企业、避难场所等设施及距离，并按社区面积比例估算各环人口（人口为涉密数据，无权限者不返回人口）。",
            keywords: ["应急", "缓冲区", "影响范围", "emergency"],
            inputs: [
                .init("incident", title: "事件编号", description: "已登记突发事件的编号；或用 geometry 给出位置", schema: EmergencySchemas.integer, required: false),
                .init("geometry", title: "事发位置", description: "GeoJSON Point、Polygon 或 MultiPolygon", schema: EmergencySchemas.place, required: false),
                .init("crs", title: "坐标系", description: "geometry 的坐标参照系（默认 CRS84）", schema: Schemas.crs, required: false),
                .init("radii", title: "半径（米）", description: "如 [500, 1000, 3000]；缺省按规则文件", schema: EmergencySchemas.numbers, required: false),
                .init("layers", title: "设施图层", description: "只统计这些设施图层；缺省为规则文件所列全部", schema: EmergencySchemas.strings, required: false),
            ],
            outputs: [.init("result", title: "影响范围", description: "环形区（GeoJSON）、各环设施与人口估算", schema: Schemas.object)])
    }

    public func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun {
        try inputs.only(["incident", "geometry", "crs", "radii", "layers"])
        let place = try EmergencyPlace.read(inputs, store: analysis.store, principal: principal)
        let radii = try analysis.checkedRadii(try inputs.numbers("radii"))
        var layers: [String]?
        if let v = inputs.value("layers") {
            guard let a = v.array, a.allSatisfy({ $0.string != nil }) else { throw AnalysisError.invalidInput(input: "layers", detail: "must be a list of layer ids") }
            layers = a.compactMap(\.string)
        }
        let analysis = self.analysis, only = layers
        return PreparedRun { progress in
            .object([("result", try analysis.run(place: place.geometry, incident: place.incident, radii: radii, layers: only, for: principal, progress: progress))])
        }
    }
}

/// `elevation-profile` (高程剖面).
public struct ElevationProfileProcess: AnalysisProcess {
    let analysis: ElevationProfile

    public init(store: Store, rules: EmergencyRules) { analysis = ElevationProfile(store: store, rules: rules) }

    public var description: ProcessDescription {
        ProcessDescription(
            id: "elevation-profile", title: "高程剖面",
            description: "沿折线按 DEM 原始分辨率取样，给出各点至起点的大地线距离与存储高程，以及最低、最高、累计爬升与下降。",
            keywords: ["DEM", "剖面", "高程", "emergency"],
            inputs: [
                .init("line", title: "剖面线", description: "GeoJSON LineString", schema: .object([("$ref", .string("https://geojson.org/schema/LineString.json"))])),
                .init("crs", title: "坐标系", description: "line 的坐标参照系（默认 CRS84）", schema: Schemas.crs, required: false),
                .init("layer", title: "DEM 图层", description: "缺省按规则文件", schema: Schemas.string, required: false),
                .init("samples", title: "取样点数", description: "缺省约每个格网一个", schema: EmergencySchemas.integer, required: false),
            ],
            outputs: [.init("result", title: "剖面", description: "距离与高程序列", schema: Schemas.object)])
    }

    public func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun {
        try inputs.only(["line", "crs", "layer", "samples"])
        guard var g = try inputs.geometry("line") else { throw AnalysisError.invalidInput(input: "line", detail: "is required") }
        let crs = try inputs.crs("crs")
        if !crs.isDisplayEquivalent(to: .cgcs2000) { g = try CoordinateTransform(from: crs, to: .cgcs2000).apply(g) }
        guard case .lineString(let points) = g, points.count >= 2 else { throw AnalysisError.invalidInput(input: "line", detail: "must be a LineString of two or more points") }
        var samples: Int?
        if let n = try inputs.integer("samples") { samples = n }
        let layer = try inputs.optionalString("layer")
        _ = try analysis.run(line: Array(points.prefix(2)), layer: layer, samples: 2, for: principal)
        let analysis = self.analysis, count = samples
        return PreparedRun { _ in .object([("result", try analysis.run(line: points, layer: layer, samples: count, for: principal))]) }
    }
}

/// `flood` (淹没分析).
public struct FloodProcess: AnalysisProcess {
    let analysis: Flood

    public init(store: Store, rules: EmergencyRules) { analysis = Flood(store: store, rules: rules) }

    public var description: ProcessDescription {
        ProcessDescription(
            id: "flood", title: "淹没分析",
            description: "按给定水位从 DEM（原始分辨率）计算淹没范围：无源淹没取范围内所有不高于水位的格网；有源淹没只取与种子点经不高于水位的格网相连的部分。给出淹没面（GeoJSON）、面积、水深统计、受淹设施与人口估算。",
            keywords: ["DEM", "淹没", "洪涝", "emergency"],
            inputs: [
                .init("level", title: "水位（米）", description: "与 DEM 同一高程基准", schema: EmergencySchemas.number),
                .init("seed", title: "种子点", description: "GeoJSON Point；给出时为有源淹没，缺省为无源淹没", schema: EmergencySchemas.point, required: false),
                .init("region", title: "计算范围", description: "GeoJSON 面，或 {\"layer\",\"featureId\"}；缺省为整个 DEM（受格网数上限约束）", schema: Schemas.region, required: false),
                .init("crs", title: "坐标系", description: "seed 与 region 的坐标参照系（默认 CRS84）", schema: Schemas.crs, required: false),
                .init("connectivity", title: "连通方式", description: "有源淹没的邻接：4 或 8（默认 8）", schema: EmergencySchemas.integer, required: false),
                .init("layer", title: "DEM 图层", description: "缺省按规则文件", schema: Schemas.string, required: false),
                .init("saveDepth", title: "保存水深图层", description: "为 true 时将水深存为栅格图层 flood_depth（应急一张图绘制），仅应急指挥角色", schema: .object([("type", .string("boolean"))]), required: false),
            ],
            outputs: [.init("result", title: "淹没分析结果", description: "淹没面、面积、水深、受淹设施与人口", schema: Schemas.object)])
    }

    public func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun {
        try inputs.only(["level", "seed", "region", "crs", "connectivity", "layer", "saveDepth"])
        var save = false
        if let v = inputs.value("saveDepth") {
            guard let b = v.bool else { throw AnalysisError.invalidInput(input: "saveDepth", detail: "must be true or false") }
            save = b
        }
        if save && analysis.rules.commandRoles.isDisjoint(with: principal.roles) {
            throw AnalysisError.invalidInput(input: "saveDepth", detail: "saving the depth layer needs one of the roles \(analysis.rules.commandRoles.sorted().joined(separator: ", "))")
        }
        guard let level = try inputs.number("level") else { throw AnalysisError.invalidInput(input: "level", detail: "is required (metres)") }
        let crs = try inputs.crs("crs")
        let reader = AnalysisReader(store: analysis.store, principal: principal)
        var seed: Coordinate?
        if let g = try inputs.geometry("seed") {
            guard case .point(let p) = try reader.lonLat(g, from: crs) else { throw AnalysisError.invalidInput(input: "seed", detail: "must be a Point") }
            seed = p
        }
        var region: Geometry?
        if let r = try inputs.region("region", crs: crs) { region = try r.resolve(reader, overlay: Overlay(geos: GEOSContext(), gridSize: 1e-9), input: "region").0 }
        var request = Flood.Request(level: level, seed: seed, region: region, layer: try inputs.optionalString("layer"))
        if let n = try inputs.integer("connectivity") { request.connectivity = n }
        // Every input error (level, seed, region size) is found before a job exists.
        let cells = try analysis.cells(request, for: principal)
        let analysis = self.analysis, checked = request, saving = save
        return PreparedRun { progress in
            let result = try analysis.run(checked, cells: cells, for: principal, progress: progress)
            guard saving, case .object(var fields) = result else { return .object([("result", result)]) }
            let layer = try analysis.saveDepth(cells, level: checked.level, title: "淹没水深（水位 \(checked.level) 米）")
            fields.append(("depthLayer", .string(layer.id)))
            return .object([("result", .object(fields))])
        }
    }
}

/// `nearest-resources` (最近救援力量).
public struct NearestResourcesProcess: AnalysisProcess {
    let analyses: RoutingAnalyses

    public init(network: RoadNetwork) { analyses = RoutingAnalyses(network: network) }

    public var description: ProcessDescription {
        let kinds = analyses.rules.resources.map { "\($0.kind) \($0.layer.title)" }.joined(separator: "、")
        return ProcessDescription(
            id: "nearest-resources", title: "最近救援力量",
            description: "按路网通行时间（道路等级车速、单行道）找出到达事发点最快的 N 个消防站、医院或避难场所，给出路线、距离、分钟数及直线距离。类别：\(kinds)。",
            keywords: ["应急", "路径分析", "最近设施", "emergency"],
            inputs: [
                .init("incident", title: "事件编号", description: "已登记突发事件；或用 geometry 给出位置", schema: EmergencySchemas.integer, required: false),
                .init("geometry", title: "事发位置", description: "GeoJSON Point（面取其内一点）", schema: EmergencySchemas.place, required: false),
                .init("crs", title: "坐标系", description: "geometry 的坐标参照系（默认 CRS84）", schema: Schemas.crs, required: false),
                .init("kind", title: "力量类别", description: analyses.rules.resources.map(\.kind).joined(separator: ", "), schema: Schemas.string),
                .init("count", title: "数量", description: "1–50，默认 5", schema: EmergencySchemas.integer, required: false),
            ],
            outputs: [.init("result", title: "最近救援力量", description: "按到达时间排序的力量及路线", schema: Schemas.object)])
    }

    public func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun {
        try inputs.only(["incident", "geometry", "crs", "kind", "count"])
        let place = try EmergencyPlace.read(inputs, store: analyses.store, principal: principal, pointOnly: true)
        let kind = try inputs.string("kind")
        guard analyses.rules.resources.contains(where: { $0.kind == kind }) else {
            throw AnalysisError.invalidInput(input: "kind", detail: "must be one of \(analyses.rules.resources.map(\.kind).joined(separator: ", "))")
        }
        let count = try inputs.integer("count", in: 1...50) ?? 5
        _ = try analyses.network.snap(place.point, input: "geometry")
        let analyses = self.analyses
        return PreparedRun { _ in .object([("result", try analyses.nearestResources(to: place.point, kind: kind, count: count, for: principal))]) }
    }
}

/// `route` (路径规划).
public struct RouteProcess: AnalysisProcess {
    let analyses: RoutingAnalyses

    public init(network: RoadNetwork) { analyses = RoutingAnalyses(network: network) }

    public var description: ProcessDescription {
        ProcessDescription(
            id: "route", title: "路径规划",
            description: "两点之间按路网通行时间最短的路线（道路等级车速、单行道），起讫点吸附到最近道路上的最近位置。",
            keywords: ["路径分析", "导航", "emergency"],
            inputs: [
                .init("from", title: "起点", description: "GeoJSON Point", schema: EmergencySchemas.point),
                .init("to", title: "终点", description: "GeoJSON Point", schema: EmergencySchemas.point),
                .init("crs", title: "坐标系", description: "from、to 的坐标参照系（默认 CRS84）", schema: Schemas.crs, required: false),
            ],
            outputs: [.init("result", title: "路线", description: "GeoJSON Feature：路线、分钟数、距离", schema: Schemas.object)])
    }

    public func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun {
        try inputs.only(["from", "to", "crs"])
        let crs = try inputs.crs("crs")
        let reader = AnalysisReader(store: analyses.store, principal: principal)
        func point(_ id: String) throws -> Coordinate {
            guard let g = try inputs.geometry(id) else { throw AnalysisError.invalidInput(input: id, detail: "is required") }
            guard case .point(let p) = try reader.lonLat(g, from: crs), abs(p.x) <= 180, abs(p.y) <= 90 else {
                throw AnalysisError.invalidInput(input: id, detail: "must be a Point")
            }
            return p
        }
        let from = try point("from"), to = try point("to")
        _ = try analyses.network.snap(from, input: "from")
        _ = try analyses.network.snap(to, input: "to")
        let analyses = self.analyses
        return PreparedRun { _ in .object([("result", try analyses.route(from: from, to: to))]) }
    }
}

/// `service-area` (服务范围).
public struct ServiceAreaProcess: AnalysisProcess {
    let analyses: RoutingAnalyses

    public init(network: RoadNetwork) { analyses = RoutingAnalyses(network: network) }

    public var description: ProcessDescription {
        ProcessDescription(
            id: "service-area", title: "服务范围（等时圈）",
            description: "从一点出发在给定分钟数内沿路网可达的范围：由可达路段（含部分路段）缓冲构成的面，不是凸包。",
            keywords: ["等时圈", "服务范围", "emergency"],
            inputs: [
                .init("incident", title: "事件编号", description: "或用 geometry 给出起点", schema: EmergencySchemas.integer, required: false),
                .init("geometry", title: "起点", description: "GeoJSON Point", schema: EmergencySchemas.place, required: false),
                .init("crs", title: "坐标系", description: "geometry 的坐标参照系（默认 CRS84）", schema: Schemas.crs, required: false),
                .init("minutes", title: "分钟数", description: "如 [5, 10, 15]；缺省按规则文件", schema: EmergencySchemas.numbers, required: false),
            ],
            outputs: [.init("result", title: "服务范围", description: "每个分钟数一个面（GeoJSON）", schema: Schemas.object)])
    }

    public func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun {
        try inputs.only(["incident", "geometry", "crs", "minutes"])
        let place = try EmergencyPlace.read(inputs, store: analyses.store, principal: principal, pointOnly: true)
        let minutes = try inputs.numbers("minutes") ?? analyses.rules.serviceAreaMinutes
        let most = analyses.rules.maxServiceMinutes
        guard !minutes.isEmpty, minutes.count <= 10, minutes.allSatisfy({ $0 > 0 && $0 <= most }) else {
            throw AnalysisError.invalidInput(input: "minutes", detail: "must list 1–10 times in (0, \(Int(analyses.rules.maxServiceMinutes))] minutes")
        }
        _ = try analyses.network.snap(place.point, input: "geometry")
        let analyses = self.analyses
        return PreparedRun { _ in .object([("result", try analyses.serviceArea(from: place.point, minutes: Array(Set(minutes))))]) }
    }
}
