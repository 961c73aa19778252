import Foundation
import GRDB
import Testing

@testable import OneMapStore

/// Paths of the repository's fixtures, found from this file (tests never read ../shared).
enum Fixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func importFile(_ name: String) -> String { repository.appendingPathComponent("Tests/Fixtures/import/\(name)").path }
    static func layersData(_ name: String) -> String { repository.appendingPathComponent("Layers/data/\(name)").path }
    static func fixture(_ name: String) -> String { repository.appendingPathComponent("Tests/Fixtures/\(name)").path }
}

/// A fresh directory per test, removed at the end.
final class TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "onemap-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// Everything observable about a store's content: the catalog rows and every table's row count.
struct StoreSnapshot: Equatable, CustomStringConvertible {
    var catalog: [String]
    var tables: [String: Int]

    init(_ store: Store) throws {
        (catalog, tables) = try store.pool.read { db in
            let catalog = try Row.fetchAll(db, sql: "SELECT * FROM layers ORDER BY id").map { $0.description }
            var tables: [String: Int] = [:]
            for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") {
                tables[name] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(name)\"") ?? 0
            }
            return (catalog, tables)
        }
    }

    var description: String { "\(catalog.count) layers, tables \(tables.sorted { $0.key < $1.key })" }
}

/// A store in a temporary directory.
func makeStore(_ dir: TemporaryDirectory) throws -> Store { try Store(path: dir.file("test.sqlite")) }
