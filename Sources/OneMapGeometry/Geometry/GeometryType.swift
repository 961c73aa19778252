/// The simple-features geometry types, numbered as in ISO WKB.
public enum GeometryType: Int, Sendable, CaseIterable, Codable {
    case point = 1
    case lineString = 2
    case polygon = 3
    case multiPoint = 4
    case multiLineString = 5
    case multiPolygon = 6
    case geometryCollection = 7

    /// The OGC name (`Point`, `MultiPolygon`, ...), also the GeoJSON `type`.
    public var name: String {
        switch self {
        case .point: "Point"
        case .lineString: "LineString"
        case .polygon: "Polygon"
        case .multiPoint: "MultiPoint"
        case .multiLineString: "MultiLineString"
        case .multiPolygon: "MultiPolygon"
        case .geometryCollection: "GeometryCollection"
        }
    }

    /// Parses an OGC or GeoJSON type name, case-insensitively.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            return nil
        }
        self = match
    }

    /// The single-part type of a multi type, or the type itself.
    public var singular: GeometryType {
        switch self {
        case .multiPoint: .point
        case .multiLineString: .lineString
        case .multiPolygon: .polygon
        default: self
        }
    }

    /// The multi-part type that can hold this type, or the type itself.
    public var plural: GeometryType {
        switch self {
        case .point: .multiPoint
        case .lineString: .multiLineString
        case .polygon: .multiPolygon
        default: self
        }
    }

    /// 0 for points, 1 for lines, 2 for areas, nil for collections.
    public var dimension: Int? {
        switch self {
        case .point, .multiPoint: 0
        case .lineString, .multiLineString: 1
        case .polygon, .multiPolygon: 2
        case .geometryCollection: nil
        }
    }
}
