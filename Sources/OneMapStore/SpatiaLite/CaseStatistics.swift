import Foundation
import GRDB

/// 综合评价 counts kept per hour by the store itself: for each grouping (street, community, grid,
/// department, supervisor) and each hour, how many cases were reported in it, and of those filed
/// in it how many were voided, suspended, dispatched (on time), handled (on time), closed (on
/// time), reworked, extended and returned. Triggers on `cases` keep the table right whatever
/// writes a case (a transition, an import, the overdue sweep does not touch these columns):
/// a change subtracts the row's old contribution and adds its new one.
///
/// An evaluation of a period then sums the whole hours inside it from this table and counts the
/// cases of the two partial hours at its ends from `cases` itself, with the same expressions
/// (`filedCounters`), so both halves agree by construction.
enum CaseStatistics {
    struct Grouping {
        let group: CaseGroup
        let key: String
        let name: String

        /// Which cases the grouping counts at all, over a case row (`r.` columns).
        func condition(_ r: String) -> String {
            switch group {
            case .department: "\(r)department IS NOT NULL"
            case .supervisor: "\(r)source = '监督员'"
            default: "1"
            }
        }
    }

    static let groupings: [Grouping] = [
        Grouping(group: .street, key: "street_code", name: "street_name"),
        Grouping(group: .community, key: "community_code", name: "community_name"),
        Grouping(group: .grid, key: "grid_code", name: "grid_code"),
        Grouping(group: .department, key: "department", name: "department"),
        Grouping(group: .supervisor, key: "reporter", name: "reporter"),
    ]

    static func grouping(_ group: CaseGroup) -> Grouping { groupings.first { $0.group == group }! }

    /// The counters of a case filed in the period, as SQL over a case row (`r.` columns): the
    /// one definition of what each evaluation count means.
    static func filedCounters(_ r: String) -> [(String, String)] {
        [("filed", "1"),
         ("voided", "(\(r)state = 'voided')"),
         ("suspended", "(\(r)state = 'suspended')"),
         ("dispatched", "(\(r)dispatched_at IS NOT NULL)"),
         ("dispatched_on_time", "(\(r)dispatch_on_time IS 1)"),
         ("handled", "(\(r)feedback_at IS NOT NULL)"),
         ("handled_on_time", "(\(r)handle_on_time IS 1)"),
         ("closed", "(\(r)state = 'closed')"),
         ("closed_on_time", "(\(r)state = 'closed' AND \(r)handle_on_time IS 1)"),
         ("reworked", "(\(r)rework_count > 0)"),
         ("extended", "(\(r)extension_minutes > 0)"),
         ("returned", "(\(r)return_count > 0)")]
    }

    static var counterNames: [String] { ["reported"] + filedCounters("").map(\.0) }

    /// The columns whose change moves a case's contribution.
    static let watched = ["reported_at", "filed_at", "state", "dispatched_at", "feedback_at", "dispatch_on_time", "handle_on_time",
                          "rework_count", "extension_minutes", "return_count", "street_code", "street_name", "community_code",
                          "community_name", "grid_code", "department", "reporter", "source"]

