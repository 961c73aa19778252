import Foundation
import OneMapGeometry
import OneMapStore

/// 影响范围分析: rings at given distances around an incident (a point or an area), true on the
/// ground; in each, the facilities (schools, hospitals, hazardous sites, shelters, …) and an
/// estimate of the people. Rings are drawn in a local transverse Mercator plane around the
/// incident; whether a facility lies in a ring is decided by its distance in that plane (within
/// a few ppm of the geodesic distance inside 50 km), not by the drawn polygon's chords.
public struct ImpactRings: Sendable {
    public let store: Store
    public let rules: EmergencyRules

    public init(store: Store, rules: EmergencyRules) {
        self.store = store
        self.rules = rules
    }

    /// Radii as given, checked: positive, at most the rules' maximum and count, ascending.
    func checkedRadii(_ radii: [Double]?) throws -> [Double] {
        let list = radii ?? rules.defaultRadii
        guard !list.isEmpty, list.count <= rules.maxRings else {
            throw AnalysisError.invalidInput(input: "radii", detail: "must list 1–\(rules.maxRings) distances in metres")
        }
        for r in list where !(r > 0 && r <= rules.maxRadius) {
            throw AnalysisError.invalidInput(input: "radii", detail: "\(r) is not a distance in (0, \(Int(rules.maxRadius))] metres")
        }
        return Array(Set(list)).sorted()
    }

    /// - Parameters:
    ///   - place: lon/lat (CGCS2000), a point or an area.
    ///   - layers: facility layers to report (default: all the rules name).
    public func run(place: Geometry, incident: Int64?, radii: [Double], layers: [String]?, for principal: Principal,
                    progress: ProcessProgress = { _, _ in }) throws -> JSONValue {
        let geos = GEOSContext()
        let reader = AnalysisReader(store: store, principal: principal)
        let frame = try LocalFrame(around: place, source: .cgcs2000)
        let local = try frame.project(place)
        // Discs, then rings as the difference of successive discs.
        let discs = try radii.map { try geos.buffer(local, distance: $0, quadrantSegments: 64) }
        var rings: [Geometry] = []
        for (i, disc) in discs.enumerated() { rings.append(i == 0 ? disc : try geos.difference(disc, discs[i - 1])) }
        try progress(20, "影响范围")
        let facilityLayers = rules.facilities.filter { layers?.contains($0.layer) ?? true }
        if let only = layers {
            for id in only where !rules.facilities.contains(where: { $0.layer == id }) {
                throw AnalysisError.invalidInput(input: "layers", detail: "'\(id)' is not a facility layer (\(rules.facilities.map(\.layer).joined(separator: ", ")))")
            }
        }
        let outer = radii.last!
        var facilities: [JSONValue] = []
        var counts = [[String: Int]](repeating: [:], count: radii.count)
        for (n, f) in facilityLayers.enumerated() {
            guard let layer = try reader.layer(f.layer, for: "影响范围内\(f.title)"),
                  let found = try reader.features(f.layer, .near(place, metres: outer, crs: .cgcs2000), for: "影响范围内\(f.title)") else { continue }
            for m in found.sorted(by: { ($0.distance ?? 0, $0.feature.id) < ($1.distance ?? 0, $1.feature.id) }) {
                let d = m.distance ?? 0
                guard let ring = radii.firstIndex(where: { d <= $0 }) else { continue }
                counts[ring][f.layer, default: 0] += 1
                var location: JSONValue = .null
                if let g = m.feature.geometry, case .point(let c) = g { location = .numbers([c.x, c.y]) }
                facilities.append(.object([
                    ("layer", .string(f.layer)), ("title", .string(f.title)), ("id", .number(Double(m.feature.id))),
                    ("name", .string(m.feature.text(f.nameField, in: layer))), ("distance", .number((d * 10).rounded() / 10)),
                    ("ring", .number(radii[ring])), ("location", location),
                ]))
            }
            try progress(20 + 50 * (n + 1) / max(1, facilityLayers.count), "影响范围内\(f.title)")
        }
        let people = try PopulationEstimate.apportion(rings, frame: frame, reader: reader, rules: rules, geos: geos, purpose: "人口估算")
        try progress(90, "人口估算")
        var features: [JSONValue] = []
        for (i, ring) in rings.enumerated() {
            var byLayer: [(String, JSONValue)] = []
            for f in facilityLayers where reader.leftOut.first(where: { $0.layer == f.layer }) == nil {
                byLayer.append((f.layer, .number(Double(counts[i][f.layer] ?? 0))))
            }
            features.append(.object([
                ("type", .string("Feature")), ("geometry", GeoJSON.value(try frame.unproject(ring))),
                ("properties", .object([
                    ("inner", .number(i == 0 ? 0 : radii[i - 1])), ("outer", .number(radii[i])),
                    ("areaKm2", .number(((ring.planarArea / 1e6) * 10_000).rounded() / 10_000)),
                    ("facilities", .object(byLayer)),
                    ("population", people.map { .number($0.perArea[i].rounded()) } ?? .null),
                ])),
            ]))
        }
        let population: JSONValue = people.map { p in
            .object([
                ("estimate", .number(p.perArea.reduce(0, +).rounded())), ("isEstimate", .bool(true)), ("method", .string(PopulationEstimate.method)),
                ("communities", .array(p.communities.prefix(50).map { c in
                    .object([("name", .string(c.name)), ("population", .number(c.population)), ("shareInside", .number((c.share * 1000).rounded() / 1000))])
                })),
            ])
        } ?? .object([("estimate", .null), ("reason", .string("人口数据为涉密图层，调用者无权查看"))])
        return .object([
            ("incident", incident.map { .number(Double($0)) } ?? .null),
            ("radii", .numbers(radii)),
            ("rings", .object([("type", .string("FeatureCollection")), ("features", .array(features))])),
            ("facilities", .array(facilities)),
            ("population", population),
            ("method", .string("距离按事发点（或范围）所在局部横轴墨卡托平面量算（CGCS2000 椭球），与大地线距离相差不足百万分之五")),
            ("layersLeftOut", reader.leftOutJSON),
        ])
    }
}
