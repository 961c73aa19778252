import Foundation
import OneMapGeometry

/// The demo city's local frame: metres in CGCS2000 / 3° Gauss-Krüger CM 117E (EPSG:4548), and a
/// street grid in parameter space (u east, v north, metres from the centre) bent by a gentle
/// rotation and long sine waves, so roads are not ruler-straight but blocks still tile.
struct CityFrame {
    static let crs = CRS(.epsg(4548))
    /// Centre of the city (near the canal in the old town), EPSG:4548 metres.
    let center: Coordinate
    let rotation = 4.0 * Double.pi / 180
    let amplitude = 70.0
    let wavelength = 5200.0

    /// Maps grid parameters to metres.
    func warp(_ u: Double, _ v: Double) -> Coordinate {
        let c = cos(rotation), s = sin(rotation)
        let du = amplitude * sin(2 * .pi * v / wavelength + 0.7)
        let dv = amplitude * sin(2 * .pi * u / (wavelength * 1.3) + 2.1)
        let uu = u + du, vv = v + dv
        return Coordinate(center.x + uu * c - vv * s, center.y + uu * s + vv * c)
    }

    /// Inverts `warp` by fixed-point iteration (the bend is small, so a few steps suffice).
    func unwarp(_ p: Coordinate) -> (u: Double, v: Double) {
        let c = cos(rotation), s = sin(rotation)
        let dx = p.x - center.x, dy = p.y - center.y
        let uu = dx * c + dy * s, vv = -dx * s + dy * c
        var u = uu, v = vv
        for _ in 0..<8 {
            u = uu - amplitude * sin(2 * .pi * v / wavelength + 0.7)
            v = vv - amplitude * sin(2 * .pi * u / (wavelength * 1.3) + 2.1)
        }
        return (u, v)
    }

    /// The polyline of an iso-u line (a north–south street) from v0 to v1, a vertex every `step` metres.
    func isoU(_ u: Double, _ v0: Double, _ v1: Double, step: Double = 100) -> [Coordinate] {
        let n = max(1, Int(ceil(abs(v1 - v0) / step)))
        return (0...n).map { warp(u, v0 + (v1 - v0) * Double($0) / Double(n)) }
    }

    /// The polyline of an iso-v line (an east–west street).
    func isoV(_ v: Double, _ u0: Double, _ u1: Double, step: Double = 100) -> [Coordinate] {
        let n = max(1, Int(ceil(abs(u1 - u0) / step)))
        return (0...n).map { warp(u0 + (u1 - u0) * Double($0) / Double(n), v) }
    }

    /// A closed counter-clockwise ring for the parameter rectangle, edges sampled every `step` metres.
    func rectangle(_ u0: Double, _ v0: Double, _ u1: Double, _ v1: Double, step: Double = 100) -> [Coordinate] {
        var ring = isoV(v0, u0, u1, step: step)
        ring += isoU(u1, v0, v1, step: step).dropFirst()
        ring += isoV(v1, u1, u0, step: step).dropFirst()
        ring += isoU(u0, v1, v0, step: step).dropFirst()
        return ring
    }

    /// A rectangle rotated by the grid's local direction, centred on parameter (u, v), for buildings.
    func footprint(u: Double, v: Double, width: Double, depth: Double, angle: Double = 0) -> [Coordinate] {
        let c = cos(angle), s = sin(angle)
        let corners = [(-width / 2, -depth / 2), (width / 2, -depth / 2), (width / 2, depth / 2), (-width / 2, depth / 2), (-width / 2, -depth / 2)]
        return corners.map { warp(u + $0.0 * c - $0.1 * s, v + $0.0 * s + $0.1 * c) }
    }
}
