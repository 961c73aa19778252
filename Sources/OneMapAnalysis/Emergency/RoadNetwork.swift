import Foundation
import OneMapGeometry
import OneMapStore
import Synchronization

/// The city's road network for emergency routing, built from the roads layer and kept in the
/// store's routing engine (SpatiaLite VirtualRouting): roads are split where they meet, each
/// piece costs its length at its class's speed (the rules' table), and one-way streets run one
/// way. Rebuilt when the roads layer's version moves.
///
/// What the engine lacks is written here: snapping a point to the nearest place on the nearest
/// road (not the nearest node), travel along part of an edge at both ends of a route, and
/// service areas from the reachable (and partly reachable) edges.
public final class RoadNetwork: Sendable {
    public let store: Store
    public let rules: EmergencyRules
    private let loaded = Mutex<Loaded?>(nil)
    private let building = Mutex<Void>(())

    /// The network as last read: edges by id and an index of them.
    public struct Loaded: Sendable {
        public let version: Int
        public let edges: [Int64: NetworkEdge]
        let index: [Int64: [Int64]]
        static let cell = 0.005

        static func key(_ x: Int, _ y: Int) -> Int64 { Int64(x) << 32 | Int64(UInt32(bitPattern: Int32(y))) }
    }

    /// A point placed on the network: the edge, how far along it (metres), where, and how far
    /// the point was from it.
    public struct Snap: Sendable {
        public let edge: NetworkEdge
        public let along: Double
        public let point: Coordinate
        public let distance: Double
        public var fraction: Double { edge.length > 0 ? along / edge.length : 0 }
        /// The edge from its start to the snapped point, and from the point to its end.
        public let head: [Coordinate]
        public let tail: [Coordinate]
    }

    public init(store: Store, rules: EmergencyRules) {
        self.store = store
        self.rules = rules
    }

    /// The current network, (re)built when the roads changed since it was stored.
    public func current() throws -> Loaded {
        let roads = try store.layer(rules.roads.layer, for: .system)
        if let l = loaded.withLock({ $0 }), l.version == roads.version { return l }
        return try building.withLock { _ in
            if let l = loaded.withLock({ $0 }), l.version == roads.version { return l }
            var edges: [NetworkEdge]
            if let source = try store.network.networkSource(), source.layer == roads.id, source.version == roads.version {
                edges = try store.network.networkEdges()
            } else {
                edges = try store.network.replaceNetwork(try buildEdges(roads), sourceLayer: roads.id, sourceVersion: roads.version)
            }
            var byID: [Int64: NetworkEdge] = [:]
            var index: [Int64: [Int64]] = [:]
            for e in edges {
                byID[e.id] = e
                var box = BoundingBox.empty
                for c in e.line { box.extend(c) }
                for x in Int(floor(box.minX / Loaded.cell))...Int(floor(box.maxX / Loaded.cell)) {
                    for y in Int(floor(box.minY / Loaded.cell))...Int(floor(box.maxY / Loaded.cell)) { index[Loaded.key(x, y), default: []].append(e.id) }
                }
            }
            let l = Loaded(version: roads.version, edges: byID, index: index)
            loaded.withLock { $0 = l }
            return l
        }
    }

