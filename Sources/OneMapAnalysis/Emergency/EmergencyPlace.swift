import Foundation
import OneMapGeometry
import OneMapStore

/// Where an emergency analysis starts: a stored incident, or a point or area given directly.
struct EmergencyPlace {
    /// CGCS2000 lon/lat.
    var geometry: Geometry
    var incident: Int64?

    /// Reads `incident` (an id) or `geometry` (GeoJSON in `crs`) from the inputs.
    static func read(_ inputs: ProcessInputs, store: Store, principal: Principal, pointOnly: Bool = false) throws -> EmergencyPlace {
        if let n = try inputs.integer("incident", in: 1...Int.max, detail: "must be an incident id") {
            guard (try store.layerIfVisible("incidents", for: principal)) != nil, let r = try store.incidents.incident(Int64(n)) else {
                throw AnalysisError.invalidInput(input: "incident", detail: "no incident \(n)")
            }
            return EmergencyPlace(geometry: pointOnly ? try centre(r.geometry) : r.geometry, incident: r.id)
        }
        guard var g = try inputs.geometry("geometry") else {
            throw AnalysisError.invalidInput(input: "geometry", detail: "is required (or incident)")
        }
        g = try lonLat(g, from: try inputs.crs("crs"), input: "geometry")
        switch g.type {
        case .point: break
        case .polygon, .multiPolygon:
            if pointOnly { g = try centre(g) }
        default: throw AnalysisError.invalidInput(input: "geometry", detail: "must be a Point, Polygon or MultiPolygon")
        }
        return EmergencyPlace(geometry: g, incident: nil)
    }

    /// A geometry given in `crs` as CGCS2000 lon/lat, every coordinate within range.
    /// - Throws: `AnalysisError.invalidInput` naming `input`.
    static func lonLat(_ g: Geometry, from crs: CRS, input: String) throws -> Geometry {
        var g = g
        if !crs.isDisplayEquivalent(to: .cgcs2000) {
            do { g = try CoordinateTransform(from: crs, to: .cgcs2000).apply(g) } catch {
                throw AnalysisError.invalidInput(input: input, detail: "cannot be moved from \(crs) to CGCS2000")
            }
        }
        var inRange = true
        g.forEachCoordinate { c in if !(abs(c.x) <= 180 && abs(c.y) <= 90) { inRange = false } }
        guard inRange, !g.isEmpty else { throw AnalysisError.invalidInput(input: input, detail: "has coordinates outside lon/lat range") }
        return g
    }

    static func centre(_ g: Geometry) throws -> Geometry {
        if case .point = g { return g }
        return try GEOSContext().pointOnSurface(g)
    }

    var point: Coordinate {
        if case .point(let c) = geometry { return c }
        return geometry.boundingBox?.center ?? Coordinate(0, 0)
    }
}

/// Population estimated for areas: each community's population (a confidential layer) shared
/// out by the part of its area each area covers. An estimate, and labelled as one: people are not
/// spread evenly over a community.
struct PopulationEstimate {
    static let method = "估算：按社区常住人口 × 社区面积落入比例分摊（假定人口在社区内均匀分布）"

    /// Per area (local-frame geometries), the estimated people; nil when the caller may not see
    /// the population layer (then `reader` notes it as left out).
    static func apportion(_ areas: [Geometry], frame: LocalFrame, reader: AnalysisReader, rules: EmergencyRules, geos: GEOSContext,
                          purpose: String) throws -> (perArea: [Double], communities: [(name: String, population: Double, share: Double)])? {
        guard let layer = try reader.layer(rules.populationLayer, for: purpose) else { return nil }
        var envelope = BoundingBox.empty
        for a in areas { if let b = a.boundingBox { envelope = envelope.isEmpty ? b : envelope.union(b) } }
        guard !envelope.isEmpty else { return (areas.map { _ in 0 }, []) }
        let box = Geometry.polygon([[Coordinate(envelope.minX, envelope.minY), Coordinate(envelope.maxX, envelope.minY),
                                     Coordinate(envelope.maxX, envelope.maxY), Coordinate(envelope.minX, envelope.maxY),
                                     Coordinate(envelope.minX, envelope.minY)]])
        guard let candidates = try reader.candidates(layer.id, meeting: try frame.unproject(box), for: purpose) else { return nil }
        var perArea = areas.map { _ in 0.0 }
        var communities: [(String, Double, Double)] = []
        let shapes = try areas.map { try geos.shape($0) }
        for m in candidates {
            guard let g = m.feature.geometry, let people = m.feature.number(rules.populationField, in: layer), people > 0 else { continue }
            let local = try frame.project(g)
            let total = local.planarArea
            guard total > 0 else { continue }
            let community = try geos.shape(local)
            var covered = 0.0
            for (i, shape) in shapes.enumerated() {
                let part = try geos.intersection(shape, community, gridSize: 0.001).planarArea
                guard part > 0 else { continue }
                perArea[i] += people * part / total
                covered += part
            }
            if covered > 0 { communities.append((m.feature.text(rules.populationNameField, in: layer), people, min(1, covered / total))) }
        }
        return (perArea, communities.sorted { $0.1 * $0.2 > $1.1 * $1.2 })
    }
}
