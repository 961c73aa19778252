import Foundation

extension PostGISStore {
    // MARK: AccountStore: roles

    public func roles() throws -> [Role] {
        try pool.with { c in
            let r = try c.query("SELECT name, level, read_layers::text, write_layers::text, description FROM onemap_roles ORDER BY name")
            return try (0..<r.count).map { try Self.role(r, $0) }
        }
    }

    static func role(_ r: PGResult, _ i: Int, offset o: Int = 0) throws -> Role {
        let decoder = JSONDecoder()
        return Role(name: r.text(i, o)!, level: AccessLevel(rawValue: r.text(i, o + 1)!) ?? .public,
                    readLayers: try decoder.decode([String].self, from: Data(r.bytes(i, o + 2))),
                    writeLayers: try decoder.decode([String].self, from: Data(r.bytes(i, o + 3))), description: r.text(i, o + 4))
    }

    public func saveRole(_ role: Role, by principal: Principal) throws {
        try pool.transaction { c in
            try c.query("""
                INSERT INTO onemap_roles (name, level, read_layers, write_layers, description) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)
                ON CONFLICT (name) DO UPDATE SET level = EXCLUDED.level, read_layers = EXCLUDED.read_layers,
                    write_layers = EXCLUDED.write_layers, description = EXCLUDED.description
                """, [.text(role.name), .text(role.level.rawValue), .text(try StoreJSON.encode(role.readLayers)),
                      .text(try StoreJSON.encode(role.writeLayers)), role.description.map { .text($0) } ?? .null])
            try Self.appendAudit(AuditEntry(principal: principal.name, action: "role.save", after: try StoreJSON.encode(role)), in: c)
        }
    }

    // MARK: users

    public func users() throws -> [User] {
        try pool.with { c in
            let r = try c.query("SELECT name, roles, created_at FROM onemap_users ORDER BY name")
            return (0..<r.count).map { User(name: r.text($0, 0)!, roles: r.text($0, 1)!.split(separator: ",").map(String.init), createdAt: r.text($0, 2)!) }
        }
    }

    public func hasUsers() throws -> Bool {
        try pool.with { c in try c.query("SELECT EXISTS (SELECT 1 FROM onemap_users)").bool(0, 0) ?? false }
    }

    public func saveUser(_ name: String, roles: [String], by principal: Principal) throws {
        try pool.transaction { c in
            let r = try c.query("SELECT name FROM onemap_roles")
            let known = Set((0..<r.count).compactMap { r.text($0, 0) })
            for role in roles where !known.contains(role) {
                throw StoreError.invalidArgument("unknown role '\(role)' (roles: \(known.sorted().joined(separator: ", ")))")
            }
            try c.query("INSERT INTO onemap_users (name, roles, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET roles = EXCLUDED.roles",
                        [.text(name), .text(roles.joined(separator: ",")), .text(isoNow())])
            try Self.appendAudit(AuditEntry(principal: principal.name, action: "user.save", detail: "\(name): \(roles.joined(separator: ","))"), in: c)
        }
    }

    public func removeUser(_ name: String, by principal: Principal) throws {
        try pool.transaction { c in
            guard try c.query("DELETE FROM onemap_users WHERE name = $1 RETURNING name", [.text(name)]).count == 1 else {
                throw StoreError.invalidArgument("no user '\(name)'")
            }
            try Self.appendAudit(AuditEntry(principal: principal.name, action: "user.remove", detail: name), in: c)
        }
    }

    // MARK: tokens

    public func addToken(hash: String, for user: String, note: String?, by principal: Principal) throws -> Int64 {
        try pool.transaction { c in
            guard try c.query("SELECT 1 FROM onemap_users WHERE name = $1", [.text(user)]).count == 1 else {
                throw StoreError.invalidArgument("no user '\(user)' (add it with `onemap user add \(user) --role ROLE`)")
            }
            let id = try c.query("INSERT INTO onemap_tokens (user_name, hash, created_at, note) VALUES ($1, $2, $3, $4) RETURNING id",
                                 [.text(user), .text(hash), .text(isoNow()), note.map { .text($0) } ?? .null]).int64(0, 0)!
            try Self.appendAudit(AuditEntry(principal: principal.name, action: "token.create", detail: "token \(id) for \(user)"), in: c)
            return id
        }
    }

