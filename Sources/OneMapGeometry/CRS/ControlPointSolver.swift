import Foundation

/// A control point: its coordinates in the system being defined and in the base system.
public struct ControlPoint: Sendable, Hashable {
    public var id: String
    /// x, y (plane) or X, Y, Z (geocentric) in the local system.
    public var local: [Double]
    /// The same point in the base system.
    public var base: [Double]

    public init(id: String, local: [Double], base: [Double]) {
        self.id = id
        self.local = local
        self.base = base
    }
}

/// Least-squares parameters from control points (`onemap crs solve`): the four-parameter plane
/// transformation from plane pairs, or the seven Bursa-Wolf parameters from geocentric pairs.
public enum ControlPointSolver {
    public struct Residual: Sendable {
        public var id: String
        /// Base-system coordinates minus the transformed local ones, per axis (metres).
        public var components: [Double]
        public var length: Double
        /// The residual of this point predicted from the others alone (leave one out).
        public var predicted: Double?
        /// True when the point disagrees with the others by far more than they do among themselves.
        public var outlier: Bool
    }

    public struct Solution: Sendable {
        public var plane: PlaneSimilarity?
        /// ΔX ΔY ΔZ (m), rX rY rZ (arc-seconds), scale (ppm): PROJ's `+towgs84` order and convention.
        public var helmert: [Double]?
        public var residuals: [Residual]
        /// Root mean square of the residual lengths (metres).
        public var rms: Double
        public var outliers: [String] { residuals.filter(\.outlier).map(\.id) }
        public var maxRMS: Double

        /// Why the parameters must not be used: a fit worse than `maxRMS`, or points that
        /// disagree with the rest; nil when they are fit for use.
        public var problem: SolveError? {
            rms > maxRMS || !outliers.isEmpty ? SolveError.inconsistent(rms: rms, limit: maxRMS, outliers: outliers) : nil
        }
    }

    public enum SolveError: Error, Equatable, CustomStringConvertible {
        case tooFew(needed: Int, got: Int)
        case collinear
        case mixedDimensions
        case inconsistent(rms: Double, limit: Double, outliers: [String])

        public var description: String {
            switch self {
            case .tooFew(let needed, let got):
                "too few control points: \(got), at least \(needed) are needed (one more than the minimum, so the fit can be checked)"
            case .collinear:
                "the control points lie on one line: they cannot fix (or check) the rotation across it; add points spread over the area"
            case .mixedDimensions:
                "every row needs the same number of coordinates: x,y,X,Y (plane) or X,Y,Z,X,Y,Z (geocentric)"
            case .inconsistent(let rms, let limit, let outliers):
                String(format: "the control points do not agree: RMS %.3f m over the %.3f m allowed", rms, limit)
                    + (outliers.isEmpty ? "" : "; suspect points: " + outliers.joined(separator: ", "))
            }
        }
    }

