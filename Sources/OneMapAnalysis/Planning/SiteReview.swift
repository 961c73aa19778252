import Foundation
import OneMapGeometry
import OneMapStore

/// What a planner submits for review: the site (红线), the proposed use, optional planned
/// indicators and the case data that head the report.
public struct SiteReviewRequest: Sendable {
    /// The site, in `crs`.
    public var site: Geometry
    public var crs: CRS
    /// A 用地用海 class code (first or second level).
    public var use: String
    /// Proposed indicators by key: `far` (容积率), `density` (建筑密度 %), `green` (绿地率 %), `height` (限高 m).
    public var indicators: [String: Double]
    public var project: String?
    public var applicant: String?
    public var caseNumber: String?
    /// Where the site came from, when it is a stored feature (`layer/fid`).
    public var siteReference: String?

    public init(site: Geometry, crs: CRS = .crs84, use: String, indicators: [String: Double] = [:], project: String? = nil,
                applicant: String? = nil, caseNumber: String? = nil, siteReference: String? = nil) {
        self.site = site
        self.crs = crs
        self.use = use
        self.indicators = indicators
        self.project = project
        self.applicant = applicant
        self.caseNumber = caseNumber
        self.siteReference = siteReference
    }
}

/// The review of one site: every rule's verdict and the figures behind it. `json` is the
/// process output; the HTML page and the PDF are drawn from the same value.
public struct SiteReviewReport: Sendable {
    public struct RuleResult: Sendable {
        public var rule: String
        public var status: RuleStatus
        public var message: String
        public var details: JSONValue
        /// The parts of the site at fault (lon/lat), for the map.
        public var conflict: Geometry?
    }

    /// An area of the site that belongs to some class, line or unit.
    public struct Share: Sendable {
        public var code: String
        public var name: String
        public var area: AreaFigures
        /// Of the site's ellipsoidal area, 0–1.
        public var share: Double
        public var geometry: Geometry?
        /// Planned classes: how the proposed use fits.
        public var fit: RuleStatus?
    }

    public struct Facility: Sendable {
        public var rule: String
        public var layer: String
        public var name: String
        public var distance: Double
        public var location: Coordinate
    }

    public var city: String
    public var project: String?
    public var applicant: String?
    public var caseNumber: String?
    public var siteReference: String?
    public var generated: String
    public var reviewer: String
    /// The site as reviewed (repaired when it had to be), lon/lat.
    public var site: Geometry
    public var siteArea: AreaFigures
    /// Why the site was repaired, when it was.
    public var repaired: String?
    public var use: String
    public var useName: String
    public var isConstruction: Bool
    public var indicators: [String: Double]
    public var status: RuleStatus
    public var rules: [RuleResult]
    public var controlLines: [Share]
    public var plannedClasses: [Share]
    public var landStatus: [Share]
    public var farmland: AreaFigures
    public var administrative: [(title: String, units: [Share])]
    public var facilities: [Facility]
    public var leftOut: [(layer: String, purposes: [String])]
    public var dataVersions: [String: Int]

