import Foundation

/// 综合评价 counts kept per hour by the store itself: for each grouping (street, community, grid,
/// department, supervisor) and each hour, how many cases were reported in it, and of those filed
/// in it how many were voided, suspended, dispatched (on time), handled (on time), closed (on
/// time), reworked, extended and returned. Triggers on the cases table keep the table right
/// whatever writes a case (a transition, an import; the overdue sweep does not touch these
/// columns): a change subtracts the row's old contribution and adds its new one.
///
/// An evaluation of a period then sums the whole hours inside it from this table and counts the
/// cases of the two partial hours at its ends from the cases themselves, with the same
/// expressions (`filedCounters`), so both halves agree by construction. The SQL is written once
/// here for both backends (`Dialect`); each backend runs it (`EvaluationQuery`).
enum CaseStatistics {
    /// Where the SQL runs: SQLite (SpatiaLite) or PostgreSQL.
    enum Dialect {
        case sqlite, postgres

        var cases: String { self == .sqlite ? "cases" : "onemap_cases" }
        var stats: String { self == .sqlite ? "case_stats" : "onemap_case_stats" }
        var truth: String { self == .sqlite ? "1" : "TRUE" }
        /// A condition as a count of 0 or 1.
        func flag(_ condition: String) -> String { self == .sqlite ? "(\(condition))" : "((\(condition))::int)" }
        /// Whether a nullable 0/1 column is 1.
        func isOne(_ column: String) -> String { self == .sqlite ? "\(column) IS 1" : "\(column) IS NOT DISTINCT FROM 1" }
        /// The `n`th bound value (1-based).
        func placeholder(_ n: Int) -> String { self == .sqlite ? "?" : "$\(n)" }
        /// SQLite is told which index a per-period count uses; PostgreSQL's planner picks it.
        func indexedBy(_ index: String) -> String { self == .sqlite ? " INDEXED BY \(index)" : "" }
        /// A counter of the existing row in an upsert's SET (PostgreSQL needs it qualified).
        func existing(_ column: String) -> String { self == .sqlite ? column : "\(stats).\(column)" }
        /// `grouping` is a keyword in PostgreSQL.
        var grouping: String { "\"grouping\"" }
    }

    /// Runs one evaluation statement with its bound text values and returns its rows, each with
    /// `k` (the key), `n` (the name) and the counters by name.
    typealias EvaluationQuery = (_ sql: String, _ arguments: [String]) throws -> [CaseEvaluationRow]

    struct Grouping {
        let group: CaseGroup
        let key: String
        let name: String

