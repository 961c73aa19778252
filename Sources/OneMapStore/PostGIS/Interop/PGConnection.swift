import CLibPQ
import Foundation

/// A value bound to a `$n` of a query. Text is sent untyped, so PostgreSQL gives it the type of
/// the column or function argument it stands for (one way to bind every attribute type).
enum PGParameter {
    case null
    case text(String)
    /// Binary (bytea, or geometry as WKB through `ST_GeomFromWKB`).
    case bytes([UInt8])

    static func value(_ v: FeatureValue) -> PGParameter {
        switch v {
        case .null: .null
        case .integer(let i): .text(String(i))
        case .real(let d): .text(text(d))
        case .text(let s): .text(s)
        }
    }

    /// A double as PostgreSQL's float8 input reads it back exactly (the shortest round-trip digits).
    static func text(_ d: Double) -> String {
        d.isFinite ? "\(d)" : (d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"))
    }
}

/// One libpq connection. Blocking, like the store roles it serves: one caller thread at a time,
/// which `PGPool` guarantees by handing a connection to one call at a time.
///
/// Why libpq and not postgres-nio: the store roles are synchronous and stream rows into
/// per-feature callbacks on render and request threads (see `StoreBackend`); libpq's blocking
/// API fits that without bridging every call onto an event loop, and it has COPY (the bulk path
/// of `onemap copy`) and LISTEN/NOTIFY on the same connection type.
final class PGConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Statements prepared on this connection, by SQL text.
    private var prepared: [String: String] = [:]
    /// Statement names are never reused: a dropped entry's statement may live on in the server
    /// until the cache is cleared.
    private var preparedCount = 0
    /// Past this many statements the cache starts again (DEALLOCATE ALL), so a connection's
    /// prepared statements stay bounded however many SQL texts pass through it.
    static let preparedLimit = 200

    /// - Throws: `StoreError.database` with the server's message (never the password).
    init(url: String) throws {
        guard let handle = PQconnectdb(url) else { throw StoreError.database("cannot allocate a PostgreSQL connection") }
        self.handle = handle
        guard PQstatus(handle) == CONNECTION_OK else {
            // Every stored property is set, so deinit runs (and finishes the handle) after this throw.
            let message = Self.message(PQerrorMessage(handle))
            throw StoreError.database("cannot connect to PostgreSQL at \(PGURL.redacted(url)): \(message)")
        }
        // OneMap's text is UTF-8 whatever the database's encoding.
        try execute("SET client_encoding = 'UTF8'; SET client_min_messages = warning")
    }

    deinit { PQfinish(handle) }

    /// Whether the connection is usable and outside a transaction (so a pool may keep it).
    var isReusable: Bool { PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE }

    /// Runs statements without parameters (several may be separated by semicolons).
    func execute(_ sql: String) throws {
        let result = PQexec(handle, sql)
        defer { PQclear(result) }
        try check(result, sql: sql)
    }

    /// Runs one statement with parameters; rows come back in binary form.
    @discardableResult
    func query(_ sql: String, _ parameters: [PGParameter] = []) throws -> PGResult {
        try withParameters(parameters) { count, values, lengths, formats in
            let result = PQexecParams(handle, sql, count, nil, values, lengths, formats, 1)
            return try PGResult(checking: result, connection: self, sql: sql)
        }
    }

    /// Like `query`, through a statement prepared once per connection (the hot reads of tiles
    /// and items pages, whose SQL text repeats with new parameters).
    ///
    /// A statement whose tables changed under it (a layer replaced by another process) fails
    /// with "cached plan must not change result type": it is dropped from the cache, and run
    /// again at once when no transaction is open (inside one, the transaction has failed and the
    /// caller's next try prepares it anew).
    @discardableResult
    func preparedQuery(_ sql: String, _ parameters: [PGParameter] = []) throws -> PGResult {
        do {
            return try runPrepared(sql, parameters)
        } catch PreparedFailure.stale {
            prepared[sql] = nil
            guard PQtransactionStatus(handle) == PQTRANS_IDLE else {
                throw StoreError.database("PostgreSQL: a table changed under a prepared statement; try again")
            }
            do { return try runPrepared(sql, parameters) } catch PreparedFailure.stale {
                throw StoreError.database("PostgreSQL: a table keeps changing under a prepared statement")
            }
        }
    }

