import OneMapGeometry

/// Robust polygon overlay for analyses: inputs are repaired (GEOS MakeValid, keeping areas as
/// areas), then intersected or subtracted with snap-rounding on a fixed grid (OverlayNG), so the
/// same inputs always give the same areas and no "non-noded intersection" reaches a user. Only
/// polygonal results are kept (a shared edge is not an overlap).
///
/// Not `Sendable` (it holds a GEOS context): one per analysis run.
public final class Overlay {
    public let geos: GEOSContext
    /// The snap grid in CRS units (1e-8° ≈ 1 mm for lon/lat data).
    public let gridSize: Double

    public init(geos: GEOSContext, gridSize: Double) {
        self.geos = geos
        self.gridSize = gridSize
    }

    /// A valid polygonal version of `g` (nil when nothing of it has an area).
    public func repaired(_ g: Geometry) throws -> Geometry? {
        let fixed = try geos.isValid(g) ? g : try geos.makeValidPolygonal(g)
        return Self.polygonal(fixed)
    }

    /// The polygonal part of `a ∩ b`, nil when they share no area.
    public func intersection(_ a: Geometry, _ b: Geometry) throws -> Geometry? {
        guard let ba = a.boundingBox, let bb = b.boundingBox, ba.intersects(bb) else { return nil }
        return Self.polygonal(try geos.intersection(a, b, gridSize: gridSize))
    }

    /// The polygonal part of `a − b`, nil when nothing is left.
    public func difference(_ a: Geometry, _ b: Geometry) throws -> Geometry? {
        Self.polygonal(try geos.difference(a, b, gridSize: gridSize))
    }

    /// The union of polygons, nil for none.
    public func union(_ parts: [Geometry]) throws -> Geometry? {
        guard !parts.isEmpty else { return nil }
        return Self.polygonal(try geos.union(.collection(parts), gridSize: gridSize))
    }

    /// The polygons of a geometry as one (multi)polygon; nil when it has none.
    public static func polygonal(_ g: Geometry) -> Geometry? {
        var polygons: [[[Coordinate]]] = []
        func collect(_ g: Geometry) {
            switch g {
            case .polygon(let rings): if !rings.isEmpty && (rings.first?.count ?? 0) >= 4 { polygons.append(rings) }
            case .multiPolygon(let ps): for p in ps where (p.first?.count ?? 0) >= 4 { polygons.append(p) }
            case .collection(let parts): parts.forEach(collect)
            default: break
            }
        }
        collect(g)
        switch polygons.count {
        case 0: return nil
        case 1: return .polygon(polygons[0])
        default: return .multiPolygon(polygons)
        }
    }
}
