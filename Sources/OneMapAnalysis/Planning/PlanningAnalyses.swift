import Foundation
import OneMapGeometry
import OneMapStore

/// An area to work in: a drawn polygon, or a stored feature (a street, a community, a parcel).
public enum Region: Sendable {
    case geometry(Geometry, crs: CRS)
    case feature(layer: String, id: Int64)
    /// A feature found by the value of a field (`{"layer": "streets", "field": "code", "value": "130902001"}`).
    case featureWhere(layer: String, field: String, value: String)

    /// The region as a valid lon/lat (multi)polygon, read for `reader`'s caller.
    /// - Throws: `AnalysisError.invalidInput` naming `input`.
    func resolve(_ reader: AnalysisReader, overlay: Overlay, input: String) throws -> (Geometry, String) {
        switch self {
        case .geometry(let g, let crs):
            guard g.type.dimension == 2, g.type != .geometryCollection, !g.isEmpty else {
                throw AnalysisError.invalidInput(input: input, detail: "must be a Polygon or MultiPolygon")
            }
            let lonLat = try reader.lonLat(g, from: crs)
            guard let valid = try overlay.repaired(lonLat) else { throw AnalysisError.invalidInput(input: input, detail: "has no area") }
            return (valid, "绘制范围")
        case .feature(let layerID, let id):
            guard let layer = try reader.store.layerIfVisible(layerID, for: reader.principal), layer.kind == .vector,
                  let feature = try? reader.store.feature(id, in: layerID, for: reader.principal), let g = feature.geometry else {
                throw AnalysisError.invalidInput(input: input, detail: "no feature \(id) in layer '\(layerID)'")
            }
            guard g.type.dimension == 2, let valid = try overlay.repaired(try reader.lonLat(g, from: layer.storageCRS)) else {
                throw AnalysisError.invalidInput(input: input, detail: "feature \(id) of '\(layerID)' is not an area")
            }
            return (valid, "\(layer.title) \(id)")
        case .featureWhere(let layerID, let field, let value):
            guard let layer = try reader.store.layerIfVisible(layerID, for: reader.principal), layer.kind == .vector else {
                throw AnalysisError.invalidInput(input: input, detail: "no layer '\(layerID)'")
            }
            guard layer.attribute(field) != nil else { throw AnalysisError.invalidInput(input: input, detail: "layer '\(layerID)' has no field '\(field)'") }
            var found: Feature?
            _ = try reader.store.queryFeatures(layer: layerID, FeatureQuery(filter: .compare(.property(field), .equal, .value(.text(value))), limit: 1),
                                               for: reader.principal) { row in
                found = Feature(id: row.id, geometry: try row.geometry.decode(), values: row.values)
            }
            guard let f = found, let g = f.geometry, g.type.dimension == 2,
                  let valid = try overlay.repaired(try reader.lonLat(g, from: layer.storageCRS)) else {
                throw AnalysisError.invalidInput(input: input, detail: "no area in '\(layerID)' with \(field) = '\(value)'")
            }
            return (valid, "\(layer.title) \(value)")
        }
    }
}

/// 三线冲突检查: the three control lines must not overlap one another (不交叉、不重叠、不冲突).
/// Every overlap between lines of different kinds, with its area, over the whole city or a region.
public struct ControlLineConflicts: Sendable {
    public let store: Store
    public let rules: PlanningRules

    public init(store: Store, rules: PlanningRules) {
        self.store = store
        self.rules = rules
    }

