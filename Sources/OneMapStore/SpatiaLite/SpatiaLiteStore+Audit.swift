import Foundation
import GRDB

extension SpatiaLiteStore {
    /// Appends a record inside the caller's transaction, so the record and the change it
    /// describes commit together or not at all.
    static func appendAudit(_ entry: AuditEntry, in db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO audit_log (at, principal, action, layer_id, feature_id, before, after, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [isoNowMillis(), entry.principal, entry.action, entry.layerID, entry.featureID, entry.before, entry.after, entry.detail])
    }

    // MARK: AuditLog

    public func appendAudit(_ entries: [AuditEntry]) throws {
        guard !entries.isEmpty else { return }
        try write { db in for e in entries { try Self.appendAudit(e, in: db) } }
    }

    public func auditRecords(since: String?, layer: String?, limit: Int) throws -> [AuditRecord] {
        try read { db in
            var sql = "SELECT * FROM audit_log WHERE 1"
            var arguments: StatementArguments = []
            if let since {
                sql += " AND at >= ?"
                arguments += [since]
            }
            if let layer {
                sql += " AND layer_id = ?"
                arguments += [layer]
            }
            sql += " ORDER BY seq LIMIT \(max(1, limit))"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                AuditRecord(sequence: row["seq"], at: row["at"], principal: row["principal"], action: row["action"],
                            layerID: row["layer_id"], featureID: row["feature_id"], before: row["before"], after: row["after"],
                            detail: row["detail"])
            }
        }
    }
}
