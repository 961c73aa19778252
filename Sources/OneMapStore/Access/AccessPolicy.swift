/// Who is asking: a user or API token with its roles, resolved by the server's auth layer.
///
/// Every store call that reads or writes layer data takes a `Principal` and asks `AccessPolicy`,
/// so there is exactly one place that decides visibility.
public struct Principal: Sendable, Hashable {
    public var name: String
    public var roles: [String]
    /// The highest access level the roles grant; layers at or below it are readable.
    public var level: AccessLevel
    /// Layers readable whatever their level (a role can grant specific layers).
    public var extraLayers: Set<String>
    /// Layers the principal may edit; `["*"]` for all it can read.
    public var writableLayers: Set<String>

    public init(name: String, roles: [String] = [], level: AccessLevel, extraLayers: Set<String> = [],
                writableLayers: Set<String> = []) {
        self.name = name
        self.roles = roles
        self.level = level
        self.extraLayers = extraLayers
        self.writableLayers = writableLayers
    }

    /// Nobody in particular: public layers only, no edits.
    public static let anonymous = Principal(name: "anonymous", level: .public)
    /// The local operator on the command line: everything.
    public static let system = Principal(name: "system", roles: ["admin"], level: .confidential, writableLayers: ["*"])
}

/// The one authorization check for layer data.
public enum AccessPolicy {
    /// Whether `principal` may see `layer` at all (listing, tiles, features, identify, search).
    public static func canRead(_ principal: Principal, _ layer: Layer) -> Bool {
        layer.access <= principal.level || principal.extraLayers.contains(layer.id)
    }

    /// Whether `principal` may edit `layer`'s features.
    public static func canWrite(_ principal: Principal, _ layer: Layer) -> Bool {
        canRead(principal, layer) && (principal.writableLayers.contains("*") || principal.writableLayers.contains(layer.id))
    }
}
