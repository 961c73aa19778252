import Foundation
import OneMapGeometry

extension CityGenerator {
    /// The class of the road on grid line `k` (in 300 m steps), or nil when there is none.
    /// Every fourth line is a main road through the whole area; in the urban area every line is a road.
    func roadKind(line k: Int) -> (urban: RoadKind, rural: RoadKind?)? {
        if k % 4 == 0 { return (.primary, .rural) }
        if k % 2 == 0 { return (.secondary, nil) }
        return (.branch, nil)
    }

    /// Half the right-of-way of the road on grid line `k` inside the urban area (for block insets).
    func halfWidth(line k: Int, urban: Bool) -> Double {
        guard let kind = roadKind(line: k) else { return 2 }
        if !urban { return kind.rural == nil ? 2 : RoadKind.rural.width / 2 }
        return kind.urban.width / 2
    }

    static let ringU = 16
    static let ringV = 18

    func buildRoads() throws {
        var rng = random("roads")
        var stems = Names.roadStems.filter { !["北环", "南环", "东环", "西环"].contains($0) }
        stems.shuffle(using: &rng)
        var stemIndex = 0
        func nextStem() -> String {
            defer { stemIndex += 1 }
            return stems[stemIndex % stems.count] + (stemIndex >= stems.count ? "新" : "")
        }
        let b = Self.blockSize
        let urban = urbanArea
        // Main-line stems by position, so the side streets between main lines share their stem.
        var uStems: [Int: String] = [:], vStems: [Int: String] = [:]
        for k in uRange where k % 4 == 0 { uStems[k] = nextStem() }
        for k in vRange where k % 4 == 0 { vStems[k] = nextStem() }
        func name(_ k: Int, northSouth: Bool, kind: RoadKind) -> String {
            let base = (k / 4) * 4 - (k < 0 && k % 4 != 0 ? 4 : 0)
            let stem = (northSouth ? uStems[base] : vStems[base]) ?? "无名"
            let offset = k - base
            switch kind {
            case .primary, .rural, .expressway: return stem + (northSouth ? "大道" : "路")
            case .secondary: return stem + (northSouth ? "二街" : "二路")
            case .branch: return stem + (offset == 1 ? "一" : "三") + (northSouth ? "街" : "道")
            }
        }
        func add(_ nameText: String, _ kind: RoadKind, _ geometry: Geometry, _ direction: String, oneway: Int = 0) {
            let parts = geometry.parts.compactMap { p -> [Coordinate]? in
                if case .lineString(let cs) = p, cs.count >= 2 { return cs }
                return nil
            }.filter { ((try? geos.length(.lineString($0))) ?? 0) > 60 }
            if !parts.isEmpty { roads.append(Road(name: nameText, kind: kind, parts: parts, direction: direction, oneway: oneway)) }
        }
        let v0 = Double(vRange.lowerBound) * b, v1 = Double(vRange.upperBound) * b
        let u0 = Double(uRange.lowerBound) * b, u1 = Double(uRange.upperBound) * b
        for northSouth in [true, false] {
            for k in (northSouth ? uRange : vRange) {
                guard let kind = roadKind(line: k) else { continue }
                let coordinate = Double(k) * b
                let line: Geometry = .lineString(northSouth ? frame.isoU(coordinate, v0, v1) : frame.isoV(coordinate, u0, u1))
                var inside = try geos.intersection(line, union)
                // Where the ring expressway runs on this line, the grid road gives way to it.
                if northSouth && abs(k) == Self.ringU || !northSouth && abs(k) == Self.ringV {
                    let ring: Geometry = .lineString(northSouth
                        ? frame.isoU(coordinate, -Double(Self.ringV) * b, Double(Self.ringV) * b)
                        : frame.isoV(coordinate, -Double(Self.ringU) * b, Double(Self.ringU) * b))
                    inside = try geos.difference(inside, try geos.buffer(ring, distance: 5))
                }
                let direction = northSouth ? "南北" : "东西"
                streetNames["\(northSouth ? "u" : "v")\(k)"] = name(k, northSouth: northSouth, kind: kind.urban)
                // Branch streets (支路) are one-way, alternately with and against the line's direction.
                let oneway = kind.urban == .branch ? (((k % 4) + 4) % 4 < 2 ? 1 : -1) : 0
                add(name(k, northSouth: northSouth, kind: kind.urban), kind.urban, try geos.intersection(inside, urban), direction, oneway: oneway)
                if let rural = kind.rural {
                    add(name(k, northSouth: northSouth, kind: rural), rural, try geos.difference(inside, urban), direction)
                }
            }
        }
        // The ring expressway (环路) on the main lines around the old town.
        let ru = Double(Self.ringU) * b, rv = Double(Self.ringV) * b
        let ring: [(String, [Coordinate], String)] = [
            ("东环路", frame.isoU(ru, -rv, rv), "南北"), ("西环路", frame.isoU(-ru, -rv, rv), "南北"),
            ("北环路", frame.isoV(rv, -ru, ru), "东西"), ("南环路", frame.isoV(-rv, -ru, ru), "东西"),
        ]
        for (n, cs, d) in ring { add(n, .expressway, try geos.intersection(.lineString(cs), union), d) }
        let km = roads.reduce(0.0) { $0 + $1.parts.reduce(0.0) { $0 + ((try? geos.length(.lineString($1))) ?? 0) } } / 1000
        log("roads: \(roads.count) named roads, \(Int(km)) km")
    }

    /// Writes the road layer: one feature per part.
    func writeRoads(_ w: GeoJSONSeqWriter) {
        for road in roads {
            for part in road.parts {
                w.write(.lineString(part), [
                    ("name", .text(road.name)), ("class", .text(road.kind.rawValue)), ("class_zh", .text(road.kind.title)),
                    ("lanes", .integer(Int64(road.kind.lanes))), ("width_m", .real(road.kind.width)), ("direction", .text(road.direction)),
                    ("oneway", .integer(Int64(road.oneway))),
                ])
            }
        }
    }
}
