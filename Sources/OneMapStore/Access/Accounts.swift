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

/// A token's or session's owner as the server sees it.
public struct Authentication: Sendable {
    public var principal: Principal
    /// A web map session (its writes must carry the cross-site request token) rather than an API token.
    public var isSession: Bool
    public var expires: String?

    public init(principal: Principal, isSession: Bool = false, expires: String? = nil) {
        self.principal = principal
        self.isSession = isSession
        self.expires = expires
    }
}

/// A web map session just opened: the token goes in an HttpOnly cookie, the cross-site request
/// token (`Store.csrfToken(for:)`) to the page.
public struct Session: Sendable {
    public var token: String
    public var csrf: String
    public var expires: Date
    public var principal: Principal
}
