import ArgumentParser
import Foundation
import OneMapStore

/// `onemap backup DEST`: a consistent copy of the store, safe while a server is using it.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy the store to a new file while it is in use (SQLite's online backup, or pg_dump for PostGIS: one consistent snapshot).",
        discussion: "Restore by stopping the server and putting the copy in the store's place. The copy is checked before this command reports success.")

    @OptionGroup var options: StoreOptions
    @Argument(help: "The new file to write.") var destination: String

    func run() throws {
        try reportingErrors {
            let store = try options.openExisting()
            try store.backup(to: destination)
            if PGURL.isPostgres(options.store) {
                // pg_dump's archive, read back whole by pg_restore.
                let size = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
                print("backed up \(store.path) to \(destination) (pg_dump custom format, \(size / 1_048_576) MB, read back by pg_restore; restore with pg_restore -d URL \(destination))")
                return
            }
            let report = try Store(path: destination).check()
            guard report.isHealthy else {
                throw CLIError(description: "the copy at \(destination) did not pass its check: \(report.problems.joined(separator: "; "))")
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
            print("backed up \(options.store) to \(destination) (\(size / 1_048_576) MB, \(report.checked.count) checks passed)")
        }
    }
}

/// `onemap check`: integrity, spatial indexes, the catalog against the tables, pyramids.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check the store: SQLite integrity, every spatial index, the catalog against the tables, raster pyramids against their grids.",
        discussion: "Exits 1 when anything is wrong, listing each problem.")

    @OptionGroup var options: StoreOptions
    @Flag(help: "List every check that ran.") var verbose = false

    func run() throws {
        try reportingErrors {
            let report = try options.openExisting().check()
            if verbose { for item in report.checked { print("checked \(item)") } }
            guard report.isHealthy else {
                for problem in report.problems { print("problem: \(problem)") }
                throw CLIError(description: "\(options.store): \(report.problems.count) problem(s) found")
            }
            print("\(options.store): ok (\(report.checked.count) checks)")
        }
    }
}
