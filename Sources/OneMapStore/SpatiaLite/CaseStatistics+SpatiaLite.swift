import Foundation
import GRDB

/// `CaseStatistics` run on SQLite.
extension CaseStatistics {
    /// The statistics migration (v10) as SQLite runs it.
    static var migration: String { migration(.sqlite) }

    /// Runs an evaluation statement with GRDB.
    static func query(_ db: Database) -> EvaluationQuery {
        { sql, arguments in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).compactMap { row in
                guard let key: String = row["k"] else { return nil }
                return evaluationRow(key: key, name: row["n"]) { row[$0] ?? 0 }
            }
        }
    }

    static func rows(from: String, to: String, group: CaseGroup, in db: Database) throws -> [CaseEvaluationRow] {
        try rows(from: from, to: to, group: group, .sqlite, query(db))
    }

    static func counted(from: String, to: String, group: CaseGroup, in db: Database) throws -> [CaseEvaluationRow] {
        try counted(from: from, to: to, group: group, .sqlite, query(db))
    }

    /// Whether the counts kept change by change equal a recount of every case. The table is
    /// rebuilt on the way: call it inside a transaction that is rolled back (`onemap check`).
    static func matchesRecount(in db: Database) throws -> Bool {
        let kept = try Row.fetchAll(db, sql: liveRows(.sqlite))
        try db.execute(sql: "DELETE FROM case_stats")
        try db.execute(sql: backfill(.sqlite))
        return try Row.fetchAll(db, sql: liveRows(.sqlite)) == kept
    }
}
