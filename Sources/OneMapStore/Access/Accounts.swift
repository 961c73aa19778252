import Foundation

/// A role: the access level it grants, extra layers it may read, layers it may edit.
public struct Role: Sendable, Hashable, Codable {
    public var name: String
    public var level: AccessLevel
    public var readLayers: [String]
    /// `["*"]`: every layer the role can read.
    public var writeLayers: [String]
    public var description: String?

    public init(name: String, level: AccessLevel, readLayers: [String] = [], writeLayers: [String] = [], description: String? = nil) {
        self.name = name
        self.level = level
        self.readLayers = readLayers
        self.writeLayers = writeLayers
        self.description = description
    }
}

public struct User: Sendable, Hashable, Codable {
    public var name: String
    public var roles: [String]
    public var createdAt: String

    public init(name: String, roles: [String], createdAt: String) {
        self.name = name
        self.roles = roles
        self.createdAt = createdAt
    }
}

/// An API token as listed (never the token itself: only its hash is stored).
public struct TokenInfo: Sendable, Hashable, Codable {
    public var id: Int64
    public var user: String
    public var createdAt: String
    public var revokedAt: String?
    public var note: String?

    public init(id: Int64, user: String, createdAt: String, revokedAt: String?, note: String?) {
        self.id = id
        self.user = user
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.note = note
    }
}

enum AccountNames {
    /// User and role names: 1–64 ASCII letters, digits, '.', '_', '-' or '@'.
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.unicodeScalars.allSatisfy {
            ($0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-@".unicodeScalars.contains($0)))
        }
    }
}
