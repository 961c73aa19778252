import GRDB

extension Store {
    /// The SpatiaLite backend's connection pool, when that is the backend (tests and the
    /// embedded store's maintenance read SQL through it).
    var pool: DatabasePool { (backend as! SpatiaLiteStore).pool }

    /// Runs `body` in one write transaction of the SpatiaLite backend, then refreshes the snapshot.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        defer { try? refresh() }
        return try (backend as! SpatiaLiteStore).write(body)
    }
}
