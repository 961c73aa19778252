/// The accounts role: roles, users and API tokens (kept only as hashes). Every change appends
/// an audit record in the same transaction.
public protocol AccountStore: Sendable {
    func roles() throws -> [Role]
    /// Adds or replaces a role.
    func saveRole(_ role: Role, by principal: Principal) throws
    func users() throws -> [User]
    func hasUsers() throws -> Bool
    /// Adds a user with roles (or changes an existing user's roles).
    /// - Throws: `.invalidArgument` for an unknown role.
    func saveUser(_ name: String, roles: [String], by principal: Principal) throws
    /// Removes a user; their tokens go with them.
    func removeUser(_ name: String, by principal: Principal) throws
    /// Stores a token hash for a user. - Returns: the token's id.
    func addToken(hash: String, for user: String, note: String?, by principal: Principal) throws -> Int64
    func revokeToken(_ id: Int64, by principal: Principal) throws
    func tokens() throws -> [TokenInfo]
    /// The user a live (not revoked, not expired) token hash belongs to, or nil.
    func account(forTokenHash hash: String, now: String) throws -> TokenAccount?

    /// Sets (or with nil clears) a user's password hash.
    func setPasswordHash(_ hash: String?, for user: String, by principal: Principal) throws
    /// A user's password hash; nil for an unknown user or one without a password.
    func passwordHash(of user: String) throws -> String?
    /// Stores a web map session (a token of kind `session`) with its expiry. - Returns: its id.
    func addSession(hash: String, for user: String, expires: String) throws -> Int64
    /// Ends a session or token by its hash (sign-out).
    func revokeToken(hash: String, by principal: Principal) throws
}

/// Who a token belongs to: the user, their roles, whether it is a web map session and when it
/// expires.
public struct TokenAccount: Sendable {
    public var user: String
    public var roles: [Role]
    public var isSession: Bool
    public var expires: String?

    public init(user: String, roles: [Role], isSession: Bool, expires: String?) {
        self.user = user
        self.roles = roles
        self.isSession = isSession
        self.expires = expires
    }
}

/// The audit role: the append-only log of edits, reads of confidential data and account changes.
public protocol AuditLog: Sendable {
    /// Appends records on their own transaction.
    func appendAudit(_ entries: [AuditEntry]) throws
    /// Records at or after `since` (ISO 8601 prefix comparison), oldest first.
    func auditRecords(since: String?, layer: String?, limit: Int) throws -> [AuditRecord]
}