    /// Splits every road where it meets another (GEOS noding), and gives each piece its road's
    /// name, class, speed and one-way direction.
    func buildEdges(_ roads: Layer) throws -> [NetworkEdge] {
        let reader = AnalysisReader(store: store, principal: .system)
        guard let extent = roads.extent else { return [] }
        let area = Geometry.polygon([[Coordinate(extent.minX, extent.minY), Coordinate(extent.maxX, extent.minY), Coordinate(extent.maxX, extent.maxY),
                                      Coordinate(extent.minX, extent.maxY), Coordinate(extent.minX, extent.minY)]])
        guard let features = try reader.candidates(roads.id, meeting: try reader.lonLat(area, from: roads.storageCRS), for: "路网") else { return [] }
        let geos = GEOSContext()
        let frame = try LocalFrame(around: try reader.lonLat(area, from: roads.storageCRS), source: .cgcs2000)
        struct Road { let id: Int64; let line: [Coordinate]; let name: String; let roadClass: String; let oneway: Int }
        var lines: [Road] = []
        for f in features {
            guard let g = f.feature.geometry else { continue }
            let local = try frame.project(g)
            let parts: [[Coordinate]]
            switch local {
            case .lineString(let cs): parts = [cs]
            case .multiLineString(let ls): parts = ls
            default: continue
            }
            let oneway = rules.roads.onewayField.flatMap { f.feature.number($0, in: roads) }.map { Int($0) } ?? 0
            for p in parts where p.count >= 2 {
                lines.append(Road(id: f.feature.id, line: p, name: f.feature.text(rules.roads.nameField, in: roads),
                                  roadClass: f.feature.text(rules.roads.classField, in: roads), oneway: oneway))
            }
        }
        guard !lines.isEmpty else { return [] }
        // Node on a 1 mm grid so pieces meeting at a junction share the very same end point.
        let noded = try geos.union(.multiLineString(lines.map(\.line)), gridSize: 0.001)
        var pieces: [[Coordinate]] = []
        switch noded {
        case .lineString(let cs): pieces = [cs]
        case .multiLineString(let ls): pieces = ls
        case .collection(let gs): for g in gs { if case .lineString(let cs) = g { pieces.append(cs) } }
        default: break
        }
        // Each piece belongs to the road whose line runs through the middle of its first segment.
        var grid: [Int64: [Int]] = [:]
        let cell = 200.0
        for (i, r) in lines.enumerated() {
            var box = BoundingBox.empty
            for c in r.line { box.extend(c) }
            for x in Int(floor(box.minX / cell))...Int(floor(box.maxX / cell)) {
                for y in Int(floor(box.minY / cell))...Int(floor(box.maxY / cell)) { grid[Loaded.key(x, y), default: []].append(i) }
            }
        }
        var edges: [NetworkEdge] = []
        for piece in pieces where piece.count >= 2 {
            let a = piece[0], b = piece[1]
            let mid = Coordinate((a.x + b.x) / 2, (a.y + b.y) / 2)
            var best: (road: Int, distance: Double, along: Bool)?
            for i in grid[Loaded.key(Int(floor(mid.x / cell)), Int(floor(mid.y / cell)))] ?? [] {
                let r = lines[i].line
                for k in 0..<(r.count - 1) {
                    let d = Self.segmentDistance(mid, r[k], r[k + 1])
                    if d < (best?.distance ?? 0.01) {
                        let dot = (b.x - a.x) * (r[k + 1].x - r[k].x) + (b.y - a.y) * (r[k + 1].y - r[k].y)
                        best = (i, d, dot >= 0)
                    }
                }
            }
            guard let best else { continue }
            let road = lines[best.road]
            let lonLat = try piece.map { try frame.unproject($0) }
            var length = 0.0
            for k in 0..<(lonLat.count - 1) { length += Geodesic.cgcs2000.inverse(lonLat[k], lonLat[k + 1]).distance }
            let speed = rules.metresPerMinute(road.roadClass) / 60
            // The road's one-way direction, seen from the piece (drawn the same way or not).
            let direction = road.oneway == 0 ? 0 : (best.along ? road.oneway : -road.oneway)
            edges.append(NetworkEdge(line: lonLat, cost: length / speed, length: length, forward: direction >= 0, backward: direction <= 0,
                                     name: road.name, roadClass: road.roadClass, roadID: road.id))
        }
        return edges
    }

