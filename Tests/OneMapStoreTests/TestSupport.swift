import Foundation
import GRDB
import OneMapTestSupport
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

/// Everything observable about a store's content, read through the roles so it means the same
/// on both backends: the catalog entries, every layer's rows (count and checksum), the change
/// feed's sequence, the audit log, users, roles and tokens.
struct StoreSnapshot: Equatable, CustomStringConvertible {
    var catalog: [String]
    var rows: [String: String]
    var changes: Int64
    var audit: Int
    var accounts: [String]

    init(_ store: Store) throws {
        let backend = store.backend
        let layers = try backend.allLayers()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        catalog = try layers.values.sorted { $0.id < $1.id }.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        var rows: [String: String] = [:]
        for layer in layers.values {
            let (count, digest) = try StoreCopy.checksum(layer, in: backend)
            rows[layer.id] = "\(count) \(digest)"
        }
        self.rows = rows
        changes = try backend.latestChangeSequence()
        audit = try backend.auditRecords(since: nil, layer: nil, limit: 1_000_000).count
        accounts = try backend.users().map { "\($0)" } + backend.roles().map { "\($0)" } + backend.tokens().map { "\($0)" }
    }

    var description: String { "\(catalog.count) layers, rows \(rows.sorted { $0.key < $1.key }), changes \(changes), audit \(audit)" }
}

/// A store in a temporary directory (a SpatiaLite file there, or a PostGIS database on that pass).
func makeStore(_ dir: TemporaryDirectory) throws -> Store { try Store(path: TestStores.location(dir.file("test.sqlite"))) }

/// For tests of SpatiaLite's own tables and files, which the PostGIS pass skips.
let spatiaLiteOnly = Testing.ConditionTrait.disabled(if: TestStores.onPostGIS, "reads SpatiaLite's own tables or files")