    public func revokeToken(_ id: Int64, by principal: Principal) throws {
        try pool.transaction { c in
            guard try c.query("UPDATE onemap_tokens SET revoked_at = $1 WHERE id = $2::int8 AND revoked_at IS NULL RETURNING id",
                              [.text(isoNow()), .text(String(id))]).count == 1 else { throw StoreError.invalidArgument("no active token \(id)") }
            try Self.appendAudit(AuditEntry(principal: principal.name, action: "token.revoke", detail: "token \(id)"), in: c)
        }
    }

    public func tokens() throws -> [TokenInfo] {
        try pool.with { c in
            let r = try c.query("SELECT id, user_name, created_at, revoked_at, note FROM onemap_tokens WHERE kind = 'api' ORDER BY id")
            return (0..<r.count).map { TokenInfo(id: r.int64($0, 0)!, user: r.text($0, 1)!, createdAt: r.text($0, 2)!, revokedAt: r.text($0, 3), note: r.text($0, 4)) }
        }
    }

    public func account(forTokenHash hash: String, now: String) throws -> TokenAccount? {
        try pool.with { c in
            let r = try c.preparedQuery("""
                SELECT u.name, u.roles, t.kind, t.expires_at FROM onemap_tokens t JOIN onemap_users u ON u.name = t.user_name
                WHERE t.hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)
                """, [.text(hash), .text(now)])
            guard r.count == 1 else { return nil }
            let names = r.text(0, 1)!.split(separator: ",").map(String.init)
            let roles = try c.preparedQuery("SELECT name, level, read_layers::text, write_layers::text, description FROM onemap_roles WHERE name = ANY($1::text[]) ORDER BY name",
                                            [.text(Self.textArray(names))])
            return TokenAccount(user: r.text(0, 0)!, roles: try (0..<roles.count).map { try Self.role(roles, $0) },
                                isSession: r.text(0, 2) == "session", expires: r.text(0, 3))
        }
    }

    // MARK: passwords and sessions

    public func setPasswordHash(_ hash: String?, for user: String, by principal: Principal) throws {
        try pool.transaction { c in
            guard try c.query("UPDATE onemap_users SET password_hash = $1 WHERE name = $2 RETURNING name", [hash.map { .text($0) } ?? .null, .text(user)]).count == 1 else {
                throw StoreError.invalidArgument("no user '\(user)'")
            }
            // Sessions signed in with the old password end with it.
            try c.query("UPDATE onemap_tokens SET revoked_at = $1 WHERE user_name = $2 AND kind = 'session' AND revoked_at IS NULL", [.text(isoNow()), .text(user)])
            try Self.appendAudit(AuditEntry(principal: principal.name, action: hash == nil ? "user.password.clear" : "user.password", detail: user), in: c)
        }
    }

    public func passwordHash(of user: String) throws -> String? {
        try pool.with { c in
            let r = try c.query("SELECT password_hash FROM onemap_users WHERE name = $1", [.text(user)])
            return r.count == 1 ? r.text(0, 0) : nil
        }
    }

    public func addSession(hash: String, for user: String, expires: String) throws -> Int64 {
        try pool.transaction { c in
            let id = try c.query("INSERT INTO onemap_tokens (user_name, hash, created_at, kind, expires_at) VALUES ($1, $2, $3, 'session', $4) RETURNING id",
                                 [.text(user), .text(hash), .text(isoNow()), .text(expires)]).int64(0, 0)!
            // Expired sessions are of no use to anyone: drop them as new ones come.
            try c.query("DELETE FROM onemap_tokens WHERE kind = 'session' AND expires_at < $1", [.text(isoNow())])
            try Self.appendAudit(AuditEntry(principal: user, action: "session.login", detail: "session \(id)"), in: c)
            return id
        }
    }

    public func revokeToken(hash: String, by principal: Principal) throws {
        try pool.transaction { c in
            if try c.query("UPDATE onemap_tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL RETURNING id", [.text(isoNow()), .text(hash)]).count == 1 {
                try Self.appendAudit(AuditEntry(principal: principal.name, action: "session.logout"), in: c)
            }
        }
    }

