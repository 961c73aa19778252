import Foundation

/// A local metric plane around a point: a transverse Mercator projection on the GRS 80 (CGCS2000)
/// ellipsoid with its central meridian and origin at the point. Distances, buffers and areas
/// computed in it are true on the ground near the point (the scale error is (d / R)² / 2: 1.2 ppm
/// 10 km away), wherever in the world it is and whatever CRS the data are stored in.
///
/// Not `Sendable` (it owns PROJ transformations): one per task.
public final class LocalFrame {
    /// The frame's origin in lon/lat.
    public let origin: Coordinate
    public let source: CRS
    private let forward: CoordinateTransform
    private let inverse: CoordinateTransform

    /// The PROJ definition of the frame around `origin`.
    public static func definition(around origin: Coordinate) -> String {
        "+proj=tmerc +lat_0=\(origin.y) +lon_0=\(origin.x) +k=1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs +type=crs"
    }

    /// Origins are rounded to this many degrees, so the frames of nearby questions are the same
    /// frame (and its PROJ set-up is reused); 0.02° puts the origin at most 1.6 km from the point,
    /// where the scale error is below 0.04 ppm.
    static let originGrid = 0.02

    /// - Parameters:
    ///   - origin: lon/lat (rounded to `originGrid`).
    ///   - source: the CRS of the geometries to project.
    public init(around point: Coordinate, source: CRS) throws {
        let origin = Coordinate((point.x / Self.originGrid).rounded() * Self.originGrid, (point.y / Self.originGrid).rounded() * Self.originGrid)
        self.origin = origin
        self.source = source
        let definition = Self.definition(around: origin)
        forward = try CoordinateTransform(from: source, toDefinition: definition)
        inverse = try CoordinateTransform(fromDefinition: definition, to: source)
    }

    /// A frame around the centre of `geometry` (in `source`).
    public convenience init(around geometry: Geometry, source: CRS) throws {
        guard let box = geometry.boundingBox else { throw GeometryError.invalid("an empty geometry has no centre") }
        var centre = box.center
        if !source.isDisplayEquivalent(to: .wgs84) { centre = try CoordinateTransform(from: source, to: .wgs84).apply(centre) }
        try self.init(around: centre, source: source)
    }

    public func project(_ g: Geometry) throws -> Geometry { try forward.apply(g) }
    public func project(_ c: Coordinate) throws -> Coordinate { try forward.apply(c) }
    public func unproject(_ g: Geometry) throws -> Geometry { try inverse.apply(g) }
    public func unproject(_ c: Coordinate) throws -> Coordinate { try inverse.apply(c) }

    /// A box in the source CRS sure to hold everything within `metres` of `box` (source CRS).
    public func sourceBox(around box: BoundingBox, metres: Double) throws -> BoundingBox {
        let local = try forward.apply(box).expanded(by: metres)
        // Sample the edges: the projected box's corners alone can miss the bulge of a curved edge.
        var out = BoundingBox.empty
        for i in 0...8 {
            let t = Double(i) / 8
            for c in [Coordinate(local.minX + t * local.width, local.minY), Coordinate(local.minX + t * local.width, local.maxY),
                      Coordinate(local.minX, local.minY + t * local.height), Coordinate(local.maxX, local.minY + t * local.height)] {
                out.extend(try inverse.apply(c))
            }
        }
        return out
    }
}
