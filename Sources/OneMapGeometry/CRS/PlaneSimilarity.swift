import Foundation

/// The four-parameter plane transformation (平面四参数) between two plane coordinate systems,
/// the usual link between a city's independent grid and a national Gauss-Krüger zone:
///
///     base = (dx, dy) + k · R(θ) · local,   k = 1 + scalePPM · 10⁻⁶
///
/// with x = east, y = north, θ counter-clockwise.
public struct PlaneSimilarity: Codable, Hashable, Sendable {
    /// Metres.
    public var dx: Double
    public var dy: Double
    /// Counter-clockwise, in arc-seconds.
    public var rotationSeconds: Double
    /// The scale's departure from 1, in parts per million.
    public var scalePPM: Double

    public init(dx: Double, dy: Double, rotationSeconds: Double, scalePPM: Double) {
        self.dx = dx
        self.dy = dy
        self.rotationSeconds = rotationSeconds
        self.scalePPM = scalePPM
    }

    /// From the linear form base = (dx, dy) + [[a, −b], [b, a]] · local.
    public init(dx: Double, dy: Double, a: Double, b: Double) {
        self.dx = dx
        self.dy = dy
        rotationSeconds = atan2(b, a) * 180 / .pi * 3600
        scalePPM = ((a * a + b * b).squareRoot() - 1) * 1e6
    }

    public var rotationRadians: Double { rotationSeconds / 3600 * .pi / 180 }
    public var scale: Double { 1 + scalePPM * 1e-6 }
    public var a: Double { scale * cos(rotationRadians) }
    public var b: Double { scale * sin(rotationRadians) }

    /// Local → base.
    public func forward(_ c: Coordinate) -> Coordinate {
        let a = a, b = b
        return Coordinate(dx + a * c.x - b * c.y, dy + b * c.x + a * c.y)
    }

    /// Base → local.
    public func inverse(_ c: Coordinate) -> Coordinate {
        let a = a, b = b
        let u = c.x - dx, v = c.y - dy
        let d = a * a + b * b
        return Coordinate((a * u + b * v) / d, (-b * u + a * v) / d)
    }

    var isFinite: Bool { dx.isFinite && dy.isFinite && rotationSeconds.isFinite && scalePPM.isFinite && scale > 0 }
}
