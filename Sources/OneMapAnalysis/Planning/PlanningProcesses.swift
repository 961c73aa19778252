import OneMapGeometry
import OneMapStore

/// `site-review` (选址合规性审查).
public struct SiteReviewProcess: AnalysisProcess {
    let review: SiteReview

    public init(store: Store, rules: PlanningRules) { review = SiteReview(store: store, rules: rules) }

    public var description: ProcessDescription {
        ProcessDescription(
            id: "site-review", title: "选址合规性审查",
            description: "审查建设项目选址（红线）与三区三线、国土空间规划用地、土地利用现状（耕地）、专项规划保护区及邻避设施的关系，逐条给出合规、提示或违规结论，面积按 CGCS2000 椭球面积（权威）及高斯-克吕格平面面积给出。",
            keywords: ["规划审批", "合规性审查", "三区三线", "planning"],
            inputs: [
                .init("site", title: "选址范围（红线）", description: "GeoJSON Polygon、MultiPolygon 或 Feature；坐标系见 crs。也可用 siteLayer 与 siteFeatureId 指定已入库的地块。",
                      schema: Schemas.geoJSONPolygon, required: false),
                .init("siteLayer", title: "地块图层", description: "以已入库地块为选址时的图层编号", schema: Schemas.string, required: false),
                .init("siteFeatureId", title: "地块编号", description: "以已入库地块为选址时的要素编号", schema: .object([("type", .string("integer"))]), required: false),
                .init("crs", title: "坐标系", description: "site 的坐标参照系（默认 CRS84）", schema: Schemas.crs, required: false),
                .init("use", title: "拟用地性质", description: "用地用海分类代码（一级或二级，如 0701 城镇住宅用地）", schema: Schemas.string),
                .init("indicators", title: "拟定规划指标", description: "far 容积率、density 建筑密度（%）、green 绿地率（%）、height 建筑限高（米）",
                      schema: .object([("type", .string("object")), ("properties", .object(["far", "density", "green", "height"].map { ($0, .object([("type", .string("number"))])) })),
                                       ("additionalProperties", .bool(false))]), required: false),
                .init("project", title: "项目名称", description: "报告抬头的项目名称", schema: Schemas.string, required: false),
                .init("applicant", title: "申请单位", description: "建设单位", schema: Schemas.string, required: false),
                .init("caseNumber", title: "案卷编号", description: "审批案卷号", schema: Schemas.string, required: false),
            ],
            outputs: [.init("report", title: "审查报告", description: "逐条规则结论、面积统计与冲突范围", schema: Schemas.object)])
    }

    public func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun {
        let request = try request(inputs, for: principal)
        _ = try review.checkedSite(request, geos: GEOSContext())
        let review = self.review
        return PreparedRun { progress in
            .object([("report", try review.run(request, for: principal, progress: progress).json)])
        }
    }

    /// The review request an execute body describes.
    public func request(_ inputs: ProcessInputs, for principal: Principal) throws -> SiteReviewRequest {
        try inputs.only(["site", "siteLayer", "siteFeatureId", "crs", "use", "indicators", "project", "applicant", "caseNumber"])
        let crs = try inputs.crs("crs")
        var site: Geometry
        var reference: String?
        var siteCRS = crs
        if let g = try inputs.geometry("site") {
            site = g
        } else if let layerID = try inputs.optionalString("siteLayer") {
            guard let fid = try inputs.integer("siteFeatureId", detail: "is required with siteLayer (an integer)") else {
                throw AnalysisError.invalidInput(input: "siteFeatureId", detail: "is required with siteLayer (an integer)")
            }
            guard let layer = try review.store.layerIfVisible(layerID, for: principal),
                  let feature = try? review.store.feature(Int64(fid), in: layerID, for: principal), let g = feature.geometry else {
                throw AnalysisError.invalidInput(input: "siteFeatureId", detail: "no feature \(fid) in layer '\(layerID)'")
            }
            site = g
            siteCRS = layer.storageCRS
            reference = "\(layerID)/\(Int64(fid))"
        } else {
            throw AnalysisError.invalidInput(input: "site", detail: "is required (or siteLayer and siteFeatureId)")
        }
        var indicators: [String: Double] = [:]
        if let v = inputs.value("indicators") {
            guard let o = v.object else { throw AnalysisError.invalidInput(input: "indicators", detail: "must be an object") }
            for (k, n) in o {
                guard let d = n.number else { throw AnalysisError.invalidInput(input: "indicators", detail: "\(k) must be a number") }
                indicators[k] = d
            }
        }
        return SiteReviewRequest(site: site, crs: siteCRS, use: try inputs.string("use"), indicators: indicators,
                                 project: try inputs.optionalString("project"), applicant: try inputs.optionalString("applicant"),
                                 caseNumber: try inputs.optionalString("caseNumber"), siteReference: reference)
    }
}

/// `control-line-conflicts` (三线冲突检查).
public struct ControlLineConflictsProcess: AnalysisProcess {
    let analysis: ControlLineConflicts

    public init(store: Store, rules: PlanningRules) { analysis = ControlLineConflicts(store: store, rules: rules) }

