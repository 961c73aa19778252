import Foundation
import OneMapGeometry

/// What a layer holds.
public enum LayerKind: String, Codable, Sendable, CaseIterable {
    case vector
    /// Elevation: a pyramid of tiles holding the real values.
    case dem
    /// Orthophoto imagery: a pyramid of RGBA tiles.
    case dom
}

/// Who may see a layer; each level includes the ones below it.
public enum AccessLevel: String, Codable, Sendable, CaseIterable, Comparable {
    case `public`
    case `internal`
    case confidential

    var rank: Int {
        switch self {
        case .public: 0
        case .internal: 1
        case .confidential: 2
        }
    }

    public static func < (a: AccessLevel, b: AccessLevel) -> Bool { a.rank < b.rank }
}

/// The type of an attribute column.
public enum AttributeType: String, Codable, Sendable, CaseIterable {
    case integer
    case real
    case text
    /// ISO 8601 date or date-time, stored as text.
    case date
}

/// One attribute of a vector layer, with its display name.
public struct AttributeField: Codable, Hashable, Sendable {
    public var name: String
    public var type: AttributeType
    /// The display name (Chinese in the demo city), shown by identify and the web map.
    public var title: String?
    public var required: Bool
    /// Whether the web map's search looks in this field.
    public var searchable: Bool
    /// Display labels for coded values (e.g. "0701" → "城镇住宅用地").
    public var codes: [String: String]?

    public init(name: String, type: AttributeType, title: String? = nil, required: Bool = false,
                searchable: Bool = false, codes: [String: String]? = nil) {
        self.name = name
        self.type = type
        self.title = title
        self.required = required
        self.searchable = searchable
        self.codes = codes
    }

    public var displayName: String { title ?? name }
}

/// A layer as the catalog describes it.
public struct Layer: Codable, Sendable, Identifiable, Hashable {
    public var id: String
    public var title: String
    public var group: String
    public var kind: LayerKind
    /// Vector layers only.
    public var geometryType: GeometryType?
    public var storageCRS: CRS
    public var attributes: [AttributeField]
    public var access: AccessLevel
    public var featureCount: Int
    /// In the storage CRS.
    public var extent: BoundingBox?
    /// Bumped by every import and edit; tile caches key on it.
    public var version: Int
    public var source: String
    /// True for data OneMap generated (the demo city), false for real data.
    public var synthetic: Bool
    /// ISO 8601.
    public var importedAt: String
    /// The SQLite table holding the features or tiles.
    public var table: String
    public var raster: RasterInfo?
    public var description: String?
    /// Set for layers a domain keeps itself (`cases`): read-only to the features API and imports.
    public var managedBy: String?
    /// How the import brought the source's coordinates into the storage CRS, and how exactly.
    public var transformation: TransformationReport?

    public init(id: String, title: String, group: String, kind: LayerKind, geometryType: GeometryType?,
                storageCRS: CRS, attributes: [AttributeField], access: AccessLevel, featureCount: Int,
                extent: BoundingBox?, version: Int, source: String, synthetic: Bool, importedAt: String,
                table: String, raster: RasterInfo? = nil, description: String? = nil, managedBy: String? = nil,
                transformation: TransformationReport? = nil) {
        self.id = id
        self.title = title
        self.group = group
        self.kind = kind
        self.geometryType = geometryType
        self.storageCRS = storageCRS
        self.attributes = attributes
        self.access = access
        self.featureCount = featureCount
        self.extent = extent
        self.version = version
        self.source = source
        self.synthetic = synthetic
        self.importedAt = importedAt
        self.table = table
        self.raster = raster
        self.description = description
        self.managedBy = managedBy
        self.transformation = transformation
    }

    /// The area an import or copy of this layer changed: its extent with the extent of the
    /// layer it replaced. Old and new extents share a CRS only when the storage CRS stayed;
    /// otherwise the whole layer changed (nil), and the feed's merging never mixes CRSs.
    public func areaChanged(replacing old: Layer?) -> BoundingBox? {
        if let old, old.storageCRS != storageCRS { return nil }
        guard let o = old?.extent else { return extent }
        return extent.map { $0.union(o) } ?? o
    }

    /// The attribute with this name.
    public func attribute(_ name: String) -> AttributeField? { attributes.first { $0.name == name } }

    /// Layer ids: 1–63 lowercase ASCII letters, digits and underscores, starting with a letter.
    public static func isValidID(_ id: String) -> Bool {
        guard let first = id.utf8.first, first >= 0x61, first <= 0x7A, id.utf8.count <= 63 else { return false }
        return id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }
}

extension CRS: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(identifier)
    }
}

extension BoundingBox: Codable {
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        self.init(minX: try c.decode(Double.self), minY: try c.decode(Double.self),
                  maxX: try c.decode(Double.self), maxY: try c.decode(Double.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(minX)
        try c.encode(minY)
        try c.encode(maxX)
        try c.encode(maxY)
    }
}