    /// Statements adding (`sign` 1) or taking away (-1) the contribution of row `r` (NEW or OLD).
    static func contribution(of r: String, sign: Int) -> String {
        let p = r + "."
        let columns = counterNames.joined(separator: ", ")
        let updates = counterNames.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", ")
        var statements: [String] = []
        for g in groupings {
            let condition = g.condition(p)
            let reportedValues = (["\(sign)"] + Array(repeating: "0", count: counterNames.count - 1)).joined(separator: ", ")
            let filedValues = (["0"] + filedCounters(p).map { "\(sign) * \($0.1)" }).joined(separator: ", ")
            for (kind, hour, values, filter) in [("r", "\(p)reported_at", reportedValues, "1"), ("f", "\(p)filed_at", filedValues, "\(p)filed_at IS NOT NULL")] {
                statements.append("""
                    INSERT INTO case_stats (grouping, hour, kind, key, name, \(columns))
                    SELECT '\(g.group.rawValue)', substr(\(hour), 1, 13), '\(kind)', \(p)\(g.key), \(p)\(g.name), \(values)
                    WHERE \(filter) AND \(condition)
                    ON CONFLICT (grouping, hour, kind, key) DO UPDATE SET name = excluded.name, \(updates);
                    """)
            }
        }
        return statements.joined(separator: "\n")
    }

    /// The table, its triggers, and the counts of the cases already in the store.
    static var migration: String {
        let counters = counterNames.map { "\($0) INTEGER NOT NULL" }.joined(separator: ", ")
        let sql = """
            CREATE TABLE case_stats (
                grouping TEXT NOT NULL, hour TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL,
                \(counters),
                PRIMARY KEY (grouping, hour, kind, key)
            ) WITHOUT ROWID;
            CREATE TRIGGER case_stats_insert AFTER INSERT ON cases BEGIN
            \(contribution(of: "NEW", sign: 1))
            END;
            CREATE TRIGGER case_stats_update AFTER UPDATE OF \(watched.joined(separator: ", ")) ON cases BEGIN
            \(contribution(of: "OLD", sign: -1))
            \(contribution(of: "NEW", sign: 1))
            END;
            CREATE TRIGGER case_stats_delete AFTER DELETE ON cases BEGIN
            \(contribution(of: "OLD", sign: -1))
            END;

            """
        return sql + backfill
    }

    /// The counts of every case in the store, in one pass per grouping (what the triggers arrive at
    /// one change at a time).
    static var backfill: String {
        var sql = ""
        let columns = counterNames.joined(separator: ", ")
        for g in groupings {
            let zeros = Array(repeating: "0", count: counterNames.count - 1).joined(separator: ", ")
            let sums = filedCounters("").map { "sum(\($0.1))" }.joined(separator: ", ")
            sql += """
                INSERT INTO case_stats (grouping, hour, kind, key, name, \(columns))
                SELECT '\(g.group.rawValue)', substr(reported_at, 1, 13), 'r', \(g.key), max(\(g.name)), count(*), \(zeros)
                FROM cases WHERE \(g.condition("")) GROUP BY substr(reported_at, 1, 13), \(g.key);
                INSERT INTO case_stats (grouping, hour, kind, key, name, \(columns))
                SELECT '\(g.group.rawValue)', substr(filed_at, 1, 13), 'f', \(g.key), max(\(g.name)), 0, \(sums)
                FROM cases WHERE filed_at IS NOT NULL AND \(g.condition("")) GROUP BY substr(filed_at, 1, 13), \(g.key);

                """
        }
        return sql
    }

    /// Whether the counts kept change by change equal a recount of every case. The table is
    /// rebuilt on the way: call it inside a transaction that is rolled back (`onemap check`).
    static func matchesRecount(in db: Database) throws -> Bool {
        // Rows with any counter not zero: a count that drifted below zero is found too.
        let live = "SELECT grouping, hour, kind, key, \(counterNames.joined(separator: ", ")) FROM case_stats WHERE \(counterNames.map { "\($0) != 0" }.joined(separator: " OR ")) ORDER BY grouping, hour, kind, key"
        let kept = try Row.fetchAll(db, sql: live)
        try db.execute(sql: "DELETE FROM case_stats")
        try db.execute(sql: backfill)
        return try Row.fetchAll(db, sql: live) == kept
    }

    // MARK: evaluation

    /// Counts of `group` for cases of [from, to) (ISO 8601 UTC times, as the cases hold them).
    static func rows(from: String, to: String, group: CaseGroup, in db: Database) throws -> [CaseEvaluationRow] {
        guard let a = try? Date(from, strategy: .iso8601), let b = try? Date(to, strategy: .iso8601) else {
            return try counted(from: from, to: to, group: group, in: db)
        }
        // Whole hours inside the period from the table, the partial hours at its ends from the cases.
        let firstWhole = (a.timeIntervalSince1970 / 3600).rounded(.up) * 3600, endWhole = (b.timeIntervalSince1970 / 3600).rounded(.down) * 3600
        guard firstWhole < endWhole else { return try counted(from: from, to: to, group: group, in: db) }
        let hourStart = Date(timeIntervalSince1970: firstWhole), hourEnd = Date(timeIntervalSince1970: endWhole)
        var rows = try summed(fromHour: hourKey(hourStart), toHour: hourKey(hourEnd), group: group, in: db)
        for (x, y) in [(from, iso(hourStart)), (iso(hourEnd), to)] where x < y {
            rows = merge(rows, try counted(from: x, to: y, group: group, in: db))
        }
        return rows.values.sorted { $0.key < $1.key }
    }

    static func hourKey(_ d: Date) -> String { String(iso(d).prefix(13)) }
    static func iso(_ d: Date) -> String { d.formatted(.iso8601) }

    /// Sums of the whole hours [fromHour, toHour).
    static func summed(fromHour: String, toHour: String, group: CaseGroup, in db: Database) throws -> [String: CaseEvaluationRow] {
        let sums = counterNames.map { "sum(\($0)) AS \($0)" }.joined(separator: ", ")
        let rows = try Row.fetchAll(db, sql: """
            SELECT key AS k, max(name) AS n, \(sums) FROM case_stats
            WHERE grouping = ? AND hour >= ? AND hour < ? GROUP BY key HAVING sum(reported) > 0 OR sum(filed) > 0
            """, arguments: [group.rawValue, fromHour, toHour])
        var out: [String: CaseEvaluationRow] = [:]
        for row in rows { out[row["k"]] = evaluationRow(row) }
        return out
    }

    /// Counts straight from the cases of [from, to): by filing time through `cases_filed`, and
    /// reports by reporting time through `cases_reported`.
    static func counted(from: String, to: String, group: CaseGroup, in db: Database) throws -> [CaseEvaluationRow] {
        let g = grouping(group)
        let sums = filedCounters("").map { "coalesce(sum(\($0.1)), 0) AS \($0.0)" }.joined(separator: ", ")
        let filed = try Row.fetchAll(db, sql: """
            SELECT \(g.key) AS k, max(\(g.name)) AS n, 0 AS reported, \(sums) FROM cases INDEXED BY cases_filed
            WHERE filed_at >= ? AND filed_at < ? AND \(g.condition("")) GROUP BY k
            """, arguments: [from, to])
        let zeros = filedCounters("").map { "0 AS \($0.0)" }.joined(separator: ", ")
        let reported = try Row.fetchAll(db, sql: """
            SELECT \(g.key) AS k, max(\(g.name)) AS n, count(*) AS reported, \(zeros) FROM cases INDEXED BY cases_reported
            WHERE reported_at >= ? AND reported_at < ? AND \(g.condition("")) GROUP BY k
            """, arguments: [from, to])
        var out: [String: CaseEvaluationRow] = [:]
        for row in filed + reported where row["k"] != nil {
            out = merge(out, [evaluationRow(row)])
        }
        return out.values.sorted { $0.key < $1.key }
    }

    static func evaluationRow(_ row: Row) -> CaseEvaluationRow {
        let key: String = row["k"]
        var r = CaseEvaluationRow(key: key, name: row["n"] ?? key)
        r.reported = row["reported"]; r.filed = row["filed"]; r.voided = row["voided"]; r.suspended = row["suspended"]
        r.dispatched = row["dispatched"]; r.dispatchedOnTime = row["dispatched_on_time"]; r.handled = row["handled"]
        r.handledOnTime = row["handled_on_time"]; r.closed = row["closed"]; r.closedOnTime = row["closed_on_time"]
        r.reworked = row["reworked"]; r.extended = row["extended"]; r.returned = row["returned"]
        return r
    }

    static func merge(_ rows: [String: CaseEvaluationRow], _ more: [CaseEvaluationRow]) -> [String: CaseEvaluationRow] {
        var out = rows
        for m in more {
            guard var r = out[m.key] else { out[m.key] = m; continue }
            r.reported += m.reported; r.filed += m.filed; r.voided += m.voided; r.suspended += m.suspended
            r.dispatched += m.dispatched; r.dispatchedOnTime += m.dispatchedOnTime; r.handled += m.handled
            r.handledOnTime += m.handledOnTime; r.closed += m.closed; r.closedOnTime += m.closedOnTime
            r.reworked += m.reworked; r.extended += m.extended; r.returned += m.returned
            if m.name != m.key { r.name = m.name }
            out[m.key] = r
        }
        return out
    }
}