    /// The report as the process returns it.
    public var json: JSONValue {
        func share(_ s: Share, geometry: Bool) -> JSONValue {
            var fields: [(String, JSONValue)] = [("code", .string(s.code)), ("name", .string(s.name)), ("area", s.area.json),
                                                 ("share", .number(AreaFigures.round(s.share, 6)))]
            if let fit = s.fit { fields.append(("fit", .string(fit.rawValue))) }
            if geometry, let g = s.geometry { fields.append(("geometry", GeoJSON.value(g, precision: 8))) }
            return .object(fields)
        }
        var project: [(String, JSONValue)] = []
        if let p = self.project { project.append(("name", .string(p))) }
        if let a = applicant { project.append(("applicant", .string(a))) }
        if let c = caseNumber { project.append(("caseNumber", .string(c))) }
        if let r = siteReference { project.append(("siteReference", .string(r))) }
        let siteJSON: JSONValue = .object([
            ("geometry", GeoJSON.value(site, precision: 8)), ("crs", .string(CRS.crs84.uri)), ("area", siteArea.json),
            ("repaired", repaired.map { .string($0) } ?? .null),
        ])
        let useJSON: JSONValue = .object([("code", .string(use)), ("name", .string(useName)), ("construction", .bool(isConstruction))])
        let indicatorsJSON: JSONValue = .object(indicators.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.number($0.value)) })
        let rulesJSON: [JSONValue] = rules.map { r in
            var fields: [(String, JSONValue)] = [("rule", .string(r.rule)), ("status", .string(r.status.rawValue)), ("message", .string(r.message)),
                                                 ("details", r.details)]
            if let g = r.conflict { fields.append(("conflict", GeoJSON.value(g, precision: 8))) }
            return .object(fields)
        }
        let administrativeJSON: [JSONValue] = administrative.map { a in
            .object([("title", .string(a.title)), ("units", .array(a.units.map { share($0, geometry: false) }))])
        }
        let facilitiesJSON: [JSONValue] = facilities.map { f in
            .object([("rule", .string(f.rule)), ("layer", .string(f.layer)), ("name", .string(f.name)),
                     ("distance", .number(AreaFigures.round(f.distance, 1))), ("location", .numbers([f.location.x, f.location.y]))])
        }
        let leftOutJSON: [JSONValue] = leftOut.map { l in
            .object([("layer", .string(l.layer)), ("purposes", .array(l.purposes.map { .string($0) })), ("reason", .string("not available to the caller"))])
        }
        let versionsJSON: JSONValue = .object(dataVersions.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.number(Double($0.value))) })
        var fields: [(String, JSONValue)] = [
            ("title", .string("建设项目选址合规性审查报告")), ("city", .string(city)), ("project", .object(project)),
            ("generated", .string(generated)), ("reviewer", .string(reviewer)), ("status", .string(status.rawValue)),
            ("site", siteJSON), ("proposedUse", useJSON), ("indicators", indicatorsJSON), ("rules", .array(rulesJSON)),
        ]
        fields.append(("controlLines", .array(controlLines.map { share($0, geometry: true) })))
        fields.append(("plannedClasses", .array(plannedClasses.map { share($0, geometry: false) })))
        fields.append(("landStatus", .array(landStatus.map { share($0, geometry: false) })))
        fields.append(("farmland", farmland.json))
        fields.append(("administrative", .array(administrativeJSON)))
        fields.append(("sensitiveFacilities", .array(facilitiesJSON)))
        fields.append(("layersLeftOut", .array(leftOutJSON)))
        fields.append(("dataVersions", versionsJSON))
        return .object(fields)
    }
}

/// 选址合规性审查: a site against the three control lines, the planned land use, the current land
/// use (耕地), protection zones and sensitive facilities, by the city's rules file. Every read goes
/// through the caller's access check; rules whose layers the caller may not see say so.
public struct SiteReview: Sendable {
    public let store: Store
    public let rules: PlanningRules

    public init(store: Store, rules: PlanningRules) {
        self.store = store
        self.rules = rules
    }

