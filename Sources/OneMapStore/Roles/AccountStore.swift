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

/// A store's accounts whole, hashes included: what `onemap copy` moves between backends.
public struct AccountRecords: Sendable, Hashable {
    public struct UserRecord: Sendable, Hashable {
        public var name: String
        public var roles: [String]
        public var createdAt: String
        public var passwordHash: String?
    }

    public struct TokenRecord: Sendable, Hashable {
        public var user: String
        public var hash: String
        public var createdAt: String
        public var revokedAt: String?
        public var note: String?
        /// `api` or `session`.
        public var kind: String
        public var expiresAt: String?
    }

    public var roles: [Role]
    public var users: [UserRecord]
    /// Oldest first.
    public var tokens: [TokenRecord]
}

/// The records role: what a store holds besides its layers and domain records, read and loaded
/// whole by `onemap copy` (no audit record is written for the load itself).
public protocol RecordTransfer: Sendable {
    func accountRecords() throws -> AccountRecords
    /// Loads accounts into a store that has no users yet; roles of the same name are replaced.
    /// - Throws: `StoreError.layerExists`-like `invalidArgument` when the store has users.
    func loadAccountRecords(_ records: AccountRecords) throws
    /// Appends audit records with their own times, oldest first (before the store's own later ones).
    func loadAuditRecords(_ records: [AuditRecord]) throws
}
