import Foundation

/// A rule's verdict, as reviewers read it.
public enum RuleStatus: String, Sendable, Comparable, CaseIterable {
    case compliant
    case warning
    case violation

    var rank: Int {
        switch self {
        case .compliant: 0
        case .warning: 1
        case .violation: 2
        }
    }

    public static func < (a: RuleStatus, b: RuleStatus) -> Bool { a.rank < b.rank }

    /// 合规 / 提示 / 违规, for reports.
    public var chinese: String {
        switch self {
        case .compliant: "合规"
        case .warning: "提示"
        case .violation: "违规"
        }
    }
}

/// The planning-review rules of one city, read from `Layers/rules/planning-review.json` (see the
/// README beside it): which overlaps are violations, which proposed uses fit which planned
/// classes, the protection distances, the limits on a site.
public struct PlanningRules: Sendable {
    public struct ControlLine: Sendable {
        public var kind: String
        public var rule: String
        /// The verdict when the site overlaps the line (nil: overlapping is fine).
        public var overlap: RuleStatus?
        /// Proposed uses (code prefixes) that may overlap it.
        public var allowedUses: [String]
        /// The verdict when the site lies (partly) outside the line (the urban development boundary).
        public var outside: RuleStatus?
        public var appliesToConstructionUses: Bool
        public var message: String
    }

    public struct Indicator: Sendable {
        public var key: String
        public var field: String
        /// "max": the proposed value may not exceed the planned one; "min": may not fall below it.
        public var isMaximum: Bool
        public var title: String
    }

    public struct Compatibility: Sendable {
        public var use: String
        public var compatible: [String]
        public var conditional: [String]
    }

    public struct Sensitive: Sendable {
        public var rule: String
        public var layer: String
        public var nameField: String
        public var distance: Double
        public var uses: [String]
        public var status: RuleStatus
        public var message: String
    }

    public struct ProtectionZone: Sendable {
        public var rule: String
        public var layer: String
        public var nameField: String
        public var uses: [String]
        public var status: RuleStatus
        public var message: String
    }

    public struct Administrative: Sendable {
        public var layer: String
        public var codeField: String
        public var nameField: String
        public var title: String
    }

    public var path: String
    public var city: String
    public var classificationName: String
    /// 用地用海 codes (first and second level) with their names.
    public var classes: [String: String]
    public var constructionUses: [String]

    public var controlLineLayer: String
    public var controlLineKindField: String
    public var controlLineNameField: String
    public var minOverlapM2: Double
    public var controlLines: [ControlLine]

    public var plannedLayer: String
    public var plannedCodeField: String
    public var plannedNameField: String
    public var plannedRule: String
    public var minShare: Double
    public var otherwise: RuleStatus
    public var compatibility: [Compatibility]
    public var indicatorRule: String
    public var indicators: [Indicator]

    public var landStatusLayer: String
    public var landStatusCodeField: String
    public var landStatusNameField: String
    public var landStatusRule: String
    public var farmland: [String]
    public var farmlandStatus: RuleStatus
    public var farmlandMessage: String
    public var landStatusClasses: [String: String]

    public var administrative: [Administrative]
    public var sensitive: [Sensitive]
    public var protectionZones: [ProtectionZone]
    public var maxVertices: Int
    public var maxAreaKm2: Double
    /// The snap grid of overlays, in degrees.
    public var gridSize: Double

    /// The rules file of a layers directory.
    public static func file(in layersDirectory: String) -> String {
        (layersDirectory as NSString).appendingPathComponent("rules/planning-review.json")
    }

