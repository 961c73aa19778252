import Foundation

/// Converts coordinates from one CRS to another.
///
/// Lon/lat ↔ Web Mercator and the display-equivalent lon/lat CRSs (4326, 4490, CRS84) are done
/// in Swift, because the renderer runs them for every vertex; GCJ-02 goes through `GCJ02`;
/// everything else through PROJ. Not `Sendable` (it may own PROJ objects): one per task.
public final class CoordinateTransform {
    public let source: CRS
    public let target: CRS
    private let steps: [Step]
    /// How exact the conversion is; set by `checked(…)`, nil for transforms made with `init`.
    public let report: TransformationReport?

    enum Step {
        case fromGCJ02
        case toGCJ02
        case lonLatToMercator
        case mercatorToLonLat
        /// A named CRS's four parameters: local → base, or back.
        case plane(PlaneSimilarity)
        case planeInverse(PlaneSimilarity)
        case proj(ProjTransformer)
    }

    /// One side of a transformation after OneMap's own steps: the CRS PROJ sees, as a `CRS` when
    /// it is one (for the Swift shortcuts) and as PROJ's definition text.
    struct Core {
        var crs: CRS?
        var definition: String
        /// Named CRS parameters, whose accuracy stands in for PROJ's "unknown".
        var parameters: NamedCRS?

        init(_ crs: CRS) {
            self.crs = crs
            definition = crs.projDefinition
        }

        init(definition: String, parameters: NamedCRS? = nil) {
            self.definition = definition
            self.parameters = parameters
        }

        var name: String { parameters?.name ?? crs?.identifier ?? String(definition.prefix(60)) }
    }

    private init(source: CRS, target: CRS, steps: [Step], report: TransformationReport?) {
        self.source = source
        self.target = target
        self.steps = steps
        self.report = report
    }

    /// PROJ's usual choice between the two (a ballpark one when there is nothing better): for
    /// display, tiles and queries. Imports use `checked`, which says how exact the answer is.
    /// - Throws: `GeometryError.transformFailed` when PROJ has no way between the two.
    public convenience init(from source: CRS, to target: CRS) throws {
        let (pre, from) = try Self.entering(source)
        let (post, to) = try Self.leaving(target)
        self.init(source: source, target: target, steps: pre + (try Self.core(from, to, area: nil)) + post, report: nil)
    }

    /// A transformation from a CRS given as WKT or PROJJSON (a source without an EPSG code).
    /// - Throws: `GeometryError.transformFailed` when PROJ cannot read the definition.
    public convenience init(fromDefinition definition: String, to target: CRS) throws {
        let (post, to) = try Self.leaving(target)
        self.init(source: .wgs84, target: target, steps: (try Self.core(Core(definition: definition), to, area: nil)) + post, report: nil)
    }

    /// A transformation into a CRS given as a PROJ string or WKT (a local projection).
    public convenience init(from source: CRS, toDefinition definition: String) throws {
        let (pre, from) = try Self.entering(source)
        self.init(source: source, target: .wgs84, steps: pre + (try Self.core(from, Core(definition: definition), area: nil)), report: nil)
    }

    /// A transformation that knows how exact it is (`report`), for data that will be stored or
    /// handed on. When PROJ's best operation over `area` only guesses the datum shift (a
    /// "ballpark" one), it goes through WGS 84 instead if both legs are real (WGS 84 and
    /// CGCS2000 taken as equal: they differ by centimetres); otherwise it refuses unless
    /// `ballpark` is `.allow`.
    /// - Parameters:
    ///   - source: the data's CRS, or a `NamedCRS` not registered (`--towgs84` on an import).
    ///   - area: the data's extent in the source CRS, so PROJ weighs the operations valid there.
    /// - Throws: `GeometryError.ballparkOnly`, `.unknownCRS`, `.transformFailed`.
    public static func checked(from source: CRS, to target: CRS, area: BoundingBox?, ballpark: BallparkPolicy) throws -> CoordinateTransform {
        let (pre, from) = try entering(source)
        return try checked(source: source, pre: pre, from: from, to: target, area: area, ballpark: ballpark)
    }

    /// `checked` from a source given by its definition (WKT of a file without an EPSG code) or
    /// by parameters not registered (`base` + `towgs84`).
    public static func checked(from definition: NamedCRS, to target: CRS, area: BoundingBox?, ballpark: BallparkPolicy) throws -> CoordinateTransform {
        let problems = definition.problems()
        guard problems.isEmpty else { throw GeometryError.invalid(problems.joined(separator: "; ")) }
        let pre: [Step] = definition.plane.map { [.plane($0)] } ?? []
        let core = Core(definition: try definition.projDefinition(), parameters: definition)
        return try checked(source: .wgs84, pre: pre, from: core, to: target, area: area, ballpark: ballpark)
    }

