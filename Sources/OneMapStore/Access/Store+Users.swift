import Foundation
import GRDB
import Synchronization

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
}

/// An API token as listed (never the token itself: only its hash is stored).
public struct TokenInfo: Sendable, Hashable, Codable {
    public var id: Int64
    public var user: String
    public var createdAt: String
    public var revokedAt: String?
    public var note: String?
}

extension Store {
    // MARK: roles

    public func roles() throws -> [Role] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM roles ORDER BY name").map(Self.role) }
    }

    static func role(_ row: Row) throws -> Role {
        let decoder = JSONDecoder()
        return Role(name: row["name"], level: AccessLevel(rawValue: row["level"]) ?? .public,
                    readLayers: try decoder.decode([String].self, from: Data((row["read_layers"] as String).utf8)),
                    writeLayers: try decoder.decode([String].self, from: Data((row["write_layers"] as String).utf8)),
                    description: row["description"])
    }

    /// Adds or replaces a role.
    public func saveRole(_ role: Role, by principal: Principal = .system) throws {
        guard Self.isValidName(role.name) else { throw StoreError.invalidArgument("invalid role name '\(role.name)'") }
        try write(touchesCatalog: false) { db in
            try db.execute(sql: "INSERT OR REPLACE INTO roles (name, level, read_layers, write_layers, description) VALUES (?, ?, ?, ?, ?)",
                           arguments: [role.name, role.level.rawValue, try Self.encodeJSON(role.readLayers), try Self.encodeJSON(role.writeLayers), role.description])
            try Self.appendAudit(principal: principal, action: "role.save", layerID: nil, featureID: nil, before: nil, after: try Self.encodeJSON(role), in: db)
        }
    }

    // MARK: users

    public func users() throws -> [User] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map { row in
                User(name: row["name"], roles: (row["roles"] as String).split(separator: ",").map(String.init), createdAt: row["created_at"])
            }
        }
    }

    /// Whether any user exists (without users, `onemap serve` serves public layers only).
    public func hasUsers() throws -> Bool {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0 > 0 }
    }

    /// Adds a user with roles (or changes an existing user's roles).
    /// - Throws: `.invalidArgument` for a bad name or an unknown role.
    public func saveUser(_ name: String, roles: [String], by principal: Principal = .system) throws {
        guard Self.isValidName(name) else {
            throw StoreError.invalidArgument("invalid user name '\(name)': use 1–64 letters, digits, '.', '_', '-' or '@'")
        }
        guard !roles.isEmpty else { throw StoreError.invalidArgument("a user needs at least one role") }
        try write(touchesCatalog: false) { db in
            let known = Set(try String.fetchAll(db, sql: "SELECT name FROM roles"))
            for r in roles where !known.contains(r) {
                throw StoreError.invalidArgument("unknown role '\(r)' (roles: \(known.sorted().joined(separator: ", ")))")
            }
            try db.execute(sql: "INSERT INTO users (name, roles, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET roles = excluded.roles",
                           arguments: [name, roles.joined(separator: ","), isoNow()])
            try Self.appendAudit(principal: principal, action: "user.save", layerID: nil, featureID: nil, before: nil, after: nil,
                                 detail: "\(name): \(roles.joined(separator: ","))", in: db)
        }
    }

    /// Removes a user; their tokens go with them.
    public func removeUser(_ name: String, by principal: Principal = .system) throws {
        try write(touchesCatalog: false) { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM users WHERE name = ?", arguments: [name]) == 1 else {
                throw StoreError.invalidArgument("no user '\(name)'")
            }
            try db.execute(sql: "DELETE FROM users WHERE name = ?", arguments: [name])
            try Self.appendAudit(principal: principal, action: "user.remove", layerID: nil, featureID: nil, before: nil, after: nil, detail: name, in: db)
        }
    }

    // MARK: tokens

    /// Creates a token for a user; the token is returned once and stored only as a hash.
    public func createToken(for user: String, note: String? = nil, by principal: Principal = .system) throws -> (id: Int64, token: String) {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var random = SystemRandomNumberGenerator()
        let token = "om_" + String((0..<40).map { _ in alphabet[Int(random.next(upperBound: UInt32(alphabet.count)))] })
        let id: Int64 = try write(touchesCatalog: false) { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM users WHERE name = ?", arguments: [user]) == 1 else {
                throw StoreError.invalidArgument("no user '\(user)' (add it with `onemap user add \(user) --role ROLE`)")
            }
            try db.execute(sql: "INSERT INTO tokens (user_name, hash, created_at, note) VALUES (?, ?, ?, ?)",
                           arguments: [user, SHA256.hex(token), isoNow(), note])
            let id = db.lastInsertedRowID
            try Self.appendAudit(principal: principal, action: "token.create", layerID: nil, featureID: nil, before: nil, after: nil,
                                 detail: "token \(id) for \(user)", in: db)
            return id
        }
        return (id, token)
    }

    public func revokeToken(_ id: Int64, by principal: Principal = .system) throws {
        try write(touchesCatalog: false) { db in
            try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [isoNow(), id])
            guard db.changesCount == 1 else { throw StoreError.invalidArgument("no active token \(id)") }
            try Self.appendAudit(principal: principal, action: "token.revoke", layerID: nil, featureID: nil, before: nil, after: nil,
                                 detail: "token \(id)", in: db)
        }
    }

    public func tokens() throws -> [TokenInfo] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY id").map { row in
                TokenInfo(id: row["id"], user: row["user_name"], createdAt: row["created_at"], revokedAt: row["revoked_at"], note: row["note"])
            }
        }
    }

    /// Who a token belongs to, with the union of their roles; nil for an unknown or revoked token.
    public func principal(forToken token: String) throws -> Principal? {
        guard token.hasPrefix("om_"), token.utf8.count == 43 else { return nil }
        return try read { db -> Principal? in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT u.name, u.roles FROM tokens t JOIN users u ON u.name = t.user_name
                WHERE t.hash = ? AND t.revoked_at IS NULL
                """), arguments: [SHA256.hex(token)]) else { return nil }
            let names = (row["roles"] as String).split(separator: ",").map(String.init)
            let roles = try Row.fetchAll(db, sql: "SELECT * FROM roles WHERE name IN (\(names.map { _ in "?" }.joined(separator: ",")))",
                                         arguments: StatementArguments(names)).map(Self.role)
            return Principal(name: row["name"], roles: names, level: roles.map(\.level).max() ?? .public,
                             extraLayers: Set(roles.flatMap(\.readLayers)), writableLayers: Set(roles.flatMap(\.writeLayers)))
        }
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.unicodeScalars.allSatisfy {
            ($0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-@".unicodeScalars.contains($0)))
        }
    }
}

/// Reads of confidential layers, counted in memory and written to the audit log in batches
/// (a map view reads a layer for every tile; one record per caller, layer and batch says it).
public final class ReadLog: Sendable {
    struct Key: Hashable, Sendable {
        let principal: String
        let layer: String
    }
    private let pending = Mutex([Key: Int]())

    func note(_ principal: Principal, _ layer: Layer) {
        let key = Key(principal: principal.name, layer: layer.id)
        if let scope = ReadScope.current, scope.add(key) { return }
        count(key)
    }

    func count(_ key: Key) {
        pending.withLock { $0[key, default: 0] += 1 }
    }

    /// Writes what was counted since the last flush.
    func flush(into store: Store) throws {
        let batch = pending.withLock { p -> [Key: Int] in
            defer { p.removeAll() }
            return p
        }
        guard !batch.isEmpty else { return }
        try store.write(touchesCatalog: false) { db in
            for (key, count) in batch.sorted(by: { ($0.key.principal, $0.key.layer) < ($1.key.principal, $1.key.layer) }) {
                try Store.appendAudit(principal: Principal(name: key.principal, level: .public), action: "read", layerID: key.layer,
                                      featureID: nil, before: nil, after: nil, detail: "\(count) read\(count == 1 ? "" : "s")", in: db)
            }
        }
    }
}

/// The confidential reads of one request: each caller and layer once, however often the request
/// looks the layer up (a rendered tile or an identify looks a layer up several times). A read
/// noted after the request has ended (by a render it started that others share) counts alone.
public final class ReadScope: Sendable {
    /// The scope of the request being served, if any; work handed to other threads carries it.
    @TaskLocal public static var current: ReadScope?
    private let state = Mutex<(ended: Bool, reads: Set<ReadLog.Key>)>((false, []))

    init() {}

    /// Adds a read; false once the request has ended.
    func add(_ key: ReadLog.Key) -> Bool {
        state.withLock { s in
            if s.ended { return false }
            s.reads.insert(key)
            return true
        }
    }

    func end() -> Set<ReadLog.Key> {
        state.withLock { s in
            s.ended = true
            return s.reads
        }
    }
}

extension Store {
    /// Notes a read of a layer's data that did not go through `layer(_:for:)` (a tile served
    /// from a cache still shows the caller the layer's data).
    public func noteRead(of layer: Layer, by principal: Principal) {
        if layer.access == .confidential && principal != .system { readLog.note(principal, layer) }
    }

    /// Runs one request so that it counts as one read of each confidential layer it reads.
    public func countingEachReadOnce<T>(_ request: () async throws -> T) async throws -> T {
        let scope = ReadScope()
        defer { for key in scope.end() { readLog.count(key) } }
        return try await ReadScope.$current.withValue(scope) { try await request() }
    }

    /// Writes the pending confidential-read records (servers call this every few seconds and at exit).
    public func flushReadLog() throws { try readLog.flush(into: self) }
}
