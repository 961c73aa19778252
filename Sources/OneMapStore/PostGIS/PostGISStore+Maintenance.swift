import Foundation
import OneMapGeometry

extension PostGISStore {
    // MARK: StoreMaintenance

    /// PostgreSQL's own backup: `pg_dump` in its custom format (one consistent snapshot, taken
    /// while the store is in use), then read back whole by `pg_restore --list`. Restore with
    /// `pg_restore -d URL FILE` into an empty database.
    public func backup(to destination: String) throws {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError.invalidArgument("\(destination) exists; a backup goes to a new file")
        }
        do {
            try Self.run("/usr/bin/pg_dump", ["--format=custom", "--no-owner", "--file=\(destination)", "--dbname=\(pool.url)"])
            try Self.run("/usr/bin/pg_restore", ["--list", destination])
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
    }

    /// Runs a PostgreSQL client program; its error output (never the URL) becomes the message.
    static func run(_ program: String, _ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw StoreError.unsupported("\((program as NSString).lastPathComponent) is not installed (Debian's postgresql-client)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw StoreError.database("\((program as NSString).lastPathComponent) failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// The evaluation's case statistics against a recount, and the catalog against the tables:
    /// each layer's table exists, holds the catalogued count of features (or tiles), and its
    /// geometries have the catalogued SRID.
    public func check(_ layers: [Layer]) throws -> StoreCheckReport {
        var report = StoreCheckReport()
        // The recount rebuilds the statistics table inside a transaction that is rolled back.
        try pool.with { c in
            try c.execute("BEGIN")
            defer { try? c.execute("ROLLBACK") }
            report.checked.append("case statistics")
            let live = CaseStatistics.liveRows(.postgres)
            let kept = try Self.rowsText(c.query(live))
            try c.execute("DELETE FROM onemap_case_stats; " + CaseStatistics.backfill(.postgres))
            if try Self.rowsText(c.query(live)) != kept {
                report.problems.append("case statistics: the per-hour counts of the evaluation differ from a recount of the cases")
            }
        }
        try pool.transaction(readOnly: true) { c in
            for layer in layers.sorted(by: { $0.id < $1.id }) {
                report.checked.append("layer \(layer.id)")
                let exists = try c.query("SELECT to_regclass($1) IS NOT NULL", [.text(quoteIdentifier(layer.table))]).bool(0, 0) ?? false
                guard exists else {
                    report.problems.append("layer \(layer.id): its table \(layer.table) is missing")
                    continue
                }
                let rows = try c.query("SELECT count(*) FROM \(quoteIdentifier(layer.table))").int64(0, 0) ?? 0
                if layer.kind == .vector {
                    if rows != layer.featureCount {
                        report.problems.append("layer \(layer.id): the catalog counts \(layer.featureCount) features, the table holds \(rows)")
                    }
                    let foreign = try c.query("SELECT count(*) FROM \(quoteIdentifier(layer.table)) WHERE ST_SRID(geom) <> $1::int",
                                              [.text(String(try srid(layer)))]).int64(0, 0) ?? 0
                    if foreign > 0 { report.problems.append("layer \(layer.id): \(foreign) geometries have another SRID than \(layer.storageCRS)") }
                } else if rows == 0 {
                    report.problems.append("layer \(layer.id): its pyramid holds no tiles")
                }
            }
        }
        return report
    }

    /// Every value of a result as text (binary values in hex), row by row: for comparing results.
    static func rowsText(_ r: PGResult) -> [[String]] {
        (0..<r.count).map { i in
            (0..<r.columns).map { j in r.isNull(i, j) ? "NULL" : r.bytes(i, j).map { String(format: "%02x", $0) }.joined() }
        }
    }
}