        /// Which cases the grouping counts at all, over a case row (`r.` columns).
        func condition(_ r: String, _ d: Dialect) -> String {
            switch group {
            case .department: "\(r)department IS NOT NULL"
            case .supervisor: "\(r)source = '监督员'"
            default: d.truth
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
    static func filedCounters(_ r: String, _ d: Dialect) -> [(String, String)] {
        [("filed", "1"),
         ("voided", d.flag("\(r)state = 'voided'")),
         ("suspended", d.flag("\(r)state = 'suspended'")),
         ("dispatched", d.flag("\(r)dispatched_at IS NOT NULL")),
         ("dispatched_on_time", d.flag(d.isOne("\(r)dispatch_on_time"))),
         ("handled", d.flag("\(r)feedback_at IS NOT NULL")),
         ("handled_on_time", d.flag(d.isOne("\(r)handle_on_time"))),
         ("closed", d.flag("\(r)state = 'closed'")),
         ("closed_on_time", d.flag("\(r)state = 'closed' AND \(d.isOne("\(r)handle_on_time"))")),
         ("reworked", d.flag("\(r)rework_count > 0")),
         ("extended", d.flag("\(r)extension_minutes > 0")),
         ("returned", d.flag("\(r)return_count > 0"))]
    }

    static var counterNames: [String] { ["reported"] + filedCounters("", .sqlite).map(\.0) }

    /// The columns whose change moves a case's contribution.
    static let watched = ["reported_at", "filed_at", "state", "dispatched_at", "feedback_at", "dispatch_on_time", "handle_on_time",
                          "rework_count", "extension_minutes", "return_count", "street_code", "street_name", "community_code",
                          "community_name", "grid_code", "department", "reporter", "source"]

    /// Statements adding (`sign` 1) or taking away (-1) the contribution of row `r` (NEW or OLD).
    static func contribution(of r: String, sign: Int, _ d: Dialect) -> String {
        let p = r + "."
        let columns = counterNames.joined(separator: ", ")
        let updates = counterNames.map { "\($0) = \(d.existing($0)) + excluded.\($0)" }.joined(separator: ", ")
        var statements: [String] = []
        for g in groupings {
            let condition = g.condition(p, d)
            let reportedValues = (["\(sign)"] + Array(repeating: "0", count: counterNames.count - 1)).joined(separator: ", ")
            let filedValues = (["0"] + filedCounters(p, d).map { "\(sign) * \($0.1)" }).joined(separator: ", ")
            for (kind, hour, values, filter) in [("r", "\(p)reported_at", reportedValues, d.truth), ("f", "\(p)filed_at", filedValues, "\(p)filed_at IS NOT NULL")] {
                statements.append("""
                    INSERT INTO \(d.stats) (\(d.grouping), hour, kind, key, name, \(columns))
                    SELECT '\(g.group.rawValue)', substr(\(hour), 1, 13), '\(kind)', \(p)\(g.key), \(p)\(g.name), \(values)
                    WHERE \(filter) AND \(condition)
                    ON CONFLICT (\(d.grouping), hour, kind, key) DO UPDATE SET name = excluded.name, \(updates);
                    """)
            }
        }
        return statements.joined(separator: "\n")
    }

    /// The table, its triggers, and the counts of the cases already in the store.
    static func migration(_ d: Dialect) -> String {
        let counters = counterNames.map { "\($0) INTEGER NOT NULL" }.joined(separator: ", ")
        let table = """
            CREATE TABLE \(d.stats) (
                \(d.grouping) TEXT NOT NULL, hour TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL,
                \(counters),
                PRIMARY KEY (\(d.grouping), hour, kind, key)
            )
            """
        switch d {
        case .sqlite:
            return """
                \(table) WITHOUT ROWID;
                CREATE TRIGGER case_stats_insert AFTER INSERT ON cases BEGIN
                \(contribution(of: "NEW", sign: 1, d))
                END;
                CREATE TRIGGER case_stats_update AFTER UPDATE OF \(watched.joined(separator: ", ")) ON cases BEGIN
                \(contribution(of: "OLD", sign: -1, d))
                \(contribution(of: "NEW", sign: 1, d))
                END;
                CREATE TRIGGER case_stats_delete AFTER DELETE ON cases BEGIN
                \(contribution(of: "OLD", sign: -1, d))
                END;

                """ + backfill(d)
        case .postgres:
            func function(_ name: String, _ body: String) -> String {
                "CREATE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN\n\(body)\nRETURN NULL; END $$;\n"
            }
            return "\(table);\n"
                + function("onemap_case_stats_insert", contribution(of: "NEW", sign: 1, d))
                + function("onemap_case_stats_update", contribution(of: "OLD", sign: -1, d) + "\n" + contribution(of: "NEW", sign: 1, d))
                + function("onemap_case_stats_delete", contribution(of: "OLD", sign: -1, d))
                + """
                CREATE TRIGGER onemap_case_stats_insert AFTER INSERT ON onemap_cases FOR EACH ROW EXECUTE FUNCTION onemap_case_stats_insert();
                CREATE TRIGGER onemap_case_stats_update AFTER UPDATE OF \(watched.joined(separator: ", ")) ON onemap_cases
                    FOR EACH ROW EXECUTE FUNCTION onemap_case_stats_update();
                CREATE TRIGGER onemap_case_stats_delete AFTER DELETE ON onemap_cases FOR EACH ROW EXECUTE FUNCTION onemap_case_stats_delete();

                """ + backfill(d)
        }
    }

    /// The counts of every case in the store, in one pass per grouping (what the triggers arrive at
    /// one change at a time).
    static func backfill(_ d: Dialect) -> String {
        var sql = ""
        let columns = counterNames.joined(separator: ", ")
        for g in groupings {
            let zeros = Array(repeating: "0", count: counterNames.count - 1).joined(separator: ", ")
            let sums = filedCounters("", d).map { "sum(\($0.1))" }.joined(separator: ", ")
            sql += """
                INSERT INTO \(d.stats) (\(d.grouping), hour, kind, key, name, \(columns))
                SELECT '\(g.group.rawValue)', substr(reported_at, 1, 13), 'r', \(g.key), max(\(g.name)), count(*), \(zeros)
                FROM \(d.cases) WHERE \(g.condition("", d)) GROUP BY substr(reported_at, 1, 13), \(g.key);
                INSERT INTO \(d.stats) (\(d.grouping), hour, kind, key, name, \(columns))
                SELECT '\(g.group.rawValue)', substr(filed_at, 1, 13), 'f', \(g.key), max(\(g.name)), 0, \(sums)
                FROM \(d.cases) WHERE filed_at IS NOT NULL AND \(g.condition("", d)) GROUP BY substr(filed_at, 1, 13), \(g.key);

                """
        }
        return sql
    }

    /// The rows of the table with any counter not zero, in order (a count drifted below zero is one).
    static func liveRows(_ d: Dialect) -> String {
        "SELECT \(d.grouping), hour, kind, key, \(counterNames.joined(separator: ", ")) FROM \(d.stats) WHERE \(counterNames.map { "\($0) != 0" }.joined(separator: " OR ")) ORDER BY \(d.grouping), hour, kind, key"
    }

    // MARK: evaluation

    /// Counts of `group` for cases of [from, to) (ISO 8601 UTC times, as the cases hold them).
    static func rows(from: String, to: String, group: CaseGroup, _ d: Dialect, _ query: EvaluationQuery) throws -> [CaseEvaluationRow] {
        guard let a = try? Date(from, strategy: .iso8601), let b = try? Date(to, strategy: .iso8601) else {
            return try counted(from: from, to: to, group: group, d, query)
        }
        // Whole hours inside the period from the table, the partial hours at its ends from the cases.
        let firstWhole = (a.timeIntervalSince1970 / 3600).rounded(.up) * 3600, endWhole = (b.timeIntervalSince1970 / 3600).rounded(.down) * 3600
        guard firstWhole < endWhole else { return try counted(from: from, to: to, group: group, d, query) }
        let hourStart = Date(timeIntervalSince1970: firstWhole), hourEnd = Date(timeIntervalSince1970: endWhole)
        var rows = try summed(fromHour: hourKey(hourStart), toHour: hourKey(hourEnd), group: group, d, query)
        for (x, y) in [(from, iso(hourStart)), (iso(hourEnd), to)] where x < y {
            rows = merge(rows, try counted(from: x, to: y, group: group, d, query))
        }
        return rows.values.sorted { $0.key < $1.key }
    }

    static func hourKey(_ d: Date) -> String { String(iso(d).prefix(13)) }
    static func iso(_ d: Date) -> String { d.formatted(.iso8601) }

    /// Sums of the whole hours [fromHour, toHour).
    static func summed(fromHour: String, toHour: String, group: CaseGroup, _ d: Dialect, _ query: EvaluationQuery) throws -> [String: CaseEvaluationRow] {
        let sums = counterNames.map { "sum(\($0)) AS \($0)" }.joined(separator: ", ")
        let rows = try query("""
            SELECT key AS k, max(name) AS n, \(sums) FROM \(d.stats)
            WHERE \(d.grouping) = \(d.placeholder(1)) AND hour >= \(d.placeholder(2)) AND hour < \(d.placeholder(3)) GROUP BY key HAVING sum(reported) > 0 OR sum(filed) > 0
            """, [group.rawValue, fromHour, toHour])
        var out: [String: CaseEvaluationRow] = [:]
        for row in rows { out[row.key] = row }
        return out
    }

    /// Counts straight from the cases of [from, to): by filing time, and reports by reporting time.
    static func counted(from: String, to: String, group: CaseGroup, _ d: Dialect, _ query: EvaluationQuery) throws -> [CaseEvaluationRow] {
        let g = grouping(group)
        let sums = filedCounters("", d).map { "coalesce(sum(\($0.1)), 0) AS \($0.0)" }.joined(separator: ", ")
        let filed = try query("""
            SELECT \(g.key) AS k, max(\(g.name)) AS n, 0 AS reported, \(sums) FROM \(d.cases)\(d.indexedBy("cases_filed"))
            WHERE filed_at >= \(d.placeholder(1)) AND filed_at < \(d.placeholder(2)) AND \(g.condition("", d)) GROUP BY k
            """, [from, to])
        let zeros = filedCounters("", d).map { "0 AS \($0.0)" }.joined(separator: ", ")
        let reported = try query("""
            SELECT \(g.key) AS k, max(\(g.name)) AS n, count(*) AS reported, \(zeros) FROM \(d.cases)\(d.indexedBy("cases_reported"))
            WHERE reported_at >= \(d.placeholder(1)) AND reported_at < \(d.placeholder(2)) AND \(g.condition("", d)) GROUP BY k
            """, [from, to])
        var out: [String: CaseEvaluationRow] = [:]
        for row in filed + reported { out = merge(out, [row]) }
        return out.values.sorted { $0.key < $1.key }
    }

    /// A row of an evaluation statement: its key, its name (the key when none) and each counter.
    static func evaluationRow(key: String, name: String?, _ count: (String) -> Int) -> CaseEvaluationRow {
        var r = CaseEvaluationRow(key: key, name: name ?? key)
        r.reported = count("reported"); r.filed = count("filed"); r.voided = count("voided"); r.suspended = count("suspended")
        r.dispatched = count("dispatched"); r.dispatchedOnTime = count("dispatched_on_time"); r.handled = count("handled")
        r.handledOnTime = count("handled_on_time"); r.closed = count("closed"); r.closedOnTime = count("closed_on_time")
        r.reworked = count("reworked"); r.extended = count("extended"); r.returned = count("returned")
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