    // MARK: JobStore

    /// The job is stamped with this process's runner number (whose advisory lock the listener
    /// holds), so another instance starting up fails only the jobs of processes that are gone.
    public func insertJob(_ job: JobRecord, audit: AuditEntry?) throws {
        try startListening()
        try pool.transaction { c in
            if let audit { try Self.appendAudit(audit, in: c) }
            try c.query("""
                INSERT INTO onemap_jobs (id, process_id, owner, status, progress, message, created, started, finished, inputs, results, error_status, error, runner)
                VALUES ($1, $2, $3, $4, $5::int, $6, $7, $8, $9, $10, $11, $12::int, $13, $14::int)
                """, Self.jobParameters(job) + [.text(String(listener.runner))])
        }
    }

    static func jobParameters(_ job: JobRecord) -> [PGParameter] {
        func t(_ s: String?) -> PGParameter { s.map { .text($0) } ?? .null }
        return [.text(job.id), .text(job.processID), .text(job.owner), .text(job.status.rawValue), .text(String(job.progress)), t(job.message),
                .text(job.created), t(job.started), t(job.finished), .text(job.inputs), t(job.results), t(job.errorStatus.map { String($0) }), t(job.error)]
    }

    public func updateJob(_ job: JobRecord) throws {
        try pool.with { c in
            let p = Self.jobParameters(job)
            try c.query("""
                UPDATE onemap_jobs SET status = $2, progress = $3::int, message = $4, started = $5, finished = $6, results = $7, error_status = $8::int, error = $9
                WHERE id = $1
                """, [p[0], p[3], p[4], p[5], p[7], p[8], p[10], p[11], p[12]])
        }
    }

    static let jobColumns = "id, process_id, owner, status, progress, message, created, started, finished, inputs, results, error_status, error"

    static func job(_ r: PGResult, _ i: Int) -> JobRecord {
        JobRecord(id: r.text(i, 0)!, processID: r.text(i, 1)!, owner: r.text(i, 2)!, status: JobRecord.Status(rawValue: r.text(i, 3)!) ?? .failed,
                  progress: Int(r.int64(i, 4)!), message: r.text(i, 5), created: r.text(i, 6)!, started: r.text(i, 7), finished: r.text(i, 8),
                  inputs: r.text(i, 9)!, results: r.text(i, 10), errorStatus: r.int64(i, 11).map { Int($0) }, error: r.text(i, 12))
    }

    public func job(_ id: String) throws -> JobRecord? {
        try pool.with { c in
            let r = try c.query("SELECT \(Self.jobColumns) FROM onemap_jobs WHERE id = $1", [.text(id)])
            return r.count == 1 ? Self.job(r, 0) : nil
        }
    }

    public func jobs(owner: String?, limit: Int) throws -> [JobRecord] {
        try pool.with { c in
            let r = try c.query("SELECT \(Self.jobColumns) FROM onemap_jobs WHERE ($1::text IS NULL OR owner = $1) ORDER BY created DESC, id LIMIT \(max(0, limit))",
                                [owner.map { .text($0) } ?? .null])
            return (0..<r.count).map { Self.job(r, $0) }
        }
    }

    /// Fails the unfinished jobs of runners that are gone: their advisory lock was released when
    /// their process (and its connection) ended. Jobs of live instances keep running. A runner
    /// whose connection is being remade holds no lock for a moment, so a runner counts as gone
    /// only when its lock is still missing after longer than a reconnection takes.
    public func failUnfinishedJobs(reason: String) throws -> Int {
        let live = "SELECT objid::int FROM pg_locks WHERE locktype = 'advisory' AND classid = \(PGListener.runnerLockClass)::int::oid AND objsubid = 2 AND granted"
        let first = try pool.with { c in
            let r = try c.query("SELECT DISTINCT runner FROM onemap_jobs WHERE status IN ('accepted', 'running') AND runner NOT IN (\(live))")
            return (0..<r.count).compactMap { r.int64($0, 0) }.map(String.init)
        }
        guard !first.isEmpty else { return 0 }
        Thread.sleep(forTimeInterval: PGListener.reconnectDelay * 2)
        return try pool.with { c in
            let error = try StoreJSON.encode(["type": "about:blank", "title": "JobLost", "detail": reason])
            return try c.query("""
                UPDATE onemap_jobs SET status = 'failed', message = $1, finished = $2, error_status = 500, error = $3
                WHERE status IN ('accepted', 'running') AND runner = ANY($4::int[]) AND runner NOT IN (\(live))
                RETURNING id
                """, [.text(reason), .text(isoNow()), .text(error), .text("{" + first.joined(separator: ",") + "}")]).count
        }
    }
}