    private enum PreparedFailure: Error { case stale }

    private func runPrepared(_ sql: String, _ parameters: [PGParameter]) throws -> PGResult {
        let name: String
        if let known = prepared[sql] {
            name = known
        } else {
            if prepared.count >= Self.preparedLimit, PQtransactionStatus(handle) == PQTRANS_IDLE {
                try execute("DEALLOCATE ALL")
                prepared.removeAll()
            }
            preparedCount += 1
            name = "s\(preparedCount)"
            let result = PQprepare(handle, name, sql, Int32(parameters.count), nil)
            defer { PQclear(result) }
            try check(result, sql: sql)
            prepared[sql] = name
        }
        return try withParameters(parameters) { count, values, lengths, formats in
            let result = PQexecPrepared(handle, name, count, values, lengths, formats, 1)
            // 0A000: the cached plan's result type no longer matches its tables.
            if PQresultStatus(result) == PGRES_FATAL_ERROR, let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))),
               String(cString: state) == "0A000" {
                PQclear(result)
                throw PreparedFailure.stale
            }
            return try PGResult(checking: result, connection: self, sql: sql)
        }
    }

    /// Streams a big result in batches through a cursor (inside the caller's transaction), so
    /// memory stays bounded whatever the row count.
    func stream(_ sql: String, _ parameters: [PGParameter] = [], batch: Int = 10_000, _ body: (PGResult) throws -> Void) throws {
        let cursor = "onemap_cursor"
        try query("DECLARE \(cursor) NO SCROLL CURSOR FOR \(sql)", parameters)
        while true {
            let rows = try query("FETCH FORWARD \(batch) FROM \(cursor)")
            if rows.count == 0 { break }
            try body(rows)
        }
        try execute("CLOSE \(cursor)")
    }

    /// `COPY … FROM STDIN`: `body` writes the rows in COPY text format.
    func copyIn(_ sql: String, _ body: (PGCopyWriter) throws -> Void) throws {
        let start = PQexec(handle, sql)
        let status = PQresultStatus(start)
        PQclear(start)
        guard status == PGRES_COPY_IN else { throw error(sql: sql) }
        let writer = PGCopyWriter(connection: self)
        do {
            try body(writer)
            try writer.flush()
        } catch {
            _ = PQputCopyEnd(handle, "aborted by OneMap")
            while let r = PQgetResult(handle) { PQclear(r) }
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw error(sql: sql) }
        var failure: StoreError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK { failure = failure ?? Self.storeError(result, fallback: PQerrorMessage(handle), sql: sql) }
            PQclear(result)
        }
        if let failure { throw failure }
    }

    fileprivate func putCopyData(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        let sent = bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        guard sent == 1 else { throw StoreError.database("COPY failed: \(Self.message(PQerrorMessage(handle)))") }
    }

    // MARK: LISTEN/NOTIFY

    /// The socket to wait on for notifications.
    var socket: Int32 { PQsocket(handle) }

    /// Waits until the server sends something (a notification) or `timeout` seconds pass.
    /// - Returns: whether input arrived.
    func waitForInput(timeout: Double) throws -> Bool {
        var fd = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        let n = poll(&fd, 1, Int32(timeout * 1000))
        if n < 0 && errno != EINTR { throw StoreError.database("waiting for PostgreSQL failed (errno \(errno))") }
        guard PQstatus(handle) == CONNECTION_OK else { throw StoreError.database("the PostgreSQL connection broke") }
        return n > 0
    }

    /// Reads what has arrived and returns the notifications received (channel, payload).
    func notifications() throws -> [(channel: String, payload: String)] {
        guard PQconsumeInput(handle) == 1 else { throw StoreError.database("the notification connection broke: \(Self.message(PQerrorMessage(handle)))") }
        var out: [(String, String)] = []
        while let n = PQnotifies(handle) {
            out.append((String(cString: n.pointee.relname), String(cString: n.pointee.extra)))
            PQfreemem(n)
        }
        return out
    }

    // MARK: helpers

    private func withParameters<T>(_ parameters: [PGParameter],
                                   _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) throws -> T) throws -> T {
        if parameters.isEmpty { return try body(0, nil, nil, nil) }
        // Every parameter's bytes in one buffer (text NUL-terminated), then pointers into it.
        var storage: [UInt8] = []
        var offsets: [Int?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        for p in parameters {
            switch p {
            case .null:
                offsets.append(nil); lengths.append(0); formats.append(0)
            case .text(let s):
                offsets.append(storage.count); storage.append(contentsOf: s.utf8); storage.append(0)
                lengths.append(0); formats.append(0)
            case .bytes(let b):
                offsets.append(storage.count); storage.append(contentsOf: b)
                lengths.append(Int32(b.count)); formats.append(1)
            }
        }
        if storage.isEmpty { storage.append(0) }
        return try storage.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            let pointers: [UnsafePointer<CChar>?] = offsets.map { $0.map { base + $0 } }
            return try pointers.withUnsafeBufferPointer { p in
                try body(Int32(parameters.count), p.baseAddress, lengths, formats)
            }
        }
    }

    private func check(_ result: OpaquePointer?, sql: String) throws {
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw Self.storeError(result, fallback: PQerrorMessage(handle), sql: sql)
        }
    }

    fileprivate func error(sql: String) -> StoreError {
        StoreError.database("PostgreSQL: \(Self.message(PQerrorMessage(handle)))")
    }

    /// Maps a failed result to the store's errors by SQLSTATE, not by message text.
    static func storeError(_ result: OpaquePointer?, fallback: UnsafePointer<CChar>?, sql: String) -> StoreError {
        let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) } ?? ""
        let text = result.flatMap { PQresultErrorMessage($0) }.map { message($0) }.flatMap { $0.isEmpty ? nil : $0 } ?? message(fallback)
        switch state {
        case "53100": return .storageFull
        case "25006": return .readOnly
        case "40001", "40P01", "55P03": return .busy
        case "57014": return .interrupted
        default: return .database("PostgreSQL: \(text)")
        }
    }

    static func message(_ text: UnsafePointer<CChar>?) -> String {
        text.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "unknown error"
    }
}