    /// Solves, with each point's residual and its leave-one-out check; `Solution.problem` says
    /// whether the result is fit for use.
    /// - Parameter maxRMS: metres; a fit worse than this, or a point the others miss by more, is a problem.
    /// - Throws: `SolveError` when the points cannot determine the parameters.
    public static func solve(_ points: [ControlPoint], maxRMS: Double) throws -> Solution {
        guard let d = points.first?.local.count else { throw SolveError.tooFew(needed: 3, got: 0) }
        guard points.allSatisfy({ $0.local.count == d && $0.base.count == d }), d == 2 || d == 3 else { throw SolveError.mixedDimensions }
        let needed = d == 2 ? 3 : 4
        guard points.count >= needed else { throw SolveError.tooFew(needed: needed, got: points.count) }
        guard !isCollinear(points.map(\.local)) else { throw SolveError.collinear }
        let fit: ([ControlPoint]) -> (([Double]) -> [Double], PlaneSimilarity?, [Double]?) = { pts in
            if d == 2 {
                let p = plane(pts)
                return ({ let c = p.forward(Coordinate($0[0], $0[1])); return [c.x, c.y] }, p, nil)
            }
            let h = helmert(pts)
            return ({ applyHelmert(h, $0) }, nil, h)
        }
        let (apply, planeParameters, helmertParameters) = fit(points)
        var residuals = points.map { p -> Residual in
            let c = apply(p.local)
            let v = zip(p.base, c).map { $0 - $1 }
            return Residual(id: p.id, components: v, length: v.map { $0 * $0 }.reduce(0, +).squareRoot(), predicted: nil, outlier: false)
        }
        let rms = (residuals.map { $0.length * $0.length }.reduce(0, +) / Double(points.count)).squareRoot()
        // Leave one out: a point is an outlier when the others, fitted without it, miss it by
        // three times their own RMS (and by more than the tolerance).
        if points.count > needed {
            for i in points.indices {
                var others = points
                others.remove(at: i)
                let (f, _, _) = fit(others)
                let miss = zip(points[i].base, f(points[i].local)).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
                let othersRMS = (others.map { p in zip(p.base, f(p.local)).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }.reduce(0, +) / Double(others.count)).squareRoot()
                residuals[i].predicted = miss
                residuals[i].outlier = miss > max(3 * othersRMS, maxRMS)
            }
        }
        return Solution(plane: planeParameters, helmert: helmertParameters, residuals: residuals, rms: rms, maxRMS: maxRMS)
    }

    /// Closed-form least squares of base = t + [[a, −b], [b, a]] · local, on centred coordinates.
    static func plane(_ points: [ControlPoint]) -> PlaneSimilarity {
        let n = Double(points.count)
        let mx = points.map { $0.local[0] }.reduce(0, +) / n, my = points.map { $0.local[1] }.reduce(0, +) / n
        let mX = points.map { $0.base[0] }.reduce(0, +) / n, mY = points.map { $0.base[1] }.reduce(0, +) / n
        var sxx = 0.0, sa = 0.0, sb = 0.0
        for p in points {
            let x = p.local[0] - mx, y = p.local[1] - my, X = p.base[0] - mX, Y = p.base[1] - mY
            sxx += x * x + y * y
            sa += x * X + y * Y
            sb += x * Y - y * X
        }
        let a = sa / sxx, b = sb / sxx
        return PlaneSimilarity(dx: mX - a * mx + b * my, dy: mY - b * mx - a * my, a: a, b: b)
    }

    /// Linearised Bursa-Wolf (small rotations, position-vector convention):
    /// base − local = T + s·local + [[0, −rz, ry], [rz, 0, −rx], [−ry, rx, 0]]·local.
    static func helmert(_ points: [ControlPoint]) -> [Double] {
        // Normal equations of 7 unknowns (tx ty tz rx ry rz s), with coordinates centred on the
        // local mean for conditioning and the translation moved back afterwards.
        let n = Double(points.count)
        let m = (0..<3).map { i in points.map { $0.local[i] }.reduce(0, +) / n }
        var N = [[Double]](repeating: [Double](repeating: 0, count: 7), count: 7)
        var u = [Double](repeating: 0, count: 7)
        for p in points {
            let X = p.local[0] - m[0], Y = p.local[1] - m[1], Z = p.local[2] - m[2]
            let rows: [([Double], Double)] = [
                ([1, 0, 0, 0, Z, -Y, X], p.base[0] - p.local[0]),
                ([0, 1, 0, -Z, 0, X, Y], p.base[1] - p.local[1]),
                ([0, 0, 1, Y, -X, 0, Z], p.base[2] - p.local[2]),
            ]
            for (a, l) in rows {
                for i in 0..<7 {
                    u[i] += a[i] * l
                    for j in 0..<7 { N[i][j] += a[i] * a[j] }
                }
            }
        }
        let x = solveLinear(N, u)
        let (rx, ry, rz, s) = (x[3], x[4], x[5], x[6])
        // Centred translation t' applies to (local − m); the full one: t = t' − (s·m + R×m).
        let t = [x[0] - (s * m[0] - rz * m[1] + ry * m[2]),
                 x[1] - (rz * m[0] + s * m[1] - rx * m[2]),
                 x[2] - (-ry * m[0] + rx * m[1] + s * m[2])]
        let seconds = 180 / Double.pi * 3600
        return t + [rx * seconds, ry * seconds, rz * seconds, s * 1e6]
    }

