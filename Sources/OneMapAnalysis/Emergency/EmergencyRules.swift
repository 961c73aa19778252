import Foundation

/// The emergency rules of one city (`Layers/rules/emergency.json`): incident categories
/// (GB/T 35561), levels and statuses, who commands and who reports positions, the facility and
/// population layers, road speeds, resource layers, and the limits of every analysis.
public struct EmergencyRules: Sendable {
    public struct Category: Sendable, Hashable {
        public var code: String
        public var name: String
        public var subtypes: [String]
    }

    /// A point layer of facilities reported in rings, floods and resources.
    public struct FacilityLayer: Sendable, Hashable {
        public var layer: String
        public var title: String
        public var nameField: String
    }

    public struct Roads: Sendable {
        public var layer: String
        public var classField: String
        public var nameField: String
        /// A field holding 1 (one way, in the line's direction), -1 (against it) or 0/empty.
        public var onewayField: String?
        public var speedsKmh: [String: Double]
        public var defaultSpeedKmh: Double
        /// Points farther than this from every road are off the network.
        public var snapMaxMetres: Double
    }

    public var city: String
    public var commandRoles: Set<String>
    public var unitRoles: Set<String>
    public var categories: [Category]
    /// `I`…`IV` → name.
    public var levels: [(code: String, name: String)]
    public var statuses: [(code: String, name: String)]
    public var openStatuses: [String]
    public var facilities: [FacilityLayer]
    public var populationLayer: String
    public var populationField: String
    public var populationNameField: String
    public var defaultRadii: [Double]
    public var maxRadius: Double
    public var maxRings: Int
    public var roads: Roads
    /// `fire`, `hospital`, `shelter` → the layer.
    public var resources: [(kind: String, layer: FacilityLayer)]
    public var serviceAreaMinutes: [Double]
    public var maxServiceMinutes: Double
    public var serviceAreaBufferMetres: Double
    public var elevationLayer: String
    public var maxProfileSamples: Int
    public var floodLayer: String
    public var maxFloodCells: Int
    public var maxLevelAboveHighest: Double
    public var shelterLayer: FacilityLayer
    public var shelterCapacityField: String
    public var walkMetres: Double
    public var replayMinutes: Int
    public var maxPositionsPerRequest: Int
    public var maxPositionsPerSecondPerToken: Double
    public var unitKinds: [String: String]

    public static func file(in layersDirectory: String) -> String {
        (layersDirectory as NSString).appendingPathComponent("rules/emergency.json")
    }