    public func run(region: Region?, for principal: Principal, progress: (Int, String) throws -> Void = { _, _ in }) throws -> JSONValue {
        let geos = GEOSContext()
        let overlay = Overlay(geos: geos, gridSize: rules.gridSize)
        let reader = AnalysisReader(store: store, principal: principal)
        let area = try region.map { try $0.resolve(reader, overlay: overlay, input: "region") }
        guard let layer = try reader.layer(rules.controlLineLayer, for: "三线冲突检查") else {
            return .object([("conflicts", .array([])), ("layersLeftOut", reader.leftOutJSON)])
        }
        var lines: [(kind: String, name: String, id: Int64, geometry: Geometry)] = []
        let features: [Feature]
        if let (g, _) = area {
            features = try reader.features(layer.id, .intersecting(g), for: "三线冲突检查")?.map(\.feature) ?? []
        } else {
            features = try store.features(in: layer.id, for: principal).map { f in
                Feature(id: f.id, geometry: try f.geometry.map { try reader.lonLat($0, from: layer.storageCRS) }, values: f.values)
            }
        }
        for f in features {
            guard let g = f.geometry, var valid = try overlay.repaired(g) else { continue }
            if let (r, _) = area { guard let inside = try overlay.intersection(valid, r) else { continue }; valid = inside }
            lines.append((f.text(rules.controlLineKindField, in: layer), f.text(rules.controlLineNameField, in: layer), f.id, valid))
        }
        try progress(20, "相交检查")
        let centre = (area?.0.boundingBox ?? layer.extent.flatMap { try? reader.lonLat(.polygon([[Coordinate($0.minX, $0.minY), Coordinate($0.maxX, $0.minY), Coordinate($0.maxX, $0.maxY), Coordinate($0.minX, $0.minY)]]), from: layer.storageCRS).boundingBox })?.center ?? Coordinate(117, 38)
        let measure = try AreaMeasure(longitude: centre.x, geos: geos)
        var conflicts: [JSONValue] = []
        var byPair: [String: AreaFigures] = [:]
        for i in lines.indices {
            try progress(20 + 75 * i / max(1, lines.count), "相交检查")
            for j in lines.indices where j > i && lines[i].kind != lines[j].kind {
                guard let piece = try overlay.intersection(lines[i].geometry, lines[j].geometry) else { continue }
                let a = try measure.measure(piece)
                guard a.ellipsoidal >= rules.minOverlapM2 else { continue }
                let pair = [lines[i].kind, lines[j].kind].sorted().joined(separator: " × ")
                byPair[pair] = (byPair[pair] ?? .zero(planeCRS: measure.planeCRS.identifier)) + a
                conflicts.append(.object([
                    ("kinds", .array([.string(lines[i].kind), .string(lines[j].kind)])),
                    ("names", .array([.string(lines[i].name), .string(lines[j].name)])),
                    ("featureIds", .array([.number(Double(lines[i].id)), .number(Double(lines[j].id))])),
                    ("area", a.json), ("geometry", GeoJSON.value(piece, precision: 8)),
                ]))
            }
        }
        try progress(100, "完成")
        return .object([
            ("region", .string(area?.1 ?? "全市")),
            ("status", .string(conflicts.isEmpty ? RuleStatus.compliant.rawValue : RuleStatus.violation.rawValue)),
            ("message", .string(conflicts.isEmpty ? "三条控制线互不重叠" : "发现 \(conflicts.count) 处控制线重叠，须协调")),
            ("conflicts", .array(conflicts)),
            ("totals", .array(byPair.sorted { $0.key < $1.key }.map { .object([("kinds", .string($0.key)), ("area", $0.value.json)]) })),
            ("layersLeftOut", reader.leftOutJSON),
        ])
    }
}

/// 对比分析: a current plan against a draft. Where the class changed, the pieces and their
/// areas; and the change matrix (area from each current class to each draft class).
public struct PlanCompare: Sendable {
    public let store: Store
    public let rules: PlanningRules

    public init(store: Store, rules: PlanningRules) {
        self.store = store
        self.rules = rules
    }

    public func run(current: String, draft: String, currentField: String, draftField: String, region: Region?, for principal: Principal,
                    progress: (Int, String) throws -> Void = { _, _ in }) throws -> JSONValue {
        let geos = GEOSContext()
        let overlay = Overlay(geos: geos, gridSize: rules.gridSize)
        let reader = AnalysisReader(store: store, principal: principal)
        let area = try region.map { try $0.resolve(reader, overlay: overlay, input: "region") }
        guard let currentLayer = try reader.layer(current, for: "现行规划"), let draftLayer = try reader.layer(draft, for: "规划草案") else {
            throw AnalysisError.invalidInput(input: reader.leftOut.first?.layer == current ? "current" : "draft",
                                             detail: "no layer '\(reader.leftOut.first?.layer ?? draft)'")
        }
        for (layer, field, input) in [(currentLayer, currentField, "currentField"), (draftLayer, draftField, "draftField")] where layer.attribute(field) == nil {
            throw AnalysisError.invalidInput(input: input, detail: "layer '\(layer.id)' has no field '\(field)'")
        }
        let drafts: [Feature]
        if let (g, _) = area {
            drafts = try reader.features(draft, .intersecting(g), for: "规划草案")?.map(\.feature) ?? []
        } else {
            drafts = try store.features(in: draft, for: principal).map { f in
                Feature(id: f.id, geometry: try f.geometry.map { try reader.lonLat($0, from: draftLayer.storageCRS) }, values: f.values)
            }
        }
        var measure: AreaMeasure?
        var matrix: [String: [String: AreaFigures]] = [:]
        var changed: [JSONValue] = []
        var changedArea: AreaFigures?
        for (n, d) in drafts.enumerated() {
            try progress(5 + 90 * n / max(1, drafts.count), "对比")
            guard let g = d.geometry, var dg = try overlay.repaired(g) else { continue }
            if let (r, _) = area { guard let inside = try overlay.intersection(dg, r) else { continue }; dg = inside }
            if measure == nil { measure = try AreaMeasure(longitude: dg.boundingBox!.center.x, geos: geos) }
            let to = d.text(draftField, in: draftLayer)
            for m in try reader.features(current, .intersecting(dg), for: "现行规划") ?? [] {
                guard let cg = m.feature.geometry, let piece = try overlay.storedIntersection(dg, cg) else { continue }
                let a = try measure!.measure(piece)
                guard a.ellipsoidal >= rules.minOverlapM2 else { continue }
                let from = m.feature.text(currentField, in: currentLayer)
                matrix[from, default: [:]][to] = (matrix[from]?[to] ?? .zero(planeCRS: a.planeCRS)) + a
                guard from != to else { continue }
                changedArea = (changedArea ?? .zero(planeCRS: a.planeCRS)) + a
                changed.append(.object([
                    ("draftId", .number(Double(d.id))), ("currentId", .number(Double(m.feature.id))),
                    ("from", .object([("code", .string(from)), ("name", .string(rules.className(from)))])),
                    ("to", .object([("code", .string(to)), ("name", .string(rules.className(to)))])),
                    ("area", a.json), ("geometry", GeoJSON.value(piece, precision: 8)),
                ]))
            }
        }
        try progress(100, "完成")
        let classes = Array(Set(matrix.keys).union(matrix.values.flatMap(\.keys))).sorted()
        return .object([
            ("current", .string(current)), ("draft", .string(draft)), ("region", .string(area?.1 ?? "全市")),
            ("changedParcels", .array(changed)),
            ("changedArea", (changedArea ?? .zero(planeCRS: measure?.planeCRS.identifier ?? "")).json),
            ("classes", .array(classes.map { .object([("code", .string($0)), ("name", .string(rules.className($0)))]) })),
            ("matrix", .array(matrix.sorted { $0.key < $1.key }.flatMap { from, row in
                row.sorted { $0.key < $1.key }.map { to, a in
                    JSONValue.object([("from", .string(from)), ("to", .string(to)), ("area", a.json)])
                }
            })),
            ("layersLeftOut", reader.leftOutJSON),
        ])
    }
}