    /// The linearised Bursa-Wolf applied as PROJ applies `+towgs84` (position vector).
    static func applyHelmert(_ h: [Double], _ c: [Double]) -> [Double] {
        let r = Double.pi / 180 / 3600
        let (rx, ry, rz, s) = (h[3] * r, h[4] * r, h[5] * r, h[6] * 1e-6)
        let (X, Y, Z) = (c[0], c[1], c[2])
        return [h[0] + (1 + s) * (X - rz * Y + ry * Z),
                h[1] + (1 + s) * (rz * X + Y - rx * Z),
                h[2] + (1 + s) * (-ry * X + rx * Y + Z)]
    }

    /// True when the points lie (nearly) on one line: the smaller spread across their principal
    /// axis is under a millionth of the larger.
    static func isCollinear(_ points: [[Double]]) -> Bool {
        let n = Double(points.count)
        let d = points[0].count
        let mean = (0..<d).map { i in points.map { $0[i] }.reduce(0, +) / n }
        let centred = points.map { p in (0..<d).map { p[$0] - mean[$0] } }
        // The largest deviation from the line through the mean along the farthest point.
        guard let far = centred.max(by: { norm($0) < norm($1) }), norm(far) > 0 else { return true }
        let unit = far.map { $0 / norm(far) }
        let across = centred.map { c -> Double in
            let along = zip(c, unit).map { $0 * $1 }.reduce(0, +)
            return norm(zip(c, unit).map { $0 - along * $1 })
        }
        return (across.max() ?? 0) < 1e-6 * norm(far)
    }

    private static func norm(_ v: [Double]) -> Double { v.map { $0 * $0 }.reduce(0, +).squareRoot() }

    /// Gaussian elimination with partial pivoting (7×7 normal equations).
    static func solveLinear(_ a: [[Double]], _ b: [Double]) -> [Double] {
        var m = a
        var v = b
        let n = v.count
        for col in 0..<n {
            let pivot = (col..<n).max { abs(m[$0][col]) < abs(m[$1][col]) }!
            m.swapAt(col, pivot)
            v.swapAt(col, pivot)
            for row in (col + 1)..<n where m[col][col] != 0 {
                let f = m[row][col] / m[col][col]
                for k in col..<n { m[row][k] -= f * m[col][k] }
                v[row] -= f * v[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = v[row]
            for k in (row + 1)..<n { sum -= m[row][k] * x[k] }
            x[row] = m[row][row] == 0 ? 0 : sum / m[row][row]
        }
        return x
    }
}

extension ControlPoint {
    /// Reads control points from CSV text: `id,x,y,X,Y` (plane: local then base) or
    /// `id,X,Y,Z,X,Y,Z` (geocentric, metres); a header line and `#` comments are skipped.
    /// - Throws: `GeometryError.invalid` naming the line at fault.
    public static func parseCSV(_ text: String) throws -> [ControlPoint] {
        var points: [ControlPoint] = []
        var ids = Set<String>()
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = cells.dropFirst().map { Double($0) }
            if points.isEmpty, numbers.allSatisfy({ $0 == nil }) { continue }  // the header
            guard cells.count == 5 || cells.count == 7 else {
                throw GeometryError.invalid("line \(index + 1): \(cells.count) fields; a control point is id,x,y,X,Y or id,X,Y,Z,X,Y,Z")
            }
            guard numbers.allSatisfy({ $0?.isFinite == true }) else {
                throw GeometryError.invalid("line \(index + 1): the coordinates must be numbers")
            }
            let id = cells[0].isEmpty ? "#\(index + 1)" : cells[0]
            guard ids.insert(id).inserted else { throw GeometryError.invalid("line \(index + 1): point \(id) appears twice") }
            let values = numbers.map { $0! }
            let half = values.count / 2
            points.append(ControlPoint(id: id, local: Array(values[..<half]), base: Array(values[half...])))
        }
        return points
    }
}