extension PostGISStore {
    // MARK: RecordTransfer

    public func accountRecords() throws -> AccountRecords {
        try pool.transaction(readOnly: true) { c in
            let r = try c.query("SELECT name, level, read_layers::text, write_layers::text, description FROM onemap_roles ORDER BY name")
            let roles = try (0..<r.count).map { try Self.role(r, $0) }
            let u = try c.query("SELECT name, roles, created_at, password_hash FROM onemap_users ORDER BY name")
            let users = (0..<u.count).map {
                AccountRecords.UserRecord(name: u.text($0, 0)!, roles: u.text($0, 1)!.split(separator: ",").map(String.init), createdAt: u.text($0, 2)!,
                                          passwordHash: u.text($0, 3))
            }
            let t = try c.query("SELECT user_name, hash, created_at, revoked_at, note, kind, expires_at FROM onemap_tokens ORDER BY id")
            let tokens = (0..<t.count).map {
                AccountRecords.TokenRecord(user: t.text($0, 0)!, hash: t.text($0, 1)!, createdAt: t.text($0, 2)!, revokedAt: t.text($0, 3), note: t.text($0, 4),
                                           kind: t.text($0, 5)!, expiresAt: t.text($0, 6))
            }
            return AccountRecords(roles: roles, users: users, tokens: tokens)
        }
    }

    public func loadAccountRecords(_ records: AccountRecords) throws {
        func t(_ s: String?) -> PGParameter { s.map { .text($0) } ?? .null }
        try pool.transaction { c in
            guard try c.query("SELECT 1 FROM onemap_users LIMIT 1").count == 0 else {
                throw StoreError.invalidArgument("the destination has users already; accounts are copied only into a store without any")
            }
            for role in records.roles {
                try c.query("""
                    INSERT INTO onemap_roles (name, level, read_layers, write_layers, description) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)
                    ON CONFLICT (name) DO UPDATE SET level = EXCLUDED.level, read_layers = EXCLUDED.read_layers,
                        write_layers = EXCLUDED.write_layers, description = EXCLUDED.description
                    """, [.text(role.name), .text(role.level.rawValue), .text(try StoreJSON.encode(role.readLayers)),
                          .text(try StoreJSON.encode(role.writeLayers)), t(role.description)])
            }
            for u in records.users {
                try c.query("INSERT INTO onemap_users (name, roles, created_at, password_hash) VALUES ($1, $2, $3, $4)",
                            [.text(u.name), .text(u.roles.joined(separator: ",")), .text(u.createdAt), t(u.passwordHash)])
            }
            for k in records.tokens {
                try c.query("INSERT INTO onemap_tokens (user_name, hash, created_at, revoked_at, note, kind, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            [.text(k.user), .text(k.hash), .text(k.createdAt), t(k.revokedAt), t(k.note), .text(k.kind), t(k.expiresAt)])
            }
        }
    }

    public func loadAuditRecords(_ records: [AuditRecord]) throws {
        func t(_ s: String?) -> PGParameter { s.map { .text($0) } ?? .null }
        try pool.transaction { c in
            for r in records {
                try c.preparedQuery("""
                    INSERT INTO onemap_audit (at, principal, action, layer_id, feature_id, before, after, detail)
                    VALUES ($1, $2, $3, $4, $5::int8, $6, $7, $8)
                    """, [.text(r.at), .text(r.principal), .text(r.action), t(r.layerID), t(r.featureID.map { String($0) }), t(r.before), t(r.after), t(r.detail)])
            }
        }
    }
}
