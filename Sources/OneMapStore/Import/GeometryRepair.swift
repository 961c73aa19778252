import OneMapGeometry

/// Validity checks and repairs for imported geometries.
///
/// GEOS decides validity, but most real features are small simple rings that a few
/// orientation tests prove valid; those skip the WKB round trip into GEOS. Anything unusual
/// (holes, touching or collinear segments, repeated points) still goes to GEOS.
struct GeometryRepair {
    let geos = GEOSContext()

    enum Outcome {
        case valid(Geometry)
        case repaired(Geometry)
        case empty
    }

    /// Checks `g` and repairs it when invalid, keeping only parts of `dimension`.
    func check(_ original: Geometry, dimension: Int) throws -> Outcome {
        if original.isEmpty { return .empty }
        if Self.isObviouslyValid(original) { return .valid(original) }
        // GEOS cannot even build rings of fewer than 4 points or unclosed rings (OSM relations cut
        // at an extract's edge): close what can be closed, drop what cannot, then ask GEOS.
        let (g, cleaned) = Self.sanitized(original)
        if g.isEmpty { return .empty }
        if try !cleaned && geos.isValid(g) { return .valid(g) }
        if cleaned, (try? geos.isValid(g)) == true { return .repaired(g) }
        guard let fixed = try? geos.makeValid(g) else { return .empty }
        let kept = fixed.parts.filter { $0.type.dimension == dimension && !$0.isEmpty }
        guard !kept.isEmpty else { return .empty }
        if kept.count == 1 { return .repaired(kept[0]) }
        switch dimension {
        case 0: return .repaired(.multiPoint(kept.compactMap { if case .point(let c) = $0 { c } else { nil } }))
        case 1: return .repaired(.multiLineString(kept.compactMap { if case .lineString(let cs) = $0 { cs } else { nil } }))
        default: return .repaired(.multiPolygon(kept.compactMap { if case .polygon(let rs) = $0 { rs } else { nil } }))
        }
    }

    /// Closes open rings and drops rings under 4 points and lines under 2; says whether it changed anything.
    static func sanitized(_ g: Geometry) -> (Geometry, Bool) {
        var changed = false
        func ring(_ r: [Coordinate]) -> [Coordinate]? {
            var r = r.filter { $0.x.isFinite && $0.y.isFinite }
            if let first = r.first, r.last != first {
                r.append(first)
                changed = true
            }
            if r.count < 4 {
                changed = true
                return nil
            }
            return r
        }
        func polygon(_ rings: [[Coordinate]]) -> [[Coordinate]]? {
            guard let outer = rings.first.flatMap(ring) else {
                changed = true
                return nil
            }
            return [outer] + rings.dropFirst().compactMap(ring)
        }
        func line(_ cs: [Coordinate]) -> [Coordinate]? {
            let cs = cs.filter { $0.x.isFinite && $0.y.isFinite }
            if cs.count < 2 {
                changed = true
                return nil
            }
            return cs
        }
        let result: Geometry
        switch g {
        case .polygon(let rings): result = polygon(rings).map { .polygon($0) } ?? .polygon([])
        case .multiPolygon(let ps): result = .multiPolygon(ps.compactMap(polygon))
        case .lineString(let cs): result = .lineString(line(cs) ?? [])
        case .multiLineString(let ls): result = .multiLineString(ls.compactMap(line))
        default: result = g
        }
        return (result, changed)
    }

    static func isObviouslyValid(_ g: Geometry) -> Bool {
        switch g {
        case .point(let c): return c.x.isFinite && c.y.isFinite
        case .multiPoint(let cs): return cs.allSatisfy { $0.x.isFinite && $0.y.isFinite }
        case .lineString(let cs): return isSimpleLine(cs)
        case .multiLineString(let ls): return ls.allSatisfy(isSimpleLine)
        case .polygon(let rings): return rings.count == 1 && isSimpleRing(rings[0])
        default: return false
        }
    }

    /// At least two distinct points: what GEOS requires of a line.
    static func isSimpleLine(_ cs: [Coordinate]) -> Bool {
        guard cs.count >= 2, let first = cs.first else { return false }
        return cs.contains { $0 != first } && cs.allSatisfy { $0.x.isFinite && $0.y.isFinite }
    }

    /// A closed ring of up to 32 vertices with no repeated vertex, no zero-length or collinear
    /// consecutive segments, and no two non-adjacent segments meeting.
    static func isSimpleRing(_ r: [Coordinate]) -> Bool {
        let n = r.count
        guard n >= 4, n <= 32, r[0] == r[n - 1] else { return false }
        @inline(__always) func orient(_ a: Coordinate, _ b: Coordinate, _ c: Coordinate) -> Double {
            (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
        }
        let segments = n - 1
        for i in 0..<segments {
            let a = r[i], b = r[i + 1]
            if a == b || !a.x.isFinite || !a.y.isFinite { return false }
            // Consecutive segments must turn (collinear ones may be spikes).
            let c = i + 2 < n ? r[i + 2] : r[1]
            if orient(a, b, c) == 0 { return false }
        }
        for i in 0..<segments {
            let a = r[i], b = r[i + 1]
            for j in stride(from: i + 2, to: segments, by: 1) {
                if i == 0 && j == segments - 1 { continue }  // adjacent through the closing vertex
                let c = r[j], d = r[j + 1]
                let d1 = orient(a, b, c), d2 = orient(a, b, d), d3 = orient(c, d, a), d4 = orient(c, d, b)
                if d1 == 0 || d2 == 0 || d3 == 0 || d4 == 0 { return false }
                if (d1 > 0) != (d2 > 0) && (d3 > 0) != (d4 > 0) { return false }
            }
        }
        return true
    }
}
