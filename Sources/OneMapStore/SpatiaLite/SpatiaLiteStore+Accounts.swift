import Foundation
import GRDB

extension SpatiaLiteStore {
    // MARK: AccountStore: roles

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

    public func saveRole(_ role: Role, by principal: Principal) throws {
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO roles (name, level, read_layers, write_layers, description) VALUES (?, ?, ?, ?, ?)",
                           arguments: [role.name, role.level.rawValue, try StoreJSON.encode(role.readLayers), try StoreJSON.encode(role.writeLayers),
                                       role.description])
            try Self.appendAudit(AuditEntry(principal: principal.name, action: "role.save", after: try StoreJSON.encode(role)), in: db)
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

    public func hasUsers() throws -> Bool {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0 > 0 }
    }

    public func saveUser(_ name: String, roles: [String], by principal: Principal) throws {
        try write { db in
            let known = Set(try String.fetchAll(db, sql: "SELECT name FROM roles"))
            for r in roles where !known.contains(r) {
                throw StoreError.invalidArgument("unknown role '\(r)' (roles: \(known.sorted().joined(separator: ", ")))")
            }
            try db.execute(sql: "INSERT INTO users (name, roles, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET roles = excluded.roles",
                           arguments: [name, roles.joined(separator: ","), isoNow()])
            try Self.appendAudit(AuditEntry(principal: principal.name, action: "user.save", detail: "\(name): \(roles.joined(separator: ","))"), in: db)
        }
    }

    public func removeUser(_ name: String, by principal: Principal) throws {
        try write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM users WHERE name = ?", arguments: [name]) == 1 else {
                throw StoreError.invalidArgument("no user '\(name)'")
            }
            try db.execute(sql: "DELETE FROM users WHERE name = ?", arguments: [name])
            try Self.appendAudit(AuditEntry(principal: principal.name, action: "user.remove", detail: name), in: db)
        }
    }

    // MARK: tokens

    public func addToken(hash: String, for user: String, note: String?, by principal: Principal) throws -> Int64 {
        try write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM users WHERE name = ?", arguments: [user]) == 1 else {
                throw StoreError.invalidArgument("no user '\(user)' (add it with `onemap user add \(user) --role ROLE`)")
            }
            try db.execute(sql: "INSERT INTO tokens (user_name, hash, created_at, note) VALUES (?, ?, ?, ?)",
                           arguments: [user, hash, isoNow(), note])
            let id = db.lastInsertedRowID
            try Self.appendAudit(AuditEntry(principal: principal.name, action: "token.create", detail: "token \(id) for \(user)"), in: db)
            return id
        }
    }

    public func revokeToken(_ id: Int64, by principal: Principal) throws {
        try write { db in
            try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [isoNow(), id])
            guard db.changesCount == 1 else { throw StoreError.invalidArgument("no active token \(id)") }
            try Self.appendAudit(AuditEntry(principal: principal.name, action: "token.revoke", detail: "token \(id)"), in: db)
        }
    }

    public func tokens() throws -> [TokenInfo] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tokens WHERE kind = 'api' ORDER BY id").map { row in
                TokenInfo(id: row["id"], user: row["user_name"], createdAt: row["created_at"], revokedAt: row["revoked_at"], note: row["note"])
            }
        }
    }

    public func account(forTokenHash hash: String, now: String) throws -> TokenAccount? {
        try read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT u.name, u.roles, t.kind, t.expires_at FROM tokens t JOIN users u ON u.name = t.user_name
                WHERE t.hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)
                """), arguments: [hash, now]) else { return nil }
            let names = (row["roles"] as String).split(separator: ",").map(String.init)
            let roles = try Row.fetchAll(db, sql: "SELECT * FROM roles WHERE name IN (\(names.map { _ in "?" }.joined(separator: ",")))",
                                         arguments: StatementArguments(names)).map(Self.role)
            return TokenAccount(user: row["name"], roles: roles, isSession: row["kind"] == "session", expires: row["expires_at"])
        }
    }

    // MARK: passwords and sessions

    public func setPasswordHash(_ hash: String?, for user: String, by principal: Principal) throws {
        try write { db in
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE name = ?", arguments: [hash, user])
            guard db.changesCount == 1 else { throw StoreError.invalidArgument("no user '\(user)'") }
            // Sessions signed in with the old password end with it.
            try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE user_name = ? AND kind = 'session' AND revoked_at IS NULL",
                           arguments: [isoNow(), user])
            try Self.appendAudit(AuditEntry(principal: principal.name, action: hash == nil ? "user.password.clear" : "user.password", detail: user), in: db)
        }
    }

    public func passwordHash(of user: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT password_hash FROM users WHERE name = ?", arguments: [user]) }
    }

    public func addSession(hash: String, for user: String, expires: String) throws -> Int64 {
        try write { db in
            try db.execute(sql: "INSERT INTO tokens (user_name, hash, created_at, kind, expires_at) VALUES (?, ?, ?, 'session', ?)",
                           arguments: [user, hash, isoNow(), expires])
            let id = db.lastInsertedRowID
            // Expired sessions are of no use to anyone: drop them as new ones come.
            try db.execute(sql: "DELETE FROM tokens WHERE kind = 'session' AND expires_at < ?", arguments: [isoNow()])
            try Self.appendAudit(AuditEntry(principal: user, action: "session.login", detail: "session \(id)"), in: db)
            return id
        }
    }

    public func revokeToken(hash: String, by principal: Principal) throws {
        try write { db in
            try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL", arguments: [isoNow(), hash])
            if db.changesCount == 1 { try Self.appendAudit(AuditEntry(principal: principal.name, action: "session.logout"), in: db) }
        }
    }
}

extension SpatiaLiteStore {
    // MARK: RecordTransfer

    public func accountRecords() throws -> AccountRecords {
        try read { db in
            let roles = try Row.fetchAll(db, sql: "SELECT * FROM roles ORDER BY name").map(Self.role)
            let users = try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").map { row in
                AccountRecords.UserRecord(name: row["name"], roles: (row["roles"] as String).split(separator: ",").map(String.init),
                                          createdAt: row["created_at"], passwordHash: row["password_hash"])
            }
            let tokens = try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY id").map { row in
                AccountRecords.TokenRecord(user: row["user_name"], hash: row["hash"], createdAt: row["created_at"], revokedAt: row["revoked_at"],
                                           note: row["note"], kind: row["kind"], expiresAt: row["expires_at"])
            }
            return AccountRecords(roles: roles, users: users, tokens: tokens)
        }
    }

    public func loadAccountRecords(_ records: AccountRecords) throws {
        try write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM users") == 0 else {
                throw StoreError.invalidArgument("the destination has users already; accounts are copied only into a store without any")
            }
            for role in records.roles {
                try db.execute(sql: "INSERT OR REPLACE INTO roles (name, level, read_layers, write_layers, description) VALUES (?, ?, ?, ?, ?)",
                               arguments: [role.name, role.level.rawValue, try StoreJSON.encode(role.readLayers), try StoreJSON.encode(role.writeLayers),
                                           role.description])
            }
            for u in records.users {
                try db.execute(sql: "INSERT INTO users (name, roles, created_at, password_hash) VALUES (?, ?, ?, ?)",
                               arguments: [u.name, u.roles.joined(separator: ","), u.createdAt, u.passwordHash])
            }
            for t in records.tokens {
                try db.execute(sql: "INSERT INTO tokens (user_name, hash, created_at, revoked_at, note, kind, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [t.user, t.hash, t.createdAt, t.revokedAt, t.note, t.kind, t.expiresAt])
            }
        }
    }

    public func loadAuditRecords(_ records: [AuditRecord]) throws {
        try write { db in
            for r in records {
                try db.cachedStatement(sql: "INSERT INTO audit_log (at, principal, action, layer_id, feature_id, before, after, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                    .execute(arguments: [r.at, r.principal, r.action, r.layerID, r.featureID, r.before, r.after, r.detail])
            }
        }
    }
}