    private static func checked(source: CRS, pre: [Step], from: Core, to target: CRS, area: BoundingBox?, ballpark: BallparkPolicy) throws -> CoordinateTransform {
        let (post, to) = try leaving(target)
        var report = TransformationReport.exact
        for step in pre {
            switch step {
            case .fromGCJ02: report = report.then(TransformationReport(operation: "GCJ-02 offset removed (OneMap)", accuracy: 1))
            case .plane: report = report.then(TransformationReport(operation: "four-parameter plane transformation of \(from.name)", accuracy: from.parameters?.accuracy))
            default: break
            }
        }
        let degrees = lonLatArea(area, pre: pre, from: from)
        let (steps, coreReport) = try checkedCore(from, to, area: degrees, ballpark: ballpark)
        report = report.then(coreReport)
        if case .named(let name) = target.code, let p = CRSRegistry.named(name), p.plane != nil {
            report = report.then(TransformationReport(operation: "four-parameter plane transformation of \(name)", accuracy: p.accuracy))
        }
        return CoordinateTransform(source: source, target: target, steps: pre + steps + post, report: report)
    }

    /// OneMap's own steps before PROJ: GCJ-02 to WGS 84, a named CRS's plane parameters.
    private static func entering(_ crs: CRS) throws -> ([Step], Core) {
        switch crs.code {
        case .gcj02: return ([.fromGCJ02], Core(.wgs84))
        case .named(let name):
            guard let entry = CRSRegistry.entry(name) else { throw GeometryError.unknownCRS(name) }
            return (entry.crs.plane.map { [.plane($0)] } ?? [], Core(definition: entry.definition, parameters: entry.crs))
        default: return ([], Core(crs))
        }
    }

    /// OneMap's own steps after PROJ.
    private static func leaving(_ crs: CRS) throws -> ([Step], Core) {
        switch crs.code {
        case .gcj02: return ([.toGCJ02], Core(.wgs84))
        case .named(let name):
            guard let entry = CRSRegistry.entry(name) else { throw GeometryError.unknownCRS(name) }
            return (entry.crs.plane.map { [.planeInverse($0)] } ?? [], Core(definition: entry.definition, parameters: entry.crs))
        default: return ([], Core(crs))
        }
    }

    /// The PROJ part, or Swift's closed forms for lon/lat ↔ lon/lat and lon/lat ↔ Web Mercator.
    private static func core(_ from: Core, _ to: Core, area: BoundingBox?) throws -> [Step] {
        if let shortcut = shortcut(from, to) { return shortcut }
        return [.proj(try ProjTransformerPool.take(from: from.definition, to: to.definition, area: area))]
    }

    private static func shortcut(_ from: Core, _ to: Core) -> [Step]? {
        if from.definition == to.definition { return [] }
        guard let a = from.crs, let b = to.crs else { return nil }
        if a.isDisplayEquivalent(to: b) { return [] }
        if a.isDisplayEquivalent(to: .wgs84), b == .webMercator { return [.lonLatToMercator] }
        if a == .webMercator, b.isDisplayEquivalent(to: .wgs84) { return [.mercatorToLonLat] }
        return nil
    }

    private static func checkedCore(_ from: Core, _ to: Core, area: BoundingBox?, ballpark: BallparkPolicy) throws -> ([Step], TransformationReport) {
        if let shortcut = shortcut(from, to) {
            let sameDatum = from.crs?.isDisplayEquivalent(to: to.crs ?? .wgs84) == true && from.crs != to.crs
                && Set([from.crs?.epsg, to.crs?.epsg]) == Set([4326, 4490])
            return (shortcut, sameDatum ? TransformationReport(operation: "WGS 84 taken as CGCS2000", accuracy: 0.05, viaWGS84: true) : .exact)
        }
        // PROJ is asked for its reports first; a transformer is built only for the path taken.
        let direct = try report(from, to, area: area)
        if !direct.ballpark { return (try core(from, to, area: area), direct) }
        // Through WGS 84 = CGCS2000, when PROJ has a real datum shift on each side.
        for (x, y) in [(CRS.wgs84, CRS.cgcs2000), (CRS.cgcs2000, CRS.wgs84)] {
            guard let first = try? report(from, Core(x), area: area), !first.ballpark,
                  let second = try? report(Core(y), to, area: area), !second.ballpark else { continue }
            var through = first.then(second)
            through.viaWGS84 = true
            return (try core(from, Core(x), area: area) + core(Core(y), to, area: area), through)
        }
        guard ballpark == .allow else { throw GeometryError.ballparkOnly(from: from.name, to: to.name) }
        return (try core(from, to, area: area), direct)
    }

    /// PROJ's report of one leg (exact for a shortcut).
    private static func report(_ from: Core, _ to: Core, area: BoundingBox?) throws -> TransformationReport {
        if shortcut(from, to) != nil { return .exact }
        var report = try ProjOperations.best(from: from.definition, to: to.definition, area: area)
        // PROJ knows no accuracy for parameters it was handed; the file's own figure stands in.
        if report.accuracy == nil, !report.ballpark, let p = from.parameters ?? to.parameters, p.towgs84 != nil {
            report.accuracy = p.accuracy
            report.operation = from.parameters != nil ? "datum shift of \(p.name) to WGS 84 (its +towgs84)" : "datum shift from WGS 84 to \(p.name) (its +towgs84)"
        }
        return report
    }

