import CPROJ

/// Distances and areas on an ellipsoid, through PROJ's copy of GeographicLib's geodesic routines
/// (Karney 2013): exact to round-off, the same answers as GeographicLib's `Planimeter` and
/// `GeodSolve`. Land surveys in China report the ellipsoidal area on CGCS2000 (图斑椭球面积).
///
/// Thread rule: a value type; the C struct it holds is only read after `geod_init`.
public struct Geodesic: Sendable {
    private var g = geod_geodesic()

    /// - Parameters: a: equatorial radius in metres; f: flattening.
    public init(a: Double, f: Double) { geod_init(&g, a, f) }

    /// CGCS2000's ellipsoid (a = 6 378 137 m, 1/f = 298.257222101, as GRS 80).
    public static let cgcs2000 = Geodesic(a: 6_378_137, f: 1 / 298.257_222_101)
    /// WGS 84's ellipsoid.
    public static let wgs84 = Geodesic(a: 6_378_137, f: 1 / 298.257_223_563)

    /// The distance in metres between two lon/lat points, with the azimuths at each end (degrees).
    public func inverse(_ a: Coordinate, _ b: Coordinate) -> (distance: Double, azimuth1: Double, azimuth2: Double) {
        var s = 0.0, azi1 = 0.0, azi2 = 0.0
        withUnsafePointer(to: g) { geod_inverse($0, a.y, a.x, b.y, b.x, &s, &azi1, &azi2) }
        return (s, azi1, azi2)
    }

    /// The point `distance` metres from `start` along `azimuth` (degrees clockwise from north).
    public func direct(from start: Coordinate, azimuth: Double, distance: Double) -> Coordinate {
        var lat = 0.0, lon = 0.0
        withUnsafePointer(to: g) { geod_direct($0, start.y, start.x, azimuth, distance, &lat, &lon, nil) }
        return Coordinate(lon, lat)
    }

    /// The area in m² enclosed by a ring of lon/lat points (closed or not), always positive.
    public func ringArea(_ ring: [Coordinate]) -> Double {
        var points = ring
        if points.count > 1, points.first == points.last { points.removeLast() }
        guard points.count >= 3 else { return 0 }
        var lats = points.map(\.y), lons = points.map(\.x)
        var area = 0.0, perimeter = 0.0
        withUnsafePointer(to: g) { geod_polygonarea($0, &lats, &lons, Int32(points.count), &area, &perimeter) }
        return abs(area)
    }

    /// The ellipsoidal area in m² of a lon/lat geometry: polygons' outer rings less their holes;
    /// points and lines have none.
    public func area(_ geometry: Geometry) -> Double {
        switch geometry {
        case .polygon(let rings): polygonArea(rings)
        case .multiPolygon(let polygons): polygons.reduce(0) { $0 + polygonArea($1) }
        case .collection(let parts): parts.reduce(0) { $0 + area($1) }
        default: 0
        }
    }

    func polygonArea(_ rings: [[Coordinate]]) -> Double {
        guard let outer = rings.first else { return 0 }
        return max(0, ringArea(outer) - rings.dropFirst().reduce(0) { $0 + ringArea($1) })
    }

    /// The geodesic length in metres of a lon/lat line (every part of a multi-line).
    public func length(_ geometry: Geometry) -> Double {
        func line(_ cs: [Coordinate]) -> Double { zip(cs, cs.dropFirst()).reduce(0) { $0 + inverse($1.0, $1.1).distance } }
        switch geometry {
        case .lineString(let cs): return line(cs)
        case .multiLineString(let ls): return ls.reduce(0) { $0 + line($1) }
        case .polygon(let rings): return rings.reduce(0) { $0 + line($1) }
        case .multiPolygon(let ps): return ps.reduce(0) { $0 + $1.reduce(0) { $0 + line($1) } }
        case .collection(let parts): return parts.reduce(0) { $0 + length($1) }
        default: return 0
        }
    }
}