/// A result in binary form. Valid while it lives; values read from it are copied out, except
/// `bytes`, which are valid only while the result is.
final class PGResult {
    private let handle: OpaquePointer
    let count: Int
    let columns: Int

    fileprivate init(checking result: OpaquePointer?, connection: PGConnection, sql: String) throws {
        guard let result else { throw StoreError.database("PostgreSQL returned no result (connection lost?)") }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let error = PGConnection.storeError(result, fallback: nil, sql: sql)
            PQclear(result)
            throw error
        }
        handle = result
        count = Int(PQntuples(result))
        columns = Int(PQnfields(result))
    }

    deinit { PQclear(handle) }

    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(handle, Int32(row), Int32(column)) == 1 }

    /// The raw bytes of a value (binary form), valid while this result lives.
    func bytes(_ row: Int, _ column: Int) -> UnsafeRawBufferPointer {
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        guard length > 0, let p = PQgetvalue(handle, Int32(row), Int32(column)) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: p, count: length)
    }

    /// The index of the column with this name, if the result has one.
    func column(named name: String) -> Int? {
        let i = PQfnumber(handle, "\"\(name)\"")
        return i < 0 ? nil : Int(i)
    }

    /// The value's type OID (int8 20, int4 23, float8 701, text 25, bytea 17, bool 16, …).
    func type(_ column: Int) -> UInt32 { PQftype(handle, Int32(column)) }

    private func bigEndian(_ b: UnsafeRawBufferPointer) -> UInt64 {
        var v: UInt64 = 0
        for byte in b { v = v << 8 | UInt64(byte) }
        return v
    }

    /// An integer column (int2, int4 or int8), nil when null.
    func int64(_ row: Int, _ column: Int) -> Int64? {
        if isNull(row, column) { return nil }
        let b = bytes(row, column)
        let raw = bigEndian(b)
        switch b.count {
        case 2: return Int64(Int16(truncatingIfNeeded: raw))
        case 4: return Int64(Int32(truncatingIfNeeded: raw))
        default: return Int64(bitPattern: raw)
        }
    }

    /// A float8 (or float4) column, nil when null.
    func double(_ row: Int, _ column: Int) -> Double? {
        if isNull(row, column) { return nil }
        let b = bytes(row, column)
        if b.count == 4 { return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bigEndian(b)))) }
        return Double(bitPattern: bigEndian(b))
    }

    func text(_ row: Int, _ column: Int) -> String? {
        if isNull(row, column) { return nil }
        return String(decoding: bytes(row, column), as: UTF8.self)
    }

    func bool(_ row: Int, _ column: Int) -> Bool? {
        if isNull(row, column) { return nil }
        return bytes(row, column).first == 1
    }

    /// A column as a feature value, by its type.
    func value(_ row: Int, _ column: Int) -> FeatureValue {
        if isNull(row, column) { return .null }
        switch type(column) {
        case 20, 21, 23: return .integer(int64(row, column)!)
        case 700, 701: return .real(double(row, column)!)
        case 25, 1043, 1042: return .text(text(row, column)!)
        case 16: return .integer(bool(row, column)! ? 1 : 0)
        default: return .null
        }
    }
}

