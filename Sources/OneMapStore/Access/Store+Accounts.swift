import Crypto
import Foundation

extension Store {
    // MARK: roles

    public func roles() throws -> [Role] { try backend.roles() }

    /// Adds or replaces a role.
    public func saveRole(_ role: Role, by principal: Principal = .system) throws {
        guard AccountNames.isValid(role.name) else { throw StoreError.invalidArgument("invalid role name '\(role.name)'") }
        try backend.saveRole(role, by: principal)
    }

    // MARK: users

    public func users() throws -> [User] { try backend.users() }

    /// Whether any user exists (without users, `onemap serve` serves public layers only).
    public func hasUsers() throws -> Bool { try backend.hasUsers() }

    /// Adds a user with roles (or changes an existing user's roles).
    /// - Throws: `.invalidArgument` for a bad name or an unknown role.
    public func saveUser(_ name: String, roles: [String], by principal: Principal = .system) throws {
        guard AccountNames.isValid(name) else {
            throw StoreError.invalidArgument("invalid user name '\(name)': use 1–64 letters, digits, '.', '_', '-' or '@'")
        }
        guard !roles.isEmpty else { throw StoreError.invalidArgument("a user needs at least one role") }
        try backend.saveUser(name, roles: roles, by: principal)
    }

    /// Removes a user; their tokens go with them.
    public func removeUser(_ name: String, by principal: Principal = .system) throws {
        try backend.removeUser(name, by: principal)
    }

    // MARK: tokens

    /// Creates a token for a user; the token is returned once and stored only as a hash.
    public func createToken(for user: String, note: String? = nil, by principal: Principal = .system) throws -> (id: Int64, token: String) {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var random = SystemRandomNumberGenerator()
        let token = "om_" + String((0..<40).map { _ in alphabet[Int(random.next(upperBound: UInt32(alphabet.count)))] })
        let id = try backend.addToken(hash: Self.tokenHash(token), for: user, note: note, by: principal)
        return (id, token)
    }

    public func revokeToken(_ id: Int64, by principal: Principal = .system) throws { try backend.revokeToken(id, by: principal) }

    public func tokens() throws -> [TokenInfo] { try backend.tokens() }

    /// Who a token belongs to, with the union of their roles; nil for an unknown or revoked token.
    public func principal(forToken token: String) throws -> Principal? {
        guard token.hasPrefix("om_"), token.utf8.count == 43 else { return nil }
        guard let (user, roles) = try backend.account(forTokenHash: Self.tokenHash(token)) else { return nil }
        return Principal(name: user, roles: roles.map(\.name), level: roles.map(\.level).max() ?? .public,
                         extraLayers: Set(roles.flatMap(\.readLayers)), writableLayers: Set(roles.flatMap(\.writeLayers)))
    }

    /// A token as stored: its SHA-256 in lowercase hex (tokens are random, so no salt is needed).
    static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: audit

    /// Appends a record on its own (reads of confidential data, domain actions).
    public func audit(principal: Principal, action: String, layerID: String?, featureID: Int64? = nil, detail: String? = nil) throws {
        try backend.appendAudit([AuditEntry(principal: principal.name, action: action, layerID: layerID, featureID: featureID, detail: detail)])
    }

    /// Audit records at or after `since` (ISO 8601 prefix comparison), oldest first.
    public func auditRecords(since: String? = nil, layer: String? = nil, limit: Int = 1000) throws -> [AuditRecord] {
        try backend.auditRecords(since: since, layer: layer, limit: limit)
    }
}

extension Store {
    /// The store's jobs (OGC API – Processes); the processes module keeps them.
    public var jobs: any JobStore { backend }
}

extension Store {
    /// The store's 数字城管 cases; the case service keeps them (and refreshes the snapshot).
    public var cases: any CaseStore { backend }
}