    /// Checks a request before any work: the geometry (polygonal, within the limits), the CRS and
    /// the use code.
    /// - Returns: the site as a valid lon/lat (multi)polygon and why it was repaired, if it was.
    /// - Throws: `AnalysisError.invalidInput`.
    public func checkedSite(_ request: SiteReviewRequest, geos: GEOSContext) throws -> (Geometry, String?) {
        guard rules.classes[request.use] != nil else {
            throw AnalysisError.invalidInput(input: "use", detail: "'\(request.use)' is not a class of \(rules.classificationName) (e.g. 0701 城镇住宅用地, 09 商业服务业用地)")
        }
        for key in request.indicators.keys where !["far", "density", "green", "height"].contains(key) {
            throw AnalysisError.invalidInput(input: "indicators", detail: "unknown indicator '\(key)' (far, density, green, height)")
        }
        for (key, value) in request.indicators where !(value.isFinite && value >= 0 && value <= (key == "height" ? 1000 : key == "far" ? 50 : 100)) {
            throw AnalysisError.invalidInput(input: "indicators", detail: "\(key) = \(value) is out of range")
        }
        guard request.site.type.dimension == 2, request.site.type != .geometryCollection else {
            throw AnalysisError.invalidInput(input: "site", detail: "must be a Polygon or MultiPolygon, not \(request.site.type.name)")
        }
        guard !request.site.isEmpty else { throw AnalysisError.invalidInput(input: "site", detail: "is empty") }
        guard request.site.coordinateCount <= rules.maxVertices else {
            throw AnalysisError.invalidInput(input: "site", detail: "has \(request.site.coordinateCount) vertices; at most \(rules.maxVertices)")
        }
        var site = request.site
        if request.crs != .cgcs2000 {
            do { site = try CoordinateTransform(from: request.crs, to: .cgcs2000).apply(site) } catch {
                throw AnalysisError.invalidInput(input: "site", detail: "cannot be moved from \(request.crs) to CGCS2000: \(error)")
            }
        }
        var outside = false
        site.forEachCoordinate { c in if !(abs(c.x) <= 180 && abs(c.y) <= 90 && c.x.isFinite && c.y.isFinite) { outside = true } }
        if outside { throw AnalysisError.invalidInput(input: "site", detail: "has coordinates outside longitude ±180 / latitude ±90 in \(request.crs); is the CRS right?") }
        let overlay = Overlay(geos: geos, gridSize: rules.gridSize)
        var repaired: String?
        if try !geos.isValid(site) {
            repaired = try geos.validityReason(site)
        }
        guard let valid = try overlay.repaired(site) else {
            throw AnalysisError.invalidInput(input: "site", detail: "has no area\(repaired.map { " (\($0))" } ?? "")")
        }
        let area = Geodesic.cgcs2000.area(valid)
        guard area > 0 else { throw AnalysisError.invalidInput(input: "site", detail: "has no area") }
        guard area <= rules.maxAreaKm2 * 1e6 else {
            throw AnalysisError.invalidInput(input: "site", detail: String(format: "covers %.2f km²; at most %.0f km²", area / 1e6, rules.maxAreaKm2))
        }
        return (valid, repaired)
    }