/// Buffers COPY text rows and sends them in large pieces.
final class PGCopyWriter {
    private let connection: PGConnection
    private var buffer: [UInt8] = []

    fileprivate init(connection: PGConnection) {
        self.connection = connection
        buffer.reserveCapacity(1 << 20)
    }

    /// Appends one field's text (escaped for COPY's text format) followed by `terminator`
    /// (a tab between fields, a newline after the last).
    func field(_ value: FeatureValue, _ terminator: UInt8) {
        switch value {
        case .null: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
        case .integer(let i): buffer.append(contentsOf: String(i).utf8)
        case .real(let d): buffer.append(contentsOf: PGParameter.text(d).utf8)
        case .text(let s):
            for byte in s.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.append(contentsOf: [0x5C, 0x5C])
                case 0x09: buffer.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0x0A: buffer.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: buffer.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(terminator)
    }

    /// Appends bytes as hex (a geometry as hex EWKB, which PostGIS reads as geometry input).
    func hexField(_ bytes: [UInt8]?, _ terminator: UInt8) {
        guard let bytes else {
            buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N"), terminator])
            return
        }
        let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
        for b in bytes {
            buffer.append(digits[Int(b >> 4)])
            buffer.append(digits[Int(b & 15)])
        }
        buffer.append(terminator)
    }

    /// Appends a bytea value in COPY text form (`\\x` then hex).
    func byteaField(_ bytes: [UInt8], _ terminator: UInt8) {
        buffer.append(contentsOf: [0x5C, 0x5C, UInt8(ascii: "x")])
        hexField(bytes, terminator)
    }

    func endRow() throws {
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { try connection.putCopyData($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// PostgreSQL connection URLs.
public enum PGURL {
    /// Whether `location` names a PostgreSQL database rather than a file.
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
    }

    /// The URL without its password (in the user part or as a `password=` parameter), for
    /// messages and logs.
    public static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "postgresql://…" }
        if parts.password != nil { parts.password = "***" }
        if let items = parts.queryItems {
            parts.queryItems = items.map { $0.name.lowercased() == "password" ? URLQueryItem(name: $0.name, value: "***") : $0 }
        }
        return parts.string ?? "postgresql://…"
    }
}
