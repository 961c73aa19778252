import Foundation

/// GCJ-02 ("Mars coordinates"), the offset AMap, Tencent and other Chinese map services apply to
/// WGS 84 inside China. The forward formula is public; there is no closed inverse, so
/// `toWGS84` inverts it by fixed-point iteration until the forward image matches to ~1e-9°
/// (about 0.1 mm), far inside the 0.5 m the import promises.
public enum GCJ02 {
    // Krasovsky 1940 ellipsoid, as the published formula uses.
    static let semiMajorAxis = 6_378_245.0
    static let eccentricitySquared = 0.006_693_421_622_965_943_23

    /// Whether the offset applies: the formula leaves points outside China's rough box alone.
    public static func isInsideChina(_ c: Coordinate) -> Bool {
        c.x >= 72.004 && c.x <= 137.8347 && c.y >= 0.8293 && c.y <= 55.8271
    }

    /// WGS 84 (≈ CGCS2000) lon/lat → GCJ-02.
    public static func fromWGS84(_ c: Coordinate) -> Coordinate {
        guard isInsideChina(c) else { return c }
        let d = offset(c)
        return Coordinate(c.x + d.x, c.y + d.y)
    }

    /// GCJ-02 → WGS 84 (≈ CGCS2000) lon/lat, by iterating the forward formula.
    public static func toWGS84(_ c: Coordinate) -> Coordinate {
        guard isInsideChina(c) else { return c }
        var guess = Coordinate(c.x - offset(c).x, c.y - offset(c).y)
        for _ in 0..<30 {
            let forward = fromWGS84(guess)
            let dx = forward.x - c.x
            let dy = forward.y - c.y
            guess.x -= dx
            guess.y -= dy
            if abs(dx) < 1e-10 && abs(dy) < 1e-10 { break }
        }
        return guess
    }

    static func offset(_ c: Coordinate) -> Coordinate {
        let x = c.x - 105.0
        let y = c.y - 35.0
        var dLat = latitudeTerm(x, y)
        var dLon = longitudeTerm(x, y)
        let radLat = c.y / 180.0 * .pi
        var magic = sin(radLat)
        magic = 1 - eccentricitySquared * magic * magic
        let sqrtMagic = magic.squareRoot()
        dLat = (dLat * 180.0) / ((semiMajorAxis * (1 - eccentricitySquared)) / (magic * sqrtMagic) * .pi)
        dLon = (dLon * 180.0) / (semiMajorAxis / sqrtMagic * cos(radLat) * .pi)
        return Coordinate(dLon, dLat)
    }

    static func latitudeTerm(_ x: Double, _ y: Double) -> Double {
        var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs(x).squareRoot()
        r += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        r += (20.0 * sin(y * .pi) + 40.0 * sin(y / 3.0 * .pi)) * 2.0 / 3.0
        r += (160.0 * sin(y / 12.0 * .pi) + 320.0 * sin(y * .pi / 30.0)) * 2.0 / 3.0
        return r
    }

    static func longitudeTerm(_ x: Double, _ y: Double) -> Double {
        var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs(x).squareRoot()
        r += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        r += (20.0 * sin(x * .pi) + 40.0 * sin(x / 3.0 * .pi)) * 2.0 / 3.0
        r += (150.0 * sin(x / 12.0 * .pi) + 300.0 * sin(x / 30.0 * .pi)) * 2.0 / 3.0
        return r
    }
}
