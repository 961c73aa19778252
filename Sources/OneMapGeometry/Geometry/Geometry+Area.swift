extension Geometry {
    /// The planar area in CRS units squared (shoelace: outer rings less their holes), for
    /// geometries already valid; points and lines have none.
    public var planarArea: Double {
        func ring(_ cs: [Coordinate]) -> Double {
            guard cs.count >= 3, let o = cs.first else { return 0 }
            var sum = 0.0
            // Relative to the first vertex, so large projected coordinates lose no precision.
            for (a, b) in zip(cs, cs.dropFirst()) { sum += (a.x - o.x) * (b.y - o.y) - (b.x - o.x) * (a.y - o.y) }
            return abs(sum) / 2
        }
        func polygon(_ rings: [[Coordinate]]) -> Double {
            guard let outer = rings.first else { return 0 }
            return max(0, ring(outer) - rings.dropFirst().reduce(0) { $0 + ring($1) })
        }
        switch self {
        case .polygon(let rings): return polygon(rings)
        case .multiPolygon(let ps): return ps.reduce(0) { $0 + polygon($1) }
        case .collection(let parts): return parts.reduce(0) { $0 + $1.planarArea }
        default: return 0
        }
    }
}
