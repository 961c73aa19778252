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
        let token = Self.randomToken(prefix: "om_")
        let id = try backend.addToken(hash: Self.tokenHash(token), for: user, note: note, by: principal)
        return (id, token)
    }

    public func revokeToken(_ id: Int64, by principal: Principal = .system) throws { try backend.revokeToken(id, by: principal) }

    public func tokens() throws -> [TokenInfo] { try backend.tokens() }

    /// Who a token belongs to, with the union of their roles; nil for an unknown or revoked token.
    public func principal(forToken token: String) throws -> Principal? { try authenticate(token: token)?.principal }

    /// Who an API token or a web map session belongs to; nil for an unknown, revoked or expired one.
    public func authenticate(token: String) throws -> Authentication? {
        guard token.hasPrefix("om_") || token.hasPrefix("os_"), token.utf8.count == 43 else { return nil }
        guard let account = try backend.account(forTokenHash: Self.tokenHash(token), now: isoNow()) else { return nil }
        let roles = account.roles
        let principal = Principal(name: account.user, roles: roles.map(\.name), level: roles.map(\.level).max() ?? .public,
                                  extraLayers: Set(roles.flatMap(\.readLayers)), writableLayers: Set(roles.flatMap(\.writeLayers)))
        return Authentication(principal: principal, isSession: account.isSession, expires: account.expires)
    }

    // MARK: passwords and sessions

    /// Sets a user's password (kept only as a salted scrypt hash); their sessions end.
    /// - Throws: `.invalidArgument` for a password under 8 characters or an unknown user.
    public func setPassword(_ password: String, for user: String, by principal: Principal = .system) throws {
        guard password.count >= 8, password.count <= 200 else { throw StoreError.invalidArgument("a password needs 8–200 characters") }
        try backend.setPasswordHash(try PasswordHash.make(password), for: user, by: principal)
    }

    /// Checks a user's password and opens a session of `lifetime` seconds. Failures are audited
    /// and say nothing about whether the user exists.
    /// - Returns: the session (its token for the cookie, its cross-site request token), or nil.
    public func signIn(user: String, password: String, lifetime: TimeInterval, from address: String) throws -> Session? {
        let stored = AccountNames.isValid(user) ? try backend.passwordHash(of: user) : nil
        // Unknown users cost a hash too, so timing does not tell them apart.
        let ok = PasswordHash.verify(password, against: stored ?? PasswordHash.decoy)
        guard ok, stored != nil else {
            try backend.appendAudit([AuditEntry(principal: "anonymous", action: "session.failed", detail: "\(user.prefix(64)) from \(address)")])
            return nil
        }
        let token = Self.randomToken(prefix: "os_")
        let expires = Date().addingTimeInterval(lifetime)
        _ = try backend.addSession(hash: Self.tokenHash(token), for: user, expires: expires.formatted(.iso8601))
        guard let authentication = try authenticate(token: token) else { return nil }
        return Session(token: token, csrf: Self.csrfToken(for: token), expires: expires, principal: authentication.principal)
    }

    /// The cross-site request token of a session: derived from the session token, which only the
    /// browser's HttpOnly cookie holds, so a page elsewhere cannot know it (signed double submit).
    public static func csrfToken(for sessionToken: String) -> String {
        String(tokenHash("csrf:" + sessionToken).prefix(32))
    }

    /// Ends a session (or revokes a token) by the token itself.
    public func signOut(token: String, by principal: Principal) throws { try backend.revokeToken(hash: Self.tokenHash(token), by: principal) }

    static func randomToken(prefix: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var random = SystemRandomNumberGenerator()
        return prefix + String((0..<40).map { _ in alphabet[Int(random.next(upperBound: UInt32(alphabet.count)))] })
    }

    /// A token as stored: its SHA-256 in lowercase hex (tokens are random, so no salt is needed).
    public static func tokenHash(_ token: String) -> String {
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

extension Store {
    /// The store's emergency incidents and unit positions; the emergency services keep them.
    public var incidents: any IncidentStore { backend }
}

extension Store {
    /// The store's routable road network; the emergency analyses build and query it.
    public var network: any NetworkStore { backend }
}
