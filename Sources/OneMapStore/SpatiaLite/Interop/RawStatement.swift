import GRDB
import GRDBSQLite

/// A prepared SQLite statement driven through the C API, for bulk paths (import, tile writes)
/// where GRDB's per-row argument arrays cost more than the insert itself.
///
/// Ownership: owns the `sqlite3_stmt`, finalized in `deinit` — or, made with `cached:`, borrows
/// the statement GRDB caches for the connection (compiled once per connection and SQL text; the
/// read paths run the same few statements again and again) and resets it when done. Thread
/// rule: used only inside the GRDB database access that created it, and never after it returns.
final class RawStatement {
    private let statement: OpaquePointer
    private let connection: OpaquePointer
    private let owned: Bool
    /// SQLite's SQLITE_TRANSIENT: not imported into Swift, it is the destructor value -1.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, sql: String) throws {
        guard let connection = db.sqliteConnection else { throw StoreError.database("no connection") }
        self.connection = connection
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(connection, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw StoreError.database(String(cString: sqlite3_errmsg(connection)))
        }
        statement = stmt
        owned = true
    }

    /// The connection's cached statement for `sql`, reset and with no bindings.
    init(cached db: Database, sql: String) throws {
        guard let connection = db.sqliteConnection else { throw StoreError.database("no connection") }
        self.connection = connection
        statement = try db.cachedStatement(sql: sql).sqliteStatement
        owned = false
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    deinit {
        if owned {
            sqlite3_finalize(statement)
        } else {
            // Back to the cache ready for its next use (and releasing its read lock now).
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
    }

    func bind(_ index: Int32, _ value: FeatureValue) {
        switch value {
        case .null: sqlite3_bind_null(statement, index)
        case .integer(let i): sqlite3_bind_int64(statement, index, i)
        case .real(let d): sqlite3_bind_double(statement, index, d)
        case .text(let s): sqlite3_bind_text(statement, index, s, -1, Self.transient)
        }
    }

    func bind(_ index: Int32, int64 value: Int64) { sqlite3_bind_int64(statement, index, value) }

    func bindNull(_ index: Int32) { sqlite3_bind_null(statement, index) }

    func bind(_ index: Int32, blob: [UInt8]) {
        _ = blob.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), Self.transient) }
    }

    /// The rowid of the last row this connection inserted.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(connection) }

    func bind(_ index: Int32, double value: Double) { sqlite3_bind_double(statement, index, value) }

    func bind(_ index: Int32, text value: String) { sqlite3_bind_text(statement, index, value, -1, Self.transient) }

    /// Steps to the next result row; false when there are no more.
    func next() throws -> Bool {
        let rc = sqlite3_step(statement)
        if rc == SQLITE_ROW { return true }
        guard rc == SQLITE_DONE else { throw StoreError.database(String(cString: sqlite3_errmsg(connection))) }
        return false
    }

    func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    /// The column's bytes, valid until the next step.
    func blob(_ column: Int32) -> UnsafeRawBufferPointer? {
        guard let p = sqlite3_column_blob(statement, column) else { return nil }
        return UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(statement, column)))
    }

    func value(_ column: Int32) -> FeatureValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            guard let p = sqlite3_column_text(statement, column) else { return .null }
            return .text(String(cString: p))
        default: return .null
        }
    }

    /// Runs the statement once and resets it for the next row.
    /// - Throws: `StoreError.database` with SQLite's message (e.g. a duplicate feature id).
    func step() throws {
        let rc = sqlite3_step(statement)
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else {
            throw StoreError.database(String(cString: sqlite3_errmsg(connection)))
        }
    }
}