    /// Distance from `p` to the segment a–b (plane).
    static func segmentDistance(_ p: Coordinate, _ a: Coordinate, _ b: Coordinate) -> Double {
        let dx = b.x - a.x, dy = b.y - a.y
        let l2 = dx * dx + dy * dy
        let t = l2 > 0 ? max(0, min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / l2)) : 0
        return hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy))
    }

    /// The nearest place on the nearest edge to `point` (lon/lat), measured on the ground.
    /// - Throws: `AnalysisError.invalidInput` (`input`) when no road lies within the rules' snapping distance.
    public func snap(_ point: Coordinate, input: String) throws -> Snap {
        let network = try current()
        let frame = try LocalFrame(around: point, source: .cgcs2000)
        let p = try frame.project(point)
        let reach = rules.roads.snapMaxMetres
        let degrees = reach / 111_000 / max(0.2, cos(point.y * .pi / 180))
        var seen: Set<Int64> = []
        var best: (edge: NetworkEdge, segment: Int, t: Double, distance: Double, local: [Coordinate])?
        for x in Int(floor((point.x - degrees) / Loaded.cell))...Int(floor((point.x + degrees) / Loaded.cell)) {
            for y in Int(floor((point.y - degrees) / Loaded.cell))...Int(floor((point.y + degrees) / Loaded.cell)) {
                for id in network.index[Loaded.key(x, y)] ?? [] where seen.insert(id).inserted {
                    guard let e = network.edges[id] else { continue }
                    let local = try e.line.map { try frame.project($0) }
                    for k in 0..<(local.count - 1) {
                        let a = local[k], b = local[k + 1]
                        let dx = b.x - a.x, dy = b.y - a.y
                        let l2 = dx * dx + dy * dy
                        let t = l2 > 0 ? max(0, min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / l2)) : 0
                        let d = hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy))
                        if d < (best?.distance ?? .infinity) || (d == best?.distance && e.id < best!.edge.id) { best = (e, k, t, d, local) }
                    }
                }
            }
        }
        guard let best, best.distance <= reach else {
            throw AnalysisError.invalidInput(input: input, detail: "lies more than \(Int(reach)) m from every road of the network")
        }
        let a = best.local[best.segment], b = best.local[best.segment + 1]
        let onLocal = Coordinate(a.x + best.t * (b.x - a.x), a.y + best.t * (b.y - a.y))
        let on = try frame.unproject(onLocal)
        let head = Array(best.edge.line[...best.segment]) + [on]
        let tail = [on] + Array(best.edge.line[(best.segment + 1)...])
        var along = 0.0
        for k in 0..<(head.count - 1) { along += Geodesic.cgcs2000.inverse(head[k], head[k + 1]).distance }
        // Lengths on the ground of the parts can differ from the stored length by rounding: keep within it.
        return Snap(edge: best.edge, along: min(along, best.edge.length), point: on, distance: best.distance, head: head, tail: tail)
    }

    /// One way to travel: cost (seconds), metres and the line driven.
    public struct Trip: Sendable {
        public var seconds: Double
        public var metres: Double
        public var line: [Coordinate]
    }

    /// A point snapped onto a node (an end of its edge) is at that node: every edge there is open
    /// to it, not only the one it snapped to.
    func atNode(_ s: Snap) -> [(node: Int64, seconds: Double, metres: Double, line: [Coordinate])] {
        var out: [(Int64, Double, Double, [Coordinate])] = []
        if s.along <= 0.001 { out.append((s.edge.from, 0, 0, [s.point])) }
        if s.along >= s.edge.length - 0.001 { out.append((s.edge.to, 0, 0, [s.point])) }
        return out
    }

    /// Ways out of a snapped point onto the network: node, cost, metres, the line to the node.
    func exits(_ s: Snap) -> [(node: Int64, seconds: Double, metres: Double, line: [Coordinate])] {
        var out = atNode(s)
        if s.edge.forward { out.append((s.edge.to, s.edge.cost * (1 - s.fraction), s.edge.length - s.along, s.tail)) }
        if s.edge.backward { out.append((s.edge.from, s.edge.cost * s.fraction, s.along, s.head.reversed())) }
        return out
    }

    /// Ways into a snapped point from the network.
    func entries(_ s: Snap) -> [(node: Int64, seconds: Double, metres: Double, line: [Coordinate])] {
        var out = atNode(s)
        if s.edge.forward { out.append((s.edge.from, s.edge.cost * s.fraction, s.along, s.head)) }
        if s.edge.backward { out.append((s.edge.to, s.edge.cost * (1 - s.fraction), s.edge.length - s.along, s.tail.reversed())) }
        return out
    }

    /// The fastest trips from each of `origins` to `destination`: one search over the reversed
    /// network from each way into the destination. Unreachable origins are absent.
    public func trips(from origins: [Snap], to destination: Snap) throws -> [Int: Trip] {
        let network = try current()
        var best: [Int: Trip] = [:]
        let exitsByOrigin = origins.map(exits)
        let targets = Array(Set(exitsByOrigin.flatMap { $0.map(\.node) }))
        for entry in entries(destination) {
            let paths = try store.network.shortestPaths(from: entry.node, to: targets, reverse: true)
            for (i, outs) in exitsByOrigin.enumerated() {
                for out in outs {
                    guard let path = paths[out.node] else { continue }
                    let seconds = out.seconds + path.cost + entry.seconds
                    guard seconds < best[i]?.seconds ?? .infinity else { continue }
                    // The reversed search lists edges from the destination outwards: drive them backwards.
                    var line = out.line, metres = out.metres + entry.metres, node = out.node
                    for id in path.edges.reversed() {
                        guard let e = network.edges[id] else { continue }
                        let forward = e.from == node
                        line += (forward ? e.line : e.line.reversed()).dropFirst()
                        metres += e.length
                        node = forward ? e.to : e.from
                    }
                    line += entry.line.dropFirst()
                    best[i] = Trip(seconds: seconds, metres: metres, line: line)
                }
            }
        }
        // Both on one edge, the right way round: along it directly.
        for (i, o) in origins.enumerated() where o.edge.id == destination.edge.id {
            let ahead = destination.along >= o.along
            guard ahead ? o.edge.forward : o.edge.backward else { continue }
            let metres = abs(destination.along - o.along)
            let seconds = o.edge.cost * metres / max(o.edge.length, 1e-9)
            if seconds < best[i]?.seconds ?? .infinity {
                best[i] = Trip(seconds: seconds, metres: metres, line: [o.point, destination.point])
            }
        }
        return best
    }

    /// Least seconds from a snapped point to every node reachable within `limit` seconds.
    public func reach(from origin: Snap, within limit: Double) throws -> [Int64: Double] {
        var costs: [Int64: Double] = [:]
        for out in exits(origin) where out.seconds <= limit {
            for (node, c) in try store.network.reachableNodes(from: out.node, within: limit - out.seconds, reverse: false) {
                costs[node] = min(costs[node] ?? .infinity, out.seconds + c)
            }
        }
        return costs
    }
}

extension [Coordinate] {
    /// The part of a polyline from `from` to `to` metres along it (geodesic lengths).
    func slice(from: Double, to: Double) -> [Coordinate] {
        guard count >= 2, to > from else { return [] }
        var out: [Coordinate] = []
        var walked = 0.0
        for k in 0..<(count - 1) {
            let leg = Geodesic.cgcs2000.inverse(self[k], self[k + 1])
            let a = walked, b = walked + leg.distance
            if b >= from && a <= to {
                if out.isEmpty { out.append(from <= a ? self[k] : Geodesic.cgcs2000.direct(from: self[k], azimuth: leg.azimuth1, distance: from - a)) }
                out.append(to >= b ? self[k + 1] : Geodesic.cgcs2000.direct(from: self[k], azimuth: leg.azimuth1, distance: to - a))
            }
            walked = b
            if walked > to { break }
        }
        return out
    }
}