    /// Runs the review.
    /// - Parameter progress: (percent, step) as the review goes.
    public func run(_ request: SiteReviewRequest, for principal: Principal,
                    progress: (Int, String) throws -> Void = { _, _ in }) throws -> SiteReviewReport {
        let geos = GEOSContext()
        let (site, repaired) = try checkedSite(request, geos: geos)
        let overlay = Overlay(geos: geos, gridSize: rules.gridSize)
        let reader = AnalysisReader(store: store, principal: principal)
        let centre = site.boundingBox!.center
        let measure = try AreaMeasure(longitude: centre.x, geos: geos)
        let siteArea = try measure.measure(site)
        let use = request.use
        let construction = rules.isConstruction(use)
        var results: [SiteReviewReport.RuleResult] = []
        func share(_ area: AreaFigures) -> Double { siteArea.ellipsoidal > 0 ? area.ellipsoidal / siteArea.ellipsoidal : 0 }
        let clipper = try overlay.clipper(site)
        func pieces(_ features: [SpatialMatch]) throws -> [(Feature, Geometry)] {
            try features.compactMap { m in
                guard let g = m.feature.geometry, let piece = try clipper.clip(g) else { return nil }
                return (m.feature, piece)
            }
        }
        /// The pieces of one class together: parcels of one layer do not overlap, so their areas add
        /// up and the pieces stay as they are (no dissolve needed).
        func gather(_ parts: [Geometry]) -> Geometry? {
            var polygons: [[[Coordinate]]] = []
            for p in parts {
                switch p {
                case .polygon(let rings): polygons.append(rings)
                case .multiPolygon(let ps): polygons += ps
                default: break
                }
            }
            return polygons.isEmpty ? nil : polygons.count == 1 ? .polygon(polygons[0]) : .multiPolygon(polygons)
        }

        // 1. 三线协调: the three control lines.
        try progress(10, "三区三线")
        var lineShares: [SiteReviewReport.Share] = []
        let lineRules = rules.controlLines.map(\.rule)
        if let lineLayer = try reader.layer(rules.controlLineLayer, for: lineRules.joined(separator: "、")),
           let features = try reader.candidates(rules.controlLineLayer, meeting: site, for: lineRules.joined(separator: "、")) {
            var byKind: [String: [Geometry]] = [:]
            var names: [String: [String]] = [:]
            for (f, piece) in try pieces(features) {
                let kind = f.text(rules.controlLineKindField, in: lineLayer)
                byKind[kind, default: []].append(piece)
                let name = f.text(rules.controlLineNameField, in: lineLayer)
                if !name.isEmpty && !(names[kind]?.contains(name) ?? false) { names[kind, default: []].append(name) }
            }
            for line in rules.controlLines {
                let inside = try overlay.union(byKind[line.kind] ?? [])
                let area = try inside.map(measure.measure) ?? .zero(planeCRS: measure.planeCRS.identifier)
                let overlaps = area.ellipsoidal >= rules.minOverlapM2
                if overlaps {
                    lineShares.append(.init(code: line.kind, name: (names[line.kind] ?? []).joined(separator: "、"), area: area, share: share(area), geometry: inside))
                }
                var details: [(String, JSONValue)] = [("line", .string(line.kind)), ("overlap", area.json), ("share", .number(AreaFigures.round(share(area), 6)))]
                if let overlapStatus = line.overlap {
                    let allowed = PlanningRules.matches(use, line.allowedUses)
                    if overlaps && !allowed {
                        results.append(.init(rule: line.rule, status: overlapStatus,
                                             message: String(format: "%@：重叠 %.2f 平方米（%.2f 亩，占选址 %.1f%%）", line.message, area.ellipsoidal,
                                                             area.ellipsoidal / AreaFigures.squareMetresPerMu, share(area) * 100),
                                             details: .object(details), conflict: inside))
                    } else {
                        results.append(.init(rule: line.rule, status: .compliant,
                                             message: overlaps ? "选址与\(line.kind)重叠，拟用途\(use) \(rules.className(use))允许" : "选址不占用\(line.kind)",
                                             details: .object(details), conflict: nil))
                    }
                }
                if let outsideStatus = line.outside {
                    let outsidePart = try inside.map { try overlay.difference(site, $0) } ?? site
                    let outsideArea = try outsidePart.map(measure.measure) ?? .zero(planeCRS: measure.planeCRS.identifier)
                    details.append(("outside", outsideArea.json))
                    let applies = !line.appliesToConstructionUses || construction
                    if applies && outsideArea.ellipsoidal >= rules.minOverlapM2 {
                        results.append(.init(rule: line.rule, status: outsideStatus,
                                             message: String(format: "%@：边界外 %.2f 平方米（占选址 %.1f%%）", line.message, outsideArea.ellipsoidal, share(outsideArea) * 100),
                                             details: .object(details), conflict: outsidePart))
                    } else {
                        results.append(.init(rule: line.rule, status: .compliant,
                                             message: applies ? "选址位于\(line.kind)之内" : "拟用途不是建设用地，不受\(line.kind)约束",
                                             details: .object(details), conflict: nil))
                    }
                }
            }
        } else {
            for line in rules.controlLines {
                results.append(.init(rule: line.rule, status: .warning, message: "未能审查：无权访问图层 \(rules.controlLineLayer)", details: .null, conflict: nil))
            }
        }

        // 2. 国土空间总体规划符合性 and 控规指标: the planned land use.
        try progress(35, "规划用地")
        var plannedShares: [SiteReviewReport.Share] = []
        if let plannedLayer = try reader.layer(rules.plannedLayer, for: rules.plannedRule),
           let features = try reader.candidates(rules.plannedLayer, meeting: site, for: rules.plannedRule) {
            var byCode: [String: (name: String, parts: [Geometry])] = [:]
            var indicatorLimits: [String: [(Double, String)]] = [:]
            for (f, piece) in try pieces(features) {
                let code = f.text(rules.plannedCodeField, in: plannedLayer)
                let name = f.text(rules.plannedNameField, in: plannedLayer)
                byCode[code, default: (name.isEmpty ? rules.className(code) : name, [])].parts.append(piece)
                for indicator in rules.indicators {
                    if let limit = f.number(indicator.field, in: plannedLayer) { indicatorLimits[indicator.key, default: []].append((limit, code)) }
                }
            }
            var incompatible: [Geometry] = []
            var worst = RuleStatus.compliant
            var covered = 0.0
            for (code, entry) in byCode.sorted(by: { $0.key < $1.key }) {
                guard let g = gather(entry.parts) else { continue }
                let area = try measure.measure(g)
                covered += area.ellipsoidal
                let fit = rules.compatibility(of: use, with: code)
                plannedShares.append(.init(code: code, name: entry.name, area: area, share: share(area), geometry: g, fit: fit))
                if fit != .compliant && share(area) >= rules.minShare {
                    worst = max(worst, fit)
                    if fit == .violation { incompatible.append(g) }
                }
            }
            plannedShares.sort { $0.area.ellipsoidal > $1.area.ellipsoidal }
            let unplanned = max(0, siteArea.ellipsoidal - covered)
            let listed = plannedShares.map { "\($0.code) \($0.name) \(String(format: "%.1f%%", $0.share * 100))" }.joined(separator: "，")
            let details: JSONValue = .object([
                ("plannedClasses", .array(plannedShares.map { .object([("code", .string($0.code)), ("name", .string($0.name)),
                                                                        ("share", .number(AreaFigures.round($0.share, 6))), ("fit", .string($0.fit!.rawValue))]) })),
                ("unplannedM2", .number(AreaFigures.round(unplanned, 2))),
            ])
            let message: String
            switch worst {
            case .compliant: message = "拟用途 \(use) \(rules.className(use)) 与规划用地相符（\(listed.isEmpty ? "选址内无规划用地" : listed)）"
            case .warning: message = "拟用途 \(use) \(rules.className(use)) 与部分规划用地有条件相容，需论证（\(listed)）"
            case .violation: message = "拟用途 \(use) \(rules.className(use)) 与规划用地不符（\(listed)）"
            }
            results.append(.init(rule: rules.plannedRule, status: worst, message: message, details: details,
                                 conflict: gather(incompatible)))
            // 控规指标: each proposed indicator against the strictest planned limit under the site.
            if !request.indicators.isEmpty {
                var failures: [String] = []
                var checks: [JSONValue] = []
                for indicator in rules.indicators {
                    guard let proposed = request.indicators[indicator.key] else { continue }
                    let limits = indicatorLimits[indicator.key] ?? []
                    guard let strictest = indicator.isMaximum ? limits.map(\.0).min() : limits.map(\.0).max() else {
                        checks.append(.object([("indicator", .string(indicator.title)), ("proposed", .number(proposed)), ("planned", .null)]))
                        continue
                    }
                    let ok = indicator.isMaximum ? proposed <= strictest : proposed >= strictest
                    checks.append(.object([("indicator", .string(indicator.title)), ("proposed", .number(proposed)), ("planned", .number(strictest)),
                                           ("limit", .string(indicator.isMaximum ? "max" : "min")), ("ok", .bool(ok))]))
                    if !ok {
                        failures.append("\(indicator.title) \(Self.number(proposed)) \(indicator.isMaximum ? "超过上限" : "低于下限") \(Self.number(strictest))")
                    }
                }
                results.append(.init(rule: rules.indicatorRule, status: failures.isEmpty ? .compliant : .violation,
                                     message: failures.isEmpty ? "拟定指标符合控制性详细规划" : "拟定指标不符合控制性详细规划：" + failures.joined(separator: "；"),
                                     details: .array(checks), conflict: nil))
            }
        } else {
            results.append(.init(rule: rules.plannedRule, status: .warning, message: "未能审查：无权访问图层 \(rules.plannedLayer)", details: .null, conflict: nil))
        }

        // 3. 耕地占用: the current land use.
        try progress(55, "土地利用现状")
        var statusShares: [SiteReviewReport.Share] = []
        var farmland = AreaFigures.zero(planeCRS: measure.planeCRS.identifier)
        if let statusLayer = try reader.layer(rules.landStatusLayer, for: rules.landStatusRule),
           let features = try reader.candidates(rules.landStatusLayer, meeting: site, for: rules.landStatusRule) {
            var byCode: [String: (name: String, parts: [Geometry])] = [:]
            for (f, piece) in try pieces(features) {
                let code = f.text(rules.landStatusCodeField, in: statusLayer)
                let first = String(code.prefix(2))
                byCode[first, default: (rules.landStatusClasses[first] ?? first, [])].parts.append(piece)
            }
            var farmlandParts: [Geometry] = []
            for (code, entry) in byCode.sorted(by: { $0.key < $1.key }) {
                guard let g = gather(entry.parts) else { continue }
                let area = try measure.measure(g)
                statusShares.append(.init(code: code, name: entry.name, area: area, share: share(area), geometry: g))
                if PlanningRules.matches(code, rules.farmland) {
                    farmland = farmland + area
                    farmlandParts.append(g)
                }
            }
            statusShares.sort { $0.area.ellipsoidal > $1.area.ellipsoidal }
            let takes = farmland.ellipsoidal >= rules.minOverlapM2 && !PlanningRules.matches(use, ["01"])
            results.append(.init(rule: rules.landStatusRule, status: takes ? rules.farmlandStatus : .compliant,
                                 message: takes ? String(format: "%@：占用耕地 %.2f 亩（%.2f 平方米）", rules.farmlandMessage, farmland.ellipsoidal / AreaFigures.squareMetresPerMu, farmland.ellipsoidal)
                                    : "选址不占用耕地",
                                 details: .object([("farmland", farmland.json)]), conflict: takes ? gather(farmlandParts) : nil))
        } else {
            results.append(.init(rule: rules.landStatusRule, status: .warning, message: "未能审查：无权访问图层 \(rules.landStatusLayer)", details: .null, conflict: nil))
        }

        // 4. 专项规划: protection zones.
        try progress(70, "专项规划")
        for zone in rules.protectionZones {
            let applies = PlanningRules.matches(use, zone.uses)
            guard let zoneLayer = try reader.layer(zone.layer, for: zone.rule),
                  let features = try reader.candidates(zone.layer, meeting: site, for: zone.rule) else {
                results.append(.init(rule: zone.rule, status: .warning, message: "未能审查：无权访问图层 \(zone.layer)", details: .null, conflict: nil))
                continue
            }
            let hits = try pieces(features)
            let inside = try overlay.union(hits.map(\.1))
            let area = try inside.map(measure.measure) ?? .zero(planeCRS: measure.planeCRS.identifier)
            let names = Array(Set(hits.map { $0.0.text(zone.nameField, in: zoneLayer) })).sorted()
            let hit = area.ellipsoidal >= rules.minOverlapM2
            results.append(.init(rule: zone.rule, status: hit && applies ? zone.status : .compliant,
                                 message: hit ? (applies ? String(format: "%@（%@，重叠 %.2f 平方米）", zone.message, names.joined(separator: "、"), area.ellipsoidal)
                                                 : "选址位于\(names.joined(separator: "、"))内，拟用途不在限制之列")
                                    : "选址不在保护区内",
                                 details: .object([("zones", .array(names.map { .string($0) })), ("overlap", area.json)]), conflict: hit && applies ? inside : nil))
        }

        // 5. Sensitive facilities within their distances.
        try progress(80, "邻避与安全距离")
        var facilities: [SiteReviewReport.Facility] = []
        for rule in rules.sensitive {
            let applies = PlanningRules.matches(use, rule.uses)
            guard let layer = try reader.layer(rule.layer, for: rule.rule),
                  let near = try reader.features(rule.layer, .near(site, metres: rule.distance), for: rule.rule) else {
                results.append(.init(rule: rule.rule, status: .warning, message: "未能审查：无权访问图层 \(rule.layer)", details: .null, conflict: nil))
                continue
            }
            let found = near.sorted { ($0.distance ?? 0) < ($1.distance ?? 0) }.map { m in
                SiteReviewReport.Facility(rule: rule.rule, layer: rule.layer, name: m.feature.text(rule.nameField, in: layer), distance: m.distance ?? 0,
                                          location: m.feature.geometry?.boundingBox?.center ?? centre)
            }
            facilities += found
            let listed = found.prefix(5).map { "\($0.name)（\(Int($0.distance.rounded())) 米）" }.joined(separator: "、")
            let status: RuleStatus = applies && !found.isEmpty ? rule.status : .compliant
            results.append(.init(rule: rule.rule, status: status,
                                 message: found.isEmpty ? "选址 \(Int(rule.distance)) 米范围内无\(layer.title)"
                                    : (applies ? "\(rule.message)：\(Int(rule.distance)) 米范围内有 \(listed)" : "\(Int(rule.distance)) 米范围内有 \(listed)，拟用途不受此项限制"),
                                 details: .object([("distance", .number(rule.distance)), ("found", .array(found.map {
                                     .object([("name", .string($0.name)), ("distance", .number(AreaFigures.round($0.distance, 1)))]) }))]),
                                 conflict: nil))
        }

        // 6. Where the site lies: streets and communities.
        try progress(90, "行政区划")
        var administrative: [(title: String, units: [SiteReviewReport.Share])] = []
        for unit in rules.administrative {
            guard let layer = try reader.layer(unit.layer, for: "所在\(unit.title)"),
                  let features = try reader.candidates(unit.layer, meeting: site, for: "所在\(unit.title)") else { continue }
            var shares: [SiteReviewReport.Share] = []
            for (f, piece) in try pieces(features) {
                let area = try measure.measure(piece)
                guard area.ellipsoidal >= rules.minOverlapM2 else { continue }
                shares.append(.init(code: f.text(unit.codeField, in: layer), name: f.text(unit.nameField, in: layer), area: area, share: share(area), geometry: nil))
            }
            administrative.append((unit.title, shares.sorted { $0.area.ellipsoidal > $1.area.ellipsoidal }))
        }

        try progress(100, "完成")
        return SiteReviewReport(
            city: rules.city, project: request.project, applicant: request.applicant, caseNumber: request.caseNumber,
            siteReference: request.siteReference, generated: Date().formatted(.iso8601), reviewer: principal.name, site: site, siteArea: siteArea,
            repaired: repaired, use: use, useName: rules.className(use), isConstruction: construction, indicators: request.indicators,
            status: results.map(\.status).max() ?? .compliant, rules: results, controlLines: lineShares, plannedClasses: plannedShares,
            landStatus: statusShares, farmland: farmland, administrative: administrative, facilities: facilities, leftOut: reader.leftOut,
            dataVersions: reader.versions)
    }

    static func number(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.2f", v) }
}
