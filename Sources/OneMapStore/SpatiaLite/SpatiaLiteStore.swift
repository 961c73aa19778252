import Foundation
import GRDB
import Logging
import OneMapGeometry

/// The embedded backend: one SpatiaLite file with the layer catalog, vector layer tables (each
/// with a registered geometry column and an R*Tree), raster tile pyramids, accounts and the
/// audit log. GRDB, the SQL text and SpatiaLite's blob format stay inside this folder.
///
/// Ownership: owns a GRDB `DatabasePool` (one writer, pooled readers, WAL). Thread rule: the
/// backend is `Sendable`; GRDB serializes writes and hands each read its own connection.
public final class SpatiaLiteStore: StoreBackend {
    public let path: String
    public var location: String { path }
    let pool: DatabasePool

    /// Opens (and creates, when missing) the store at `path`, bringing its schema up to date.
    /// - Parameter busyTimeout: how long a write waits for another process's write lock before
    ///   it fails with `StoreError.busy`.
    /// - Throws: `StoreError.database` when the file is not a usable SQLite database.
    public init(path: String, readOnly: Bool = false, busyTimeout: TimeInterval = 30, logger: Logger = Logger(label: "onemap.store")) throws {
        self.path = path
        var config = Configuration()
        config.readonly = readOnly
        config.journalMode = .wal
        config.busyMode = .timeout(busyTimeout)
        config.maximumReaderCount = max(4, ProcessInfo.processInfo.activeProcessorCount * 2)
        config.prepareDatabase { db in
            try SpatiaLiteConnection.load(into: db)
            // The writer (imports, index builds) gets a large page cache and mmap; readers, of which a
            // pool holds several, a moderate page cache and no mmap, so a server's resident size
            // stays bounded however large the store (the OS page cache keeps the file warm anyway).
            if db.configuration.readonly {
                try db.execute(sql: "PRAGMA cache_size = -8192; PRAGMA mmap_size = 0; PRAGMA temp_store = MEMORY")
            } else {
                try db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456; PRAGMA temp_store = MEMORY")
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            if !readOnly { try Self.prepareSchema(pool, logger: logger) }
        } catch let error as StoreError {
            throw error
        } catch {
            switch Self.storeError(error) {
            case .storageFull: throw StoreError.storageFull
            case .readOnly: throw StoreError.readOnly
            case .busy: throw StoreError.busy
            default: break
            }
            throw StoreError.database("cannot open store \(URL(fileURLWithPath: path).lastPathComponent): \(StoreError.safeDescription(error))")
        }
    }

    static func prepareSchema(_ pool: DatabasePool, logger: Logger) throws {
        // SpatiaLite's metadata must be created outside a transaction (InitSpatialMetadata(1) runs its own).
        try pool.writeWithoutTransaction { db in
            if try !db.tableExists("spatial_ref_sys") {
                logger.info("initializing SpatiaLite metadata")
                _ = try Int.fetchOne(db, sql: "SELECT InitSpatialMetadata(1)")
            }
        }
        try Migrations.migrator.migrate(pool)
        try pool.write { db in try db.execute(sql: "PRAGMA user_version = \(Migrations.latestVersion)") }
    }

    public var schemaVersion: Int {
        get throws { try read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 } }
    }

    /// Checkpoints the WAL into the main file (after big imports, so GDAL/QGIS see one file).
    public func checkpoint() throws {
        do { try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) } } catch { throw Self.storeError(error) }
    }

    /// Runs `body` with a read connection, mapping errors to `StoreError`.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw Self.storeError(error) }
    }

    /// Runs one SELECT with a read connection outside a transaction: a single statement sees one
    /// snapshot by itself, and GRDB's read transaction (a savepoint begun and committed around
    /// it) was as long as the statement for the small reads of every edit and case transition.
    func readOneStatement<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.unsafeRead(body) } catch { throw Self.storeError(error) }
    }

    /// Runs `body` in one write transaction, mapping errors to `StoreError`.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch { throw Self.storeError(error) }
    }
}

/// Quotes an SQL identifier ("name", with embedded quotes doubled).
func quoteIdentifier(_ name: String) -> String {
    name.utf8.contains(UInt8(ascii: "\"")) ? "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : "\"" + name + "\""
}

extension AttributeType {
    /// The SQLite column type.
    var sqlType: String {
        switch self {
        case .integer: "INTEGER"
        case .real: "REAL"
        case .text, .date: "TEXT"
        }
    }
}
