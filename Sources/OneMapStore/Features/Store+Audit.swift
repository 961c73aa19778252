import Foundation
import GRDB

/// One line of the append-only audit log.
public struct AuditRecord: Sendable, Hashable {
    public var sequence: Int64
    /// ISO 8601 UTC.
    public var at: String
    public var principal: String
    /// `create`, `replace`, `update`, `delete`, or a read of confidential data (`read`).
    public var action: String
    public var layerID: String?
    public var featureID: Int64?
    /// The feature as GeoJSON before and after an edit (storage CRS).
    public var before: String?
    public var after: String?
    public var detail: String?
}

extension Store {
    /// Appends a record inside the caller's transaction, so the record and the change it
    /// describes commit together or not at all.
    static func appendAudit(principal: Principal, action: String, layerID: String?, featureID: Int64?, before: String?,
                            after: String?, detail: String? = nil, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO audit_log (at, principal, action, layer_id, feature_id, before, after, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [isoNowMillis(), principal.name, action, layerID, featureID, before, after, detail])
    }

    /// Appends a record on its own (reads of confidential data).
    public func audit(principal: Principal, action: String, layerID: String?, featureID: Int64? = nil, detail: String? = nil) throws {
        try write(touchesCatalog: false) { db in
            try Self.appendAudit(principal: principal, action: action, layerID: layerID, featureID: featureID, before: nil, after: nil,
                                 detail: detail, in: db)
        }
    }

    /// Audit records at or after `since` (ISO 8601 prefix comparison), oldest first.
    public func auditRecords(since: String? = nil, layer: String? = nil, limit: Int = 1000) throws -> [AuditRecord] {
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

/// The current time as ISO 8601 UTC with milliseconds (audit records order by it).
func isoNowMillis() -> String {
    Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}