    /// Loads and checks a rules file.
    /// - Throws: `AnalysisError.invalidRules` listing every problem with its JSON path.
    public static func load(path: String) throws -> PlanningRules {
        let file = try RuleFile(path: path)
        let top = try file.top()
        func status(_ text: String?, _ node: RuleFile.Node, _ key: String) -> RuleStatus? {
            guard let text else { return nil }
            guard let s = RuleStatus(rawValue: text) else { node.problem("must be compliant, warning or violation, not '\(text)'", key: key); return nil }
            return s
        }
        let classification = top.object("classification")
        let classes = classification?.table("classes") ?? [:]
        var rules = PlanningRules(
            path: path, city: top.string("city") ?? "", classificationName: classification?.string("name") ?? "", classes: classes,
            constructionUses: top.strings("constructionUses", required: true),
            controlLineLayer: "", controlLineKindField: "", controlLineNameField: "", minOverlapM2: 1, controlLines: [],
            plannedLayer: "", plannedCodeField: "", plannedNameField: "", plannedRule: "", minShare: 0, otherwise: .violation,
            compatibility: [], indicatorRule: "", indicators: [],
            landStatusLayer: "", landStatusCodeField: "", landStatusNameField: "", landStatusRule: "", farmland: [], farmlandStatus: .warning,
            farmlandMessage: "", landStatusClasses: [:], administrative: [], sensitive: [], protectionZones: [],
            maxVertices: 20_000, maxAreaKm2: 25, gridSize: 1e-9)
        if let c = top.object("controlLines") {
            rules.controlLineLayer = c.string("layer") ?? ""
            rules.controlLineKindField = c.string("kindField") ?? ""
            rules.controlLineNameField = c.string("nameField") ?? ""
            rules.minOverlapM2 = c.optionalNumber("minOverlapM2") ?? 1
            rules.controlLines = c.objects("lines").map { n in
                ControlLine(kind: n.string("kind") ?? "", rule: n.string("rule") ?? "", overlap: status(n.optionalString("overlap"), n, "overlap"),
                            allowedUses: n.strings("allowedUses"), outside: status(n.optionalString("outside"), n, "outside"),
                            appliesToConstructionUses: n.optionalBool("appliesToConstructionUses") ?? false, message: n.string("message") ?? "")
            }
        }
        if let p = top.object("plannedLandUse") {
            rules.plannedLayer = p.string("layer") ?? ""
            rules.plannedCodeField = p.string("codeField") ?? ""
            rules.plannedNameField = p.string("nameField") ?? ""
            rules.plannedRule = p.string("rule") ?? ""
            rules.minShare = p.optionalNumber("minShare") ?? 0
            rules.otherwise = status(p.string("otherwise"), p, "otherwise") ?? .violation
            rules.compatibility = p.objects("compatibility").map { n in
                Compatibility(use: n.string("use") ?? "", compatible: n.strings("compatible", required: true), conditional: n.strings("conditional"))
            }
            if let i = p.object("indicators") {
                rules.indicatorRule = i.string("rule") ?? ""
                for key in ["far", "density", "green", "height"] {
                    guard let n = i.object(key, required: false) else { continue }
                    let limit = n.string("limit") ?? "max"
                    if limit != "max" && limit != "min" { n.problem("must be max or min", key: "limit") }
                    rules.indicators.append(Indicator(key: key, field: n.string("field") ?? "", isMaximum: limit == "max", title: n.string("title") ?? key))
                }
            }
        }
        if let l = top.object("landStatus") {
            rules.landStatusLayer = l.string("layer") ?? ""
            rules.landStatusCodeField = l.string("codeField") ?? ""
            rules.landStatusNameField = l.string("nameField") ?? ""
            rules.landStatusRule = l.string("rule") ?? ""
            rules.farmland = l.strings("farmland", required: true)
            rules.farmlandStatus = status(l.string("farmlandStatus"), l, "farmlandStatus") ?? .warning
            rules.farmlandMessage = l.string("message") ?? ""
            rules.landStatusClasses = l.table("classes")
        }
        rules.administrative = top.objects("administrative").map { n in
            Administrative(layer: n.string("layer") ?? "", codeField: n.string("codeField") ?? "", nameField: n.string("nameField") ?? "",
                           title: n.string("title") ?? "")
        }
        rules.sensitive = top.objects("sensitive", required: false).map { n in
            let distance = n.number("distance") ?? 0
            if !(distance > 0 && distance <= 50_000) { n.problem("must be 0–50000 metres", key: "distance") }
            return Sensitive(rule: n.string("rule") ?? "", layer: n.string("layer") ?? "", nameField: n.string("nameField") ?? "", distance: distance,
                             uses: n.strings("uses", required: true), status: status(n.string("status"), n, "status") ?? .warning,
                             message: n.string("message") ?? "")
        }
        rules.protectionZones = top.objects("protectionZones", required: false).map { n in
            ProtectionZone(rule: n.string("rule") ?? "", layer: n.string("layer") ?? "", nameField: n.string("nameField") ?? "",
                           uses: n.strings("uses", required: true), status: status(n.string("status"), n, "status") ?? .violation,
                           message: n.string("message") ?? "")
        }
        if let limits = top.object("limits") {
            let vertices = limits.number("maxVertices") ?? 20_000
            if !(vertices >= 4 && vertices <= 100_000_000) { limits.problem("must be 4 to 100,000,000", key: "maxVertices") }
            rules.maxVertices = vertices >= 4 && vertices <= 100_000_000 ? Int(vertices) : 20_000
            rules.maxAreaKm2 = limits.number("maxAreaKm2") ?? 25
        }
        rules.gridSize = top.optionalNumber("gridSize") ?? 1e-9
        // Every use code the rules name must be a class of the classification.
        for c in rules.compatibility {
            for code in [c.use] + c.compatible + c.conditional where rules.classes[code] == nil {
                top.problem("compatibility names '\(code)', which is not a class of \(rules.classificationName)")
            }
        }
        try file.finish()
        return rules
    }

    /// Whether `use` (a class code) falls under one of `prefixes`.
    static func matches(_ use: String, _ prefixes: [String]) -> Bool { prefixes.contains { use.hasPrefix($0) } }

    public func isConstruction(_ use: String) -> Bool { Self.matches(use, constructionUses) }

    /// The name of a class code (second level, else its first level).
    public func className(_ code: String) -> String { classes[code] ?? classes[String(code.prefix(2))] ?? code }

    /// How a proposed use fits a planned class: the longest matching `use` entry decides.
    public func compatibility(of use: String, with planned: String) -> RuleStatus {
        let entry = compatibility.filter { use.hasPrefix($0.use) }.max { $0.use.count < $1.use.count }
        guard let entry else { return String(use.prefix(2)) == String(planned.prefix(2)) ? .compliant : otherwise }
        if Self.matches(planned, entry.compatible) { return .compliant }
        if Self.matches(planned, entry.conditional) { return .warning }
        return otherwise
    }
}
