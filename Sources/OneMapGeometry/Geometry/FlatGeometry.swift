/// A geometry in flat arrays, built for reuse on hot paths (rendering, bulk decoding): decode
/// feature after feature into the same value and no memory is allocated once the arrays have
/// grown to the largest feature.
///
/// `coordinates` holds every vertex; `partEnds[i]` is one past the last vertex of part i (a ring,
/// a line or a point); `polygonEnds[j]` is one past the last part of polygon j (polygon types only).
public struct FlatGeometry: Sendable {
    public var type: GeometryType = .point
    public var coordinates: [Coordinate] = []
    public var partEnds: [Int] = []
    public var polygonEnds: [Int] = []
    public var boundingBox: BoundingBox = .empty

    public init() {}

    /// Empties the value, keeping capacity.
    @inlinable
    public mutating func removeAll() {
        coordinates.removeAll(keepingCapacity: true)
        partEnds.removeAll(keepingCapacity: true)
        polygonEnds.removeAll(keepingCapacity: true)
        boundingBox = .empty
    }

    public var partCount: Int { partEnds.count }

    /// The vertex range of part `i`.
    @inlinable
    public func partRange(_ i: Int) -> Range<Int> { (i == 0 ? 0 : partEnds[i - 1])..<partEnds[i] }

    /// Builds a flat geometry from a `Geometry` (collections are flattened to their first dimension's parts).
    public init(_ g: Geometry) {
        self.init()
        append(g)
    }

    mutating func append(_ g: Geometry) {
        type = g.type
        func part(_ cs: [Coordinate]) {
            coordinates.append(contentsOf: cs)
            partEnds.append(coordinates.count)
        }
        switch g {
        case .point(let c): part([c])
        case .multiPoint(let cs): for c in cs { part([c]) }
        case .lineString(let cs): part(cs)
        case .multiLineString(let ls): for l in ls { part(l) }
        case .polygon(let rings):
            for r in rings { part(r) }
            polygonEnds.append(partEnds.count)
        case .multiPolygon(let ps):
            for p in ps {
                for r in p { part(r) }
                polygonEnds.append(partEnds.count)
            }
        case .collection(let parts):
            for p in parts { append(p) }
            type = .geometryCollection
        }
        for c in coordinates { boundingBox.extend(c) }
    }

    /// Whether two flat geometries hold the same parts (NaN ordinates compared by their bits).
    public func sameParts(as other: FlatGeometry) -> Bool {
        type == other.type && partEnds == other.partEnds && polygonEnds == other.polygonEnds && coordinates.count == other.coordinates.count
            && zip(coordinates, other.coordinates).allSatisfy { $0.x.bitPattern == $1.x.bitPattern && $0.y.bitPattern == $1.y.bitPattern }
    }

    /// The value as a `Geometry`.
    public var geometry: Geometry {
        func part(_ i: Int) -> [Coordinate] { Array(coordinates[partRange(i)]) }
        switch type {
        case .point: return .point(coordinates.first ?? Coordinate(.nan, .nan))
        case .multiPoint: return .multiPoint((0..<partCount).map { coordinates[partRange($0).lowerBound] })
        case .lineString: return .lineString(partCount > 0 ? part(0) : [])
        case .multiLineString: return .multiLineString((0..<partCount).map(part))
        case .polygon, .multiPolygon:
            var polygons: [[[Coordinate]]] = []
            var start = 0
            for end in polygonEnds {
                polygons.append((start..<end).map(part))
                start = end
            }
            return type == .polygon ? .polygon(polygons.first ?? []) : .multiPolygon(polygons)
        case .geometryCollection:
            return .collection((0..<partCount).map { .lineString(part($0)) })
        }
    }
}
