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

    enum Step {
        case fromGCJ02
        case toGCJ02
        case lonLatToMercator
        case mercatorToLonLat
        case proj(ProjTransformer)
    }

    /// - Throws: `GeometryError.transformFailed` when PROJ has no way between the two.
    public init(from source: CRS, to target: CRS) throws {
        self.source = source
        self.target = target
        var steps: [Step] = []
        var from = source
        if from.code == .gcj02 {
            steps.append(.fromGCJ02)
            from = .wgs84
        }
        let to = target.code == .gcj02 ? CRS.wgs84 : target
        if from.isDisplayEquivalent(to: to) {
            // nothing
        } else if from.isDisplayEquivalent(to: .wgs84), to == .webMercator {
            steps.append(.lonLatToMercator)
        } else if from == .webMercator, to.isDisplayEquivalent(to: .wgs84) {
            steps.append(.mercatorToLonLat)
        } else {
            steps.append(.proj(try ProjTransformerPool.take(from: from.projDefinition, to: to.projDefinition)))
        }
        if target.code == .gcj02 { steps.append(.toGCJ02) }
        self.steps = steps
    }

    /// A transformation from a CRS given as WKT or PROJJSON (a source without an EPSG code).
    /// - Throws: `GeometryError.transformFailed` when PROJ cannot read the definition.
    public init(fromDefinition definition: String, to target: CRS) throws {
        self.source = .wgs84
        self.target = target
        let to = target.code == .gcj02 ? CRS.wgs84 : target
        var steps: [Step] = [.proj(try ProjTransformerPool.take(from: definition, to: to.projDefinition))]
        if target.code == .gcj02 { steps.append(.toGCJ02) }
        self.steps = steps
    }

    /// A transformation into a CRS given as a PROJ string or WKT (a local projection).
    public init(from source: CRS, toDefinition definition: String) throws {
        self.source = source
        self.target = .wgs84
        var steps: [Step] = []
        var from = source
        if from.code == .gcj02 {
            steps.append(.fromGCJ02)
            from = .wgs84
        }
        steps.append(.proj(try ProjTransformerPool.take(from: from.projDefinition, to: definition)))
        self.steps = steps
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