    public var description: ProcessDescription {
        ProcessDescription(
            id: "control-line-conflicts", title: "三线冲突检查",
            description: "检查生态保护红线、永久基本农田、城镇开发边界三条控制线之间的交叉重叠（应不交叉、不重叠、不冲突），列出每处重叠及面积；范围为全市或指定区域。",
            keywords: ["三区三线", "冲突检查", "planning"],
            inputs: [
                .init("region", title: "检查范围", description: "GeoJSON 面，或 {\"layer\",\"featureId\"}、{\"layer\",\"field\",\"value\"} 指定的街道、社区；缺省为全市",
                      schema: Schemas.region, required: false),
                .init("crs", title: "坐标系", description: "region 的坐标参照系（默认 CRS84）", schema: Schemas.crs, required: false),
            ],
            outputs: [.init("result", title: "检查结果", description: "重叠清单与按控制线组合的面积合计", schema: Schemas.object)])
    }

    public func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun {
        try inputs.only(["region", "crs"])
        let region = try inputs.region("region", crs: try inputs.crs("crs"))
        let analysis = self.analysis
        return PreparedRun { progress in .object([("result", try analysis.run(region: region, for: principal, progress: progress))]) }
    }
}

/// `plan-compare` (对比分析).
public struct PlanCompareProcess: AnalysisProcess {
    let analysis: PlanCompare

    public init(store: Store, rules: PlanningRules) { analysis = PlanCompare(store: store, rules: rules) }

    public var description: ProcessDescription {
        ProcessDescription(
            id: "plan-compare", title: "规划对比分析",
            description: "对比现行规划与规划草案：列出用地性质改变的图斑及面积，并给出按用地分类的变化矩阵（现行类别 → 草案类别的面积）。",
            keywords: ["对比分析", "规划修编", "planning"],
            inputs: [
                .init("current", title: "现行规划图层", description: "默认 planning", schema: Schemas.string, required: false),
                .init("draft", title: "规划草案图层", description: "默认 planning_draft", schema: Schemas.string, required: false),
                .init("currentField", title: "现行规划用地代码字段", description: "默认 code", schema: Schemas.string, required: false),
                .init("draftField", title: "草案用地代码字段", description: "默认 code", schema: Schemas.string, required: false),
                .init("region", title: "对比范围", description: "缺省为全部草案", schema: Schemas.region, required: false),
                .init("crs", title: "坐标系", description: "region 的坐标参照系（默认 CRS84）", schema: Schemas.crs, required: false),
            ],
            outputs: [.init("result", title: "对比结果", description: "变化图斑与变化矩阵", schema: Schemas.object)])
    }

    public func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun {
        try inputs.only(["current", "draft", "currentField", "draftField", "region", "crs"])
        let current = try inputs.optionalString("current") ?? "planning"
        let draft = try inputs.optionalString("draft") ?? "planning_draft"
        let currentField = try inputs.optionalString("currentField") ?? "code"
        let draftField = try inputs.optionalString("draftField") ?? "code"
        let region = try inputs.region("region", crs: try inputs.crs("crs"))
        for (id, input) in [(current, "current"), (draft, "draft")] {
            guard let layer = try analysis.store.layerIfVisible(id, for: principal), layer.kind == .vector, layer.geometryType?.dimension == 2 else {
                throw AnalysisError.invalidInput(input: input, detail: "no polygon layer '\(id)'")
            }
        }
        let analysis = self.analysis
        return PreparedRun { progress in
            .object([("result", try analysis.run(current: current, draft: draft, currentField: currentField, draftField: draftField, region: region,
                                                 for: principal, progress: progress))])
        }
    }
}

/// `area-statistics` (查询统计).
public struct AreaStatisticsProcess: AnalysisProcess {
    let analysis: AreaStatistics

    public init(store: Store, rules: PlanningRules) { analysis = AreaStatistics(store: store, rules: rules) }

    public var description: ProcessDescription {
        ProcessDescription(
            id: "area-statistics", title: "面积查询统计",
            description: "统计某图层在指定区域（街道、社区或绘制范围）内按分类字段的面积、占比与图斑数，面积为椭球面积（权威）和高斯-克吕格平面面积。",
            keywords: ["查询统计", "面积", "planning"],
            inputs: [
                .init("layer", title: "统计图层", description: "如 landuse、planning", schema: Schemas.string),
                .init("classField", title: "分类字段", description: "如 dlbm、code", schema: Schemas.string),
                .init("region", title: "统计范围", description: "GeoJSON 面，或 {\"layer\",\"featureId\"}、{\"layer\",\"field\",\"value\"}", schema: Schemas.region),
                .init("crs", title: "坐标系", description: "region 的坐标参照系（默认 CRS84）", schema: Schemas.crs, required: false),
            ],
            outputs: [.init("result", title: "统计结果", description: "各分类面积与占比", schema: Schemas.object)])
    }

    public func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun {
        try inputs.only(["layer", "classField", "region", "crs"])
        let layer = try inputs.string("layer"), field = try inputs.string("classField")
        guard let region = try inputs.region("region", crs: try inputs.crs("crs")) else {
            throw AnalysisError.invalidInput(input: "region", detail: "is required")
        }
        guard let stored = try analysis.store.layerIfVisible(layer, for: principal), stored.kind == .vector else {
            throw AnalysisError.invalidInput(input: "layer", detail: "no layer '\(layer)'")
        }
        guard stored.attribute(field) != nil else {
            throw AnalysisError.invalidInput(input: "classField", detail: "layer '\(layer)' has no field '\(field)'")
        }
        let analysis = self.analysis
        return PreparedRun { progress in
            .object([("result", try analysis.run(layer: layer, classField: field, region: region, for: principal, progress: progress))])
        }
    }
}
