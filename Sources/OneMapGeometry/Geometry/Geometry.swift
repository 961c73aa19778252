/// A 2D simple-features geometry as a Swift value.
///
/// Polygons are lists of rings, the first the exterior; rings are closed (first == last).
/// Nothing here validates topology: GEOS does that (`GEOSContext.isValid`, `makeValid`).
public indirect enum Geometry: Hashable, Sendable {
    case point(Coordinate)
    case lineString([Coordinate])
    case polygon([[Coordinate]])
    case multiPoint([Coordinate])
    case multiLineString([[Coordinate]])
    case multiPolygon([[[Coordinate]]])
    case collection([Geometry])

    public var type: GeometryType {
        switch self {
        case .point: .point
        case .lineString: .lineString
        case .polygon: .polygon
        case .multiPoint: .multiPoint
        case .multiLineString: .multiLineString
        case .multiPolygon: .multiPolygon
        case .collection: .geometryCollection
        }
    }

    /// True when the geometry has no coordinates at all.
    public var isEmpty: Bool {
        switch self {
        case .point(let c): c.x.isNaN || c.y.isNaN
        case .lineString(let cs), .multiPoint(let cs): cs.isEmpty
        case .polygon(let rings), .multiLineString(let rings): rings.allSatisfy(\.isEmpty)
        case .multiPolygon(let polygons): polygons.allSatisfy { $0.allSatisfy(\.isEmpty) }
        case .collection(let parts): parts.allSatisfy(\.isEmpty)
        }
    }

    /// Calls `body` for every coordinate, in storage order.
    @inlinable
    public func forEachCoordinate(_ body: (Coordinate) throws -> Void) rethrows {
        switch self {
        case .point(let c): try body(c)
        case .lineString(let cs), .multiPoint(let cs): for c in cs { try body(c) }
        case .polygon(let rings), .multiLineString(let rings):
            for ring in rings { for c in ring { try body(c) } }
        case .multiPolygon(let polygons):
            for polygon in polygons { for ring in polygon { for c in ring { try body(c) } } }
        case .collection(let parts): for part in parts { try part.forEachCoordinate(body) }
        }
    }

    /// A copy with every coordinate replaced by `transform(coordinate)`.
    @inlinable
    public func mapCoordinates(_ transform: (Coordinate) throws -> Coordinate) rethrows -> Geometry {
        switch self {
        case .point(let c): return .point(try transform(c))
        case .lineString(let cs): return .lineString(try cs.map(transform))
        case .multiPoint(let cs): return .multiPoint(try cs.map(transform))
        case .polygon(let rings): return .polygon(try rings.map { try $0.map(transform) })
        case .multiLineString(let lines): return .multiLineString(try lines.map { try $0.map(transform) })
        case .multiPolygon(let polygons):
            return .multiPolygon(try polygons.map { try $0.map { try $0.map(transform) } })
        case .collection(let parts): return .collection(try parts.map { try $0.mapCoordinates(transform) })
        }
    }

    /// The bounding box, or nil when empty.
    public var boundingBox: BoundingBox? {
        var box = BoundingBox.empty
        forEachCoordinate { box.extend($0) }
        return box.isEmpty ? nil : box
    }

    /// The number of coordinates.
    public var coordinateCount: Int {
        var n = 0
        forEachCoordinate { _ in n += 1 }
        return n
    }

    /// The geometry as its multi type (a point becomes a one-point MultiPoint, ...).
    public var asMulti: Geometry {
        switch self {
        case .point(let c): .multiPoint([c])
        case .lineString(let cs): .multiLineString([cs])
        case .polygon(let rings): .multiPolygon([rings])
        default: self
        }
    }

    /// The parts of a multi geometry or collection as single geometries; a single geometry is its own part.
    public var parts: [Geometry] {
        switch self {
        case .multiPoint(let cs): cs.map { .point($0) }
        case .multiLineString(let lines): lines.map { .lineString($0) }
        case .multiPolygon(let polygons): polygons.map { .polygon($0) }
        case .collection(let parts): parts.flatMap(\.parts)
        default: [self]
        }
    }
}
