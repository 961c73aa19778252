import Foundation
import OneMapGeometry
import OneMapStore

/// `nearest-resources`, `route` and `service-area` over the road network.
public struct RoutingAnalyses: Sendable {
    public let network: RoadNetwork
    var store: Store { network.store }
    var rules: EmergencyRules { network.rules }

    public init(network: RoadNetwork) { self.network = network }

    static func lineJSON(_ line: [Coordinate]) -> JSONValue { GeoJSON.value(.lineString(line.count >= 2 ? line : line + line)) }
    static func round(_ v: Double, _ decimals: Double = 10) -> JSONValue { .number((v * decimals).rounded() / decimals) }

    /// The `count` resources of `kind` (a key of the rules' `resources`) that reach `place`
    /// soonest by road, each with its route, time and distance, and the straight line beside.
    public func nearestResources(to place: Coordinate, kind: String, count: Int, for principal: Principal) throws -> JSONValue {
        guard let resource = rules.resources.first(where: { $0.kind == kind })?.layer else {
            throw AnalysisError.invalidInput(input: "kind", detail: "must be one of \(rules.resources.map(\.kind).joined(separator: ", "))")
        }
        let destination = try network.snap(place, input: "geometry")
        let reader = AnalysisReader(store: store, principal: principal)
        guard let layer = try reader.layer(resource.layer, for: resource.title), let extent = layer.extent else {
            return .object([("kind", .string(kind)), ("resources", .array([])), ("layersLeftOut", reader.leftOutJSON)])
        }
        let all = try reader.candidates(resource.layer, meeting: try reader.lonLat(Self.box(extent), from: layer.storageCRS), for: resource.title) ?? []
        var snapped: [(feature: Feature, location: Coordinate, snap: RoadNetwork.Snap)] = []
        var offNetwork: [String] = []
        for m in all {
            guard case .point(let p)? = m.feature.geometry else { continue }
            if let s = try? network.snap(p, input: "resource") { snapped.append((m.feature, p, s)) } else { offNetwork.append(m.feature.text(resource.nameField, in: layer)) }
        }
        let trips = try network.trips(from: snapped.map(\.snap), to: destination)
        let ranked = trips.sorted { ($0.value.seconds, snapped[$0.key].feature.id) < ($1.value.seconds, snapped[$1.key].feature.id) }.prefix(count)
        let list: [JSONValue] = ranked.map { i, trip in
            let r = snapped[i]
            let straight = Geodesic.cgcs2000.inverse(r.location, place).distance
            return .object([
                ("layer", .string(resource.layer)), ("id", .number(Double(r.feature.id))), ("name", .string(r.feature.text(resource.nameField, in: layer))),
                ("location", .numbers([r.location.x, r.location.y])), ("minutes", Self.round(trip.seconds / 60, 100)), ("seconds", Self.round(trip.seconds)),
                ("distance", Self.round(trip.metres)), ("straightLine", Self.round(straight)),
                ("route", .object([("type", .string("Feature")), ("geometry", Self.lineJSON([r.location] + trip.line + [place])),
                                   ("properties", .object([("name", .string(r.feature.text(resource.nameField, in: layer))), ("minutes", Self.round(trip.seconds / 60, 100))]))])),
            ])
        }
        return .object([
            ("kind", .string(kind)), ("title", .string(resource.title)), ("destination", .numbers([place.x, place.y])),
            ("snapped", .object([("location", .numbers([destination.point.x, destination.point.y])), ("road", .string(destination.edge.name)),
                                 ("distance", Self.round(destination.distance))])),
            ("resources", .array(list)), ("unreachable", .number(Double(snapped.count - trips.count))), ("offNetwork", .array(offNetwork.map { .string($0) })),
            ("speeds", .object(rules.roads.speedsKmh.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) })),
            ("method", .string("通行时间按道路等级车速（规则文件）沿路网计算，单行道按单向通行；起讫点吸附到最近道路上的最近位置")),
            ("layersLeftOut", reader.leftOutJSON),
        ])
    }

    /// The fastest route from `from` to `to`.
    public func route(from: Coordinate, to: Coordinate) throws -> JSONValue {
        let a = try network.snap(from, input: "from"), b = try network.snap(to, input: "to")
        guard let trip = try network.trips(from: [a], to: b)[0] else {
            throw AnalysisError.invalidInput(input: "to", detail: "cannot be reached from 'from' over the road network (one-way streets or a separate network)")
        }
        return .object([
            ("type", .string("Feature")), ("geometry", Self.lineJSON([from] + trip.line + [to])),
            ("properties", .object([
                ("minutes", Self.round(trip.seconds / 60, 100)), ("seconds", Self.round(trip.seconds)), ("distance", Self.round(trip.metres)),
                ("straightLine", Self.round(Geodesic.cgcs2000.inverse(from, to).distance)),
                ("from", .object([("road", .string(a.edge.name)), ("offRoad", Self.round(a.distance))])),
                ("to", .object([("road", .string(b.edge.name)), ("offRoad", Self.round(b.distance))])),
            ])),
        ])
    }

    /// The areas reachable from `from` within each of `minutes`: the reachable road (edges
    /// whole or in part, as far as the time left carries) buffered by the rules' distance.
    public func serviceArea(from: Coordinate, minutes: [Double]) throws -> JSONValue {
        let origin = try network.snap(from, input: "geometry")
        let loaded = try network.current()
        let limit = (minutes.max() ?? 0) * 60
        let costs = try network.reach(from: origin, within: limit)
        let frame = try LocalFrame(around: from, source: .cgcs2000)
        let geos = GEOSContext()
        var features: [JSONValue] = []
        for m in minutes.sorted() {
            let t = m * 60
            var pieces: [[Coordinate]] = []
            var metres = 0.0
            for e in loaded.edges.values {
                let a = e.forward ? (costs[e.from].map { max(0, min(1, (t - $0) / max(e.cost, 1e-9))) } ?? 0) : 0
                let b = e.backward ? (costs[e.to].map { max(0, min(1, (t - $0) / max(e.cost, 1e-9))) } ?? 0) : 0
                if a + b >= 1 {
                    pieces.append(e.line); metres += e.length
                } else {
                    if a > 0 { pieces.append(e.line.slice(from: 0, to: a * e.length)); metres += a * e.length }
                    if b > 0 { pieces.append(e.line.slice(from: (1 - b) * e.length, to: e.length)); metres += b * e.length }
                }
            }
            // Along the origin's own edge, both ways it may be driven.
            let e = origin.edge, reach = t / max(e.cost, 1e-9) * e.length
            if e.forward { pieces.append(e.line.slice(from: origin.along, to: min(e.length, origin.along + reach))) }
            if e.backward { pieces.append(e.line.slice(from: max(0, origin.along - reach), to: origin.along)) }
            let lines = pieces.filter { $0.count >= 2 }
            guard !lines.isEmpty else { continue }
            let local = try frame.project(.multiLineString(lines))
            let area = try geos.buffer(local, distance: rules.serviceAreaBufferMetres, quadrantSegments: 4)
            features.append(.object([
                ("type", .string("Feature")), ("geometry", GeoJSON.value(try frame.unproject(area))),
                ("properties", .object([("minutes", .number(m)), ("areaKm2", Self.round(area.planarArea / 1e6, 1e4)), ("roadKm", Self.round(metres / 1000, 1000))])),
            ]))
        }
        return .object([
            ("type", .string("FeatureCollection")), ("features", .array(features.reversed())),
            ("origin", .object([("location", .numbers([from.x, from.y])), ("road", .string(origin.edge.name)), ("offRoad", Self.round(origin.distance))])),
            ("method", .string("从起点沿路网（按道路等级车速、单行道单向）在给定时间内可达的道路段（含部分路段），按 \(Int(rules.serviceAreaBufferMetres)) 米缓冲成面；非凸包")),
        ])
    }

    static func box(_ b: BoundingBox) -> Geometry {
        .polygon([[Coordinate(b.minX, b.minY), Coordinate(b.maxX, b.minY), Coordinate(b.maxX, b.maxY), Coordinate(b.minX, b.maxY), Coordinate(b.minX, b.minY)]])
    }
}
