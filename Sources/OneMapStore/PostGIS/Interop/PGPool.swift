import Foundation
import Synchronization

/// A pool of libpq connections: each store call takes one for its duration, so calls from
/// several threads run side by side, and connections are opened only as concurrency needs.
final class PGPool: Sendable {
    let url: String
    private let idle = Mutex<[PGConnection]>([])
    private let keep: Int
    /// Connections open at once, at most: callers beyond wait (a long import that blocks
    /// readers must not open connections until the server refuses them all).
    private let permits: DispatchSemaphore
    static let openLimit = 64

    /// Opens the first connection at once, so a wrong URL fails here with the server's message.
    init(url: String, keep: Int = max(4, ProcessInfo.processInfo.activeProcessorCount * 2)) throws {
        self.url = url
        self.keep = keep
        permits = DispatchSemaphore(value: Self.openLimit)
        let first = try PGConnection(url: url)
        idle.withLock { $0.append(first) }
    }

    /// Runs `body` with a connection, outside any transaction.
    func with<T>(_ body: (PGConnection) throws -> T) throws -> T {
        permits.wait()
        defer { permits.signal() }
        let connection = try idle.withLock { $0.popLast() } ?? PGConnection(url: url)
        defer {
            if connection.isReusable { idle.withLock { if $0.count < keep { $0.append(connection) } } }
        }
        return try body(connection)
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(readOnly: Bool = false, _ body: (PGConnection) throws -> T) throws -> T {
        try with { connection in
            try connection.execute(readOnly ? "BEGIN READ ONLY" : "BEGIN")
            do {
                let value = try body(connection)
                try connection.execute("COMMIT")
                return value
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }
}
