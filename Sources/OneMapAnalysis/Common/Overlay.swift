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

    /// Clips stored geometries to one area (a site, a region): features wholly inside it are kept
    /// as they are and an area wholly inside a feature is the area itself, both decided by a
    /// prepared geometry; only features crossing its edge go through the overlay.
    public final class Clipper {
        let overlay: Overlay
        public let area: Geometry
        let shape: GEOSShape
        let prepared: PreparedGeometry

        init(_ overlay: Overlay, area: Geometry) throws {
            self.overlay = overlay
            self.area = area
            shape = try overlay.geos.shape(area)
            prepared = try overlay.geos.prepare(area)
        }

        /// The polygonal part of the stored geometry inside the area, nil when none. The stored
        /// geometry goes to GEOS once for all the tests and the overlay.
        public func clip(_ stored: Geometry) throws -> Geometry? {
            guard let box = stored.boundingBox, box.intersects(prepared.boundingBox) else { return nil }
            let other = try overlay.geos.shape(stored)
            guard try prepared.intersects(other) else { return nil }
            if try prepared.covers(other) { return Overlay.polygonal(stored) }
            if try prepared.coveredBy(other) { return area }
            do {
                return Overlay.polygonal(try overlay.geos.intersection(shape, other, gridSize: overlay.gridSize))
            } catch {
                // A damaged stored geometry: repair it and try once more.
                guard let fixed = try overlay.repaired(stored) else { return nil }
                return try overlay.intersection(area, fixed)
            }
        }
    }

    /// A clipper for `area` (valid, polygonal).
    public func clipper(_ area: Geometry) throws -> Clipper { try Clipper(self, area: area) }

    /// The polygonal part of `a ∩ stored`, where `stored` comes from the store: imports and edits
    /// keep stored geometries valid, so they are not checked again (a GEOS failure, as a damaged
    /// store would cause, falls back to repairing and retrying).
    public func storedIntersection(_ a: Geometry, _ stored: Geometry) throws -> Geometry? {
        do {
            return try intersection(a, stored)
        } catch {
            guard let fixed = try repaired(stored) else { return nil }
            return try intersection(a, fixed)
        }
    }

    /// The polygonal part of `a − b`, nil when nothing is left.
    public func difference(_ a: Geometry, _ b: Geometry) throws -> Geometry? {
        if a == b { return nil }
        return Self.polygonal(try geos.difference(a, b, gridSize: gridSize))
    }

    /// The union of polygons, nil for none.
    public func union(_ parts: [Geometry]) throws -> Geometry? {
        guard !parts.isEmpty else { return nil }
        if parts.count == 1 { return Self.polygonal(parts[0]) }
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