    /// - Throws: `AnalysisError.invalidRules` with every problem at once.
    public static func load(path: String) throws -> EmergencyRules {
        let file = try RuleFile(path: path)
        let top = try file.top()
        func facility(_ node: RuleFile.Node) -> FacilityLayer {
            FacilityLayer(layer: node.string("layer") ?? "", title: node.string("title") ?? "", nameField: node.string("nameField") ?? "name")
        }
        func positive(_ node: RuleFile.Node?, _ key: String) -> Double {
            guard let v = node?.number(key) else { return 1 }
            if !(v > 0) { node?.problem("must be greater than 0", key: key) }
            return v
        }
        let city = top.string("city") ?? ""
        let roles = top.object("roles")
        let categories = top.objects("categories").map { Category(code: $0.string("code") ?? "", name: $0.string("name") ?? "", subtypes: $0.strings("subtypes", required: true)) }
        if categories.isEmpty { top.problem("needs at least one category", key: "categories") }
        var levels: [(String, String)] = []
        if let node = top.object("levels") {
            for code in ["I", "II", "III", "IV"] {
                if let name = node.string(code) { levels.append((code, name)) }
            }
        }
        var statuses: [(String, String)] = []
        if let node = top.object("statuses") {
            for code in node.keys { if let name = node.string(code) { statuses.append((code, name)) } }
        }
        let openStatuses = top.strings("openStatuses", required: true)
        for s in openStatuses where !statuses.contains(where: { $0.0 == s }) { top.problem("'\(s)' is not one of statuses", key: "openStatuses") }
        let population = top.object("population")
        let rings = top.object("rings")
        let roadsNode = top.object("roads")
        var speeds: [String: Double] = [:]
        if let s = roadsNode?.object("speedsKmh") {
            for k in s.keys { let v = positive(s, k); speeds[k] = v }
        }
        let roads = Roads(layer: roadsNode?.string("layer") ?? "", classField: roadsNode?.string("classField") ?? "",
                          nameField: roadsNode?.string("nameField") ?? "name", onewayField: roadsNode?.optionalString("onewayField"),
                          speedsKmh: speeds, defaultSpeedKmh: positive(roadsNode, "defaultSpeedKmh"), snapMaxMetres: positive(roadsNode, "snapMaxMetres"))
        var resources: [(String, FacilityLayer)] = []
        if let node = top.object("resources") {
            for kind in node.keys { if let r = node.object(kind) { resources.append((kind, facility(r))) } }
        }
        let service = top.object("serviceArea")
        let elevation = top.object("elevation")
        let flood = top.object("flood")
        let shelter = top.object("shelterAllocation")
        let live = top.object("live")
        let radii = rings?.objectNumbers("defaultRadii") ?? []
        let minutes = service?.objectNumbers("defaultMinutes") ?? []
        let rules = EmergencyRules(
            city: city, commandRoles: Set(roles?.strings("command", required: true) ?? []), unitRoles: Set(roles?.strings("units", required: true) ?? []),
            categories: categories, levels: levels, statuses: statuses, openStatuses: openStatuses,
            facilities: top.objects("facilities").map(facility), populationLayer: population?.string("layer") ?? "",
            populationField: population?.string("field") ?? "", populationNameField: population?.string("nameField") ?? "name",
            defaultRadii: radii, maxRadius: positive(rings, "maxRadius"), maxRings: Int(positive(rings, "maxRings")), roads: roads,
            resources: resources, serviceAreaMinutes: minutes, maxServiceMinutes: positive(service, "maxMinutes"),
            serviceAreaBufferMetres: positive(service, "roadBufferMetres"), elevationLayer: elevation?.string("layer") ?? "",
            maxProfileSamples: Int(positive(elevation, "maxProfileSamples")), floodLayer: flood?.string("layer") ?? "",
            maxFloodCells: Int(positive(flood, "maxCells")), maxLevelAboveHighest: positive(flood, "maxLevelAboveHighest"),
            shelterLayer: FacilityLayer(layer: shelter?.string("layer") ?? "", title: "应急避难场所", nameField: shelter?.string("nameField") ?? "name"),
            shelterCapacityField: shelter?.string("capacityField") ?? "", walkMetres: positive(shelter, "walkMetres"),
            replayMinutes: Int(positive(live, "replayMinutes")), maxPositionsPerRequest: Int(positive(live, "maxPositionsPerRequest")),
            maxPositionsPerSecondPerToken: positive(live, "maxPositionsPerSecondPerToken"), unitKinds: live?.table("unitKinds") ?? [:])
        try file.finish()
        return rules
    }

    public func category(_ code: String) -> Category? { categories.first { $0.code == code } }
    public func levelName(_ code: String) -> String? { levels.first { $0.code == code }?.name }
    public func statusName(_ code: String) -> String? { statuses.first { $0.code == code }?.name }

    /// Metres per minute on a road of `roadClass`.
    public func metresPerMinute(_ roadClass: String?) -> Double {
        (roadClass.flatMap { roads.speedsKmh[$0] } ?? roads.defaultSpeedKmh) * 1000 / 60
    }
}

extension RuleFile.Node {
    /// A list of positive numbers.
    func objectNumbers(_ key: String) -> [Double] {
        guard let v = member(key) else { problem("is missing", key: key); return [] }
        guard let a = v.array, a.allSatisfy({ ($0.number ?? 0) > 0 }), !a.isEmpty else { problem("must be a list of positive numbers", key: key); return [] }
        return a.compactMap(\.number)
    }
}
