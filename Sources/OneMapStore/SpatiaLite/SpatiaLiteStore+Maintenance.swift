import Foundation
import GRDB

extension SpatiaLiteStore {
    // MARK: StoreMaintenance

    public func backup(to destination: String) throws {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError.invalidArgument("\(destination) exists; a backup goes to a new file")
        }
        do {
            // SQLite's online backup from a reader: one snapshot, writers are not held up (WAL).
            let copy = try DatabaseQueue(path: destination)
            try pool.backup(to: copy)
            try copy.writeWithoutTransaction { db in
                // The copied header still says WAL: make the backup a self-contained single file.
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
            }
            try copy.close()
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            let wrapped = Self.storeError(error)
            if case .storageFull = wrapped { throw wrapped }
            throw StoreError.database("backup to \(destination) failed: \(StoreError.safeDescription(error))")
        }
    }

    public func check(_ layers: [Layer]) throws -> StoreCheckReport {
        var report = StoreCheckReport()
        // SpatiaLite's CheckSpatialIndex() notes its run in the store's statistics tables: it gets
        // the write connection, and everything it wrote is rolled back.
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.deferred) {
                    try Self.check(layers, in: db, into: &report)
                    return .rollback
                }
            }
        } catch {
            throw Self.storeError(error)
        }
        return report
    }

    private static func check(_ layers: [Layer], in db: Database, into report: inout StoreCheckReport) throws {
        report.checked.append("integrity")
        let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
        if integrity != ["ok"] { report.problems += integrity.prefix(20).map { "integrity: \($0)" } }
        report.checked.append("foreign keys")
        let orphans = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
        if !orphans.isEmpty { report.problems.append("foreign keys: \(orphans.count) rows refer to missing rows") }
        if try db.tableExists("case_stats") {
            report.checked.append("case statistics")
            if try !CaseStatistics.matchesRecount(in: db) {
                report.problems.append("case statistics: the per-hour counts of the evaluation differ from a recount of the cases")
            }
        }
        for layer in layers.sorted(by: { $0.id < $1.id }) {
            let table = quoteIdentifier(layer.table)
            guard try db.tableExists(layer.table) else {
                report.problems.append("layer \(layer.id): its table \(layer.table) is missing")
                continue
            }
            switch layer.kind {
            case .vector:
                report.checked.append("layer \(layer.id)")
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
                if count != layer.featureCount {
                    report.problems.append("layer \(layer.id): the catalog says \(layer.featureCount) features, the table holds \(count)")
                }
                if layer.geometryType != nil {
                    // 1: the R*Tree matches the geometries; 0: it does not; NULL: there is none.
                    let valid = try Int.fetchOne(db, sql: "SELECT CheckSpatialIndex(?, 'geom')", arguments: [layer.table])
                    if valid != 1 { report.problems.append("layer \(layer.id): " + (valid == 0 ? "the spatial index does not match the geometries" : "it has no spatial index")) }
                }
            case .dem, .dom:
                report.checked.append("pyramid \(layer.id)")
                guard let info = layer.raster else {
                    report.problems.append("layer \(layer.id): a raster without its grid description")
                    continue
                }
                let levels = try Row.fetchAll(db, sql: "SELECT level, min(col), max(col), min(row), max(row) FROM \(table) GROUP BY level")
                if levels.isEmpty { report.problems.append("layer \(layer.id): the pyramid has no tiles") }
                for row in levels {
                    let level: Int = row[0]
                    guard (0..<info.levels).contains(level) else {
                        report.problems.append("layer \(layer.id): tiles at level \(level), beyond its \(info.levels) levels")
                        continue
                    }
                    let grid = info.tileCount(level: level)
                    let (minCol, maxCol, minRow, maxRow): (Int, Int, Int, Int) = (row[1], row[2], row[3], row[4])
                    if minCol < 0 || minRow < 0 || maxCol >= grid.columns || maxRow >= grid.rows {
                        report.problems.append("layer \(layer.id): level \(level) has tiles outside its \(grid.columns)×\(grid.rows) grid")
                    }
                }
                let present = Set(levels.map { $0[0] as Int })
                let missing = (0..<info.levels).filter { !present.contains($0) }
                if !levels.isEmpty, !missing.isEmpty {
                    report.problems.append("layer \(layer.id): pyramid levels \(missing.map(String.init).joined(separator: ", ")) are missing")
                }
            }
        }
    }
}
