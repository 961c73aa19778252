import OneMapGeometry

/// The one implementation of the exact spatial predicates: "feature RELATION literal", evaluated
/// by GEOS against a prepared literal. Spatial queries (`Store.features(in:_:for:)`, identify,
/// every analysis) and the CQL2 spatial functions of items filters (through the SQL function the
/// SpatiaLite backend registers) all ask it, so the answers are the same everywhere.
///
/// Thread rule: not `Sendable` (it holds a GEOS prepared geometry): one per task or connection.
final class SpatialTest {
    let relation: FeatureFilter.SpatialPredicate
    let literal: Geometry
    private let context: GEOSContext
    private let prepared: PreparedGeometry
    /// The literal's box: every relation but disjoint needs the feature's box to meet it.
    let box: BoundingBox

    init(_ relation: FeatureFilter.SpatialPredicate, literal: Geometry, context: GEOSContext) throws {
        self.relation = relation
        self.literal = literal
        self.context = context
        prepared = try context.prepare(literal)
        box = literal.boundingBox ?? .empty
    }

    /// Whether `feature` stands in the relation to the literal.
    func matches(_ feature: Geometry) throws -> Bool {
        if relation != .disjoint, let b = feature.boundingBox, !b.intersects(box) { return false }
        switch relation {
        case .intersects: return try prepared.intersects(feature)
        // The feature within the literal: the literal contains it.
        case .within: return try prepared.contains(feature)
        // The feature contains the literal: the literal lies within it.
        case .contains: return try prepared.within(feature)
        case .disjoint: return try prepared.disjoint(feature)
        case .touches: return try prepared.touches(feature)
        case .crosses: return try prepared.crosses(feature)
        case .overlaps: return try prepared.overlaps(feature)
        case .equals: return try context.equals(feature, literal)
        }
    }
}

/// A spatial question about one layer's features.
public struct SpatialQuery: Sendable {
    public enum Kind: Sendable, Hashable {
        /// Features that stand in this relation to the geometry (feature RELATION geometry).
        case relation(FeatureFilter.SpatialPredicate)
        /// Features within this many metres of the geometry, measured on the ground.
        case withinDistance(Double)
    }

    public var kind: Kind
    public var geometry: Geometry
    /// The CRS of `geometry`.
    public var crs: CRS

    public init(_ kind: Kind, _ geometry: Geometry, crs: CRS = .crs84) {
        self.kind = kind
        self.geometry = geometry
        self.crs = crs
    }

    public static func intersecting(_ g: Geometry, crs: CRS = .crs84) -> SpatialQuery { SpatialQuery(.relation(.intersects), g, crs: crs) }
    public static func within(_ g: Geometry, crs: CRS = .crs84) -> SpatialQuery { SpatialQuery(.relation(.within), g, crs: crs) }
    public static func containing(_ g: Geometry, crs: CRS = .crs84) -> SpatialQuery { SpatialQuery(.relation(.contains), g, crs: crs) }
    public static func near(_ g: Geometry, metres: Double, crs: CRS = .crs84) -> SpatialQuery { SpatialQuery(.withinDistance(metres), g, crs: crs) }
}

/// A feature a spatial query found, with its distance on the ground when the query measured one.
public struct SpatialMatch: Sendable {
    public let feature: Feature
    /// Metres (distance and nearest queries; 0 when the geometries meet).
    public let distance: Double?

    public init(feature: Feature, distance: Double?) {
        self.feature = feature
        self.distance = distance
    }
}