    /// The area in degrees (west, south, east, north) for PROJ's choice of operation; any
    /// transformation is good enough for that, a ballpark one included.
    private static func lonLatArea(_ area: BoundingBox?, pre: [Step], from: Core) -> BoundingBox? {
        guard var box = area, !box.isEmpty else { return nil }
        do {
            for case .plane(let p) in pre {
                var b = BoundingBox.empty
                for c in [Coordinate(box.minX, box.minY), Coordinate(box.maxX, box.minY), Coordinate(box.minX, box.maxY), Coordinate(box.maxX, box.maxY)] {
                    b.extend(p.forward(c))
                }
                box = b
            }
            if !(from.crs?.isGeographic ?? ProjOperations.isGeographic(from.definition)) {
                let t = CoordinateTransform(source: .wgs84, target: .wgs84,
                                            steps: [.proj(try ProjTransformerPool.take(from: from.definition, to: CRS.wgs84.projDefinition))], report: nil)
                box = try t.apply(box)
            }
        } catch {
            return nil
        }
        // A single point is an area too: PROJ takes an empty box for "anywhere".
        let pad = 1e-6
        return BoundingBox(minX: max(-180, box.minX - pad), minY: max(-90, box.minY - pad), maxX: min(180, box.maxX + pad), maxY: min(90, box.maxY + pad))
    }

    deinit {
        for case .proj(let t) in steps { ProjTransformerPool.give(t) }
    }

    /// True when coordinates come out unchanged.
    public var isIdentity: Bool { steps.isEmpty }

    /// Transforms coordinates in place.
    public func apply(_ buffer: UnsafeMutableBufferPointer<Coordinate>) throws {
        for step in steps {
            switch step {
            case .fromGCJ02: for i in buffer.indices { buffer[i] = GCJ02.toWGS84(buffer[i]) }
            case .toGCJ02: for i in buffer.indices { buffer[i] = GCJ02.fromWGS84(buffer[i]) }
            case .lonLatToMercator: for i in buffer.indices { buffer[i] = WebMercator.project(buffer[i]) }
            case .mercatorToLonLat: for i in buffer.indices { buffer[i] = WebMercator.unproject(buffer[i]) }
            case .plane(let p): for i in buffer.indices { buffer[i] = p.forward(buffer[i]) }
            case .planeInverse(let p): for i in buffer.indices { buffer[i] = p.inverse(buffer[i]) }
            case .proj(let p): try p.transform(buffer)
            }
        }
    }

    public func apply(_ c: Coordinate) throws -> Coordinate {
        var copy = [c]
        try copy.withUnsafeMutableBufferPointer { try apply($0) }
        return copy[0]
    }

    public func apply(_ cs: [Coordinate]) throws -> [Coordinate] {
        var copy = cs
        try copy.withUnsafeMutableBufferPointer { try apply($0) }
        return copy
    }

    /// Transforms every coordinate of a geometry.
    public func apply(_ g: Geometry) throws -> Geometry {
        if steps.isEmpty { return g }
        switch g {
        case .point(let c): return c.x.isNaN ? g : .point(try apply(c))
        case .lineString(let cs): return .lineString(try apply(cs))
        case .multiPoint(let cs): return .multiPoint(try apply(cs))
        case .polygon(let rings): return .polygon(try rings.map { try apply($0) })
        case .multiLineString(let lines): return .multiLineString(try lines.map { try apply($0) })
        case .multiPolygon(let ps): return .multiPolygon(try ps.map { try $0.map { try apply($0) } })
        case .collection(let parts): return .collection(try parts.map { try apply($0) })
        }
    }

    /// Transforms a box by sampling its edges (21 points a side), so curved images are covered.
    public func apply(_ box: BoundingBox) throws -> BoundingBox {
        if steps.isEmpty { return box }
        var points: [Coordinate] = []
        let n = 20
        for i in 0...n {
            let t = Double(i) / Double(n)
            let x = box.minX + t * box.width
            let y = box.minY + t * box.height
            points += [Coordinate(x, box.minY), Coordinate(x, box.maxY), Coordinate(box.minX, y), Coordinate(box.maxX, y)]
        }
        var out = BoundingBox.empty
        for c in try apply(points) { out.extend(c) }
        return out
    }
}

/// Spherical Web Mercator (EPSG:3857) in closed form.
public enum WebMercator {
    public static let radius = 6_378_137.0
    public static let maxLatitude = 85.051_128_779_806_59
    /// Half the world's width in metres (the WebMercatorQuad origin's magnitude).
    public static let halfWorld = 20_037_508.342_789_244

    @inlinable
    public static func project(_ c: Coordinate) -> Coordinate {
        let lat = Swift.min(Swift.max(c.y, -maxLatitude), maxLatitude)
        let x = c.x * .pi / 180 * radius
        let y = log(tan(.pi / 4 + lat * .pi / 360)) * radius
        return Coordinate(x, y)
    }

    @inlinable
    public static func unproject(_ c: Coordinate) -> Coordinate {
        let lon = c.x / radius * 180 / .pi
        let lat = (2 * atan(exp(c.y / radius)) - .pi / 2) * 180 / .pi
        return Coordinate(lon, lat)
    }
}