/// 查询统计: the area of a layer's features inside a region, by the values of a class field.
public struct AreaStatistics: Sendable {
    public let store: Store
    public let rules: PlanningRules

    public init(store: Store, rules: PlanningRules) {
        self.store = store
        self.rules = rules
    }

    public func run(layer layerID: String, classField: String, region: Region, for principal: Principal,
                    progress: (Int, String) throws -> Void = { _, _ in }) throws -> JSONValue {
        let geos = GEOSContext()
        let overlay = Overlay(geos: geos, gridSize: rules.gridSize)
        let reader = AnalysisReader(store: store, principal: principal)
        let (area, regionName) = try region.resolve(reader, overlay: overlay, input: "region")
        guard let layer = try reader.layer(layerID, for: "查询统计"), layer.kind == .vector else {
            throw AnalysisError.invalidInput(input: "layer", detail: "no layer '\(layerID)'")
        }
        guard layer.attribute(classField) != nil else {
            throw AnalysisError.invalidInput(input: "classField", detail: "layer '\(layerID)' has no field '\(classField)' (its fields: \(layer.attributes.map(\.name).joined(separator: ", ")))")
        }
        guard layer.geometryType?.dimension == 2 else { throw AnalysisError.invalidInput(input: "layer", detail: "'\(layerID)' holds no areas") }
        let measure = try AreaMeasure(longitude: area.boundingBox!.center.x, geos: geos)
        let regionArea = try measure.measure(area)
        var byClass: [String: (area: AreaFigures, count: Int)] = [:]
        let features = try reader.features(layerID, .intersecting(area), for: "查询统计") ?? []
        for (n, m) in features.enumerated() {
            try progress(5 + 90 * n / max(1, features.count), "统计")
            guard let g = m.feature.geometry, let piece = try overlay.storedIntersection(area, g) else { continue }
            let a = try measure.measure(piece)
            let key = m.feature.text(classField, in: layer)
            byClass[key] = ((byClass[key]?.area ?? .zero(planeCRS: a.planeCRS)) + a, (byClass[key]?.count ?? 0) + 1)
        }
        let codes = layer.attribute(classField)?.codes ?? [:]
        try progress(100, "完成")
        return .object([
            ("layer", .string(layerID)), ("classField", .string(classField)), ("region", .string(regionName)), ("regionArea", regionArea.json),
            ("classes", .array(byClass.sorted { $0.value.area.ellipsoidal > $1.value.area.ellipsoidal }.map { key, v in
                .object([("value", .string(key)), ("name", .string(codes[key] ?? rules.classes[key] ?? "")), ("features", .number(Double(v.count))),
                         ("area", v.area.json), ("share", .number(AreaFigures.round(regionArea.ellipsoidal > 0 ? v.area.ellipsoidal / regionArea.ellipsoidal : 0, 6)))])
            })),
            ("layersLeftOut", reader.leftOutJSON),
        ])
    }
}
