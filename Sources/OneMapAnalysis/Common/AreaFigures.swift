import Foundation
import OneMapGeometry

/// An area as planners report it: the ellipsoidal area on CGCS2000 (authoritative: land surveys
/// compute 图斑椭球面积 so) and the plane area in the 3° Gauss-Krüger zone, each in m², 公顷 and 亩
/// (1 亩 = 10000/15 m²).
public struct AreaFigures: Sendable, Hashable {
    /// m² on the CGCS2000 ellipsoid.
    public var ellipsoidal: Double
    /// m² in `planeCRS`.
    public var plane: Double
    /// The Gauss-Krüger zone CRS of the plane area (`EPSG:4527` in Cangzhou).
    public var planeCRS: String

    public static let squareMetresPerMu = 10_000.0 / 15

    public static func zero(planeCRS: String) -> AreaFigures { AreaFigures(ellipsoidal: 0, plane: 0, planeCRS: planeCRS) }

    public static func + (a: AreaFigures, b: AreaFigures) -> AreaFigures {
        AreaFigures(ellipsoidal: a.ellipsoidal + b.ellipsoidal, plane: a.plane + b.plane, planeCRS: a.planeCRS)
    }

    /// `{"ellipsoidal": {"m2", "ha", "mu"}, "plane": {"m2", "ha", "mu", "crs"}, "authoritative": "ellipsoidal"}`.
    public var json: JSONValue {
        func units(_ m2: Double) -> [(String, JSONValue)] {
            [("m2", .number(Self.round(m2, 2))), ("ha", .number(Self.round(m2 / 10_000, 4))), ("mu", .number(Self.round(m2 / Self.squareMetresPerMu, 4)))]
        }
        return .object([
            ("ellipsoidal", .object(units(ellipsoidal))),
            ("plane", .object(units(plane) + [("crs", .string(planeCRS))])),
            ("authoritative", .string("ellipsoidal")),
        ])
    }

    static func round(_ v: Double, _ decimals: Int) -> Double {
        let f = pow(10, Double(decimals))
        return (v * f).rounded() / f
    }
}

/// Measures lon/lat (CGCS2000) geometries: geodesic area on the ellipsoid, and plane area after
/// projecting into one Gauss-Krüger zone (the zone of the site under review, so every figure of
/// one report is in the same plane).
///
/// Not `Sendable` (it owns a PROJ transformation): one per analysis run.
public final class AreaMeasure {
    public let planeCRS: CRS
    private let toPlane: CoordinateTransform
    private let geos: GEOSContext

    /// - Parameter longitude: picks the 3° zone (zone-prefixed eastings, EPSG:4513–4533).
    public init(longitude: Double, geos: GEOSContext) throws {
        guard let crs = GaussKruger.crsWithZonePrefix(longitude: longitude) else {
            throw AnalysisError.invalidInput(input: "site", detail: "lies outside China's 3° Gauss-Krüger zones 25–45 (75°E–135°E)")
        }
        planeCRS = crs
        toPlane = try CoordinateTransform(from: .cgcs2000, to: crs)
        self.geos = geos
    }

    public func measure(_ lonLat: Geometry) throws -> AreaFigures {
        AreaFigures(ellipsoidal: Geodesic.cgcs2000.area(lonLat), plane: try toPlane.apply(lonLat).planarArea, planeCRS: planeCRS.identifier)
    }

    /// The plane (Gauss-Krüger) form of a lon/lat geometry.
    public func plane(_ lonLat: Geometry) throws -> Geometry { try toPlane.apply(lonLat) }
}
