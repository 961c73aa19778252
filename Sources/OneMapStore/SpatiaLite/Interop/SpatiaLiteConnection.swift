import CSpatiaLite
import GRDB
import GRDBSQLite

/// Loads SpatiaLite into a SQLite connection, for `Configuration.prepareDatabase`.
///
/// SpatiaLite keeps per-connection state (its GEOS and PROJ handles) in a cache from
/// `spatialite_alloc_connection`. The cache must outlive the connection's last SQL call and be
/// freed after it; SQLite calls a function's destroy callback when the connection closes, so a
/// marker function carries the cache and frees it then (Ownership: the connection owns it).
enum SpatiaLiteConnection {
    static func load(into db: Database) throws {
        guard let connection = db.sqliteConnection else { throw StoreError.database("no connection") }
        guard let cache = spatialite_alloc_connection() else { throw StoreError.database("cannot allocate the SpatiaLite cache") }
        spatialite_init_ex(connection, cache, 0)
        let rc = sqlite3_create_function_v2(
            connection, "onemap_spatialite_cache", 0, SQLITE_UTF8, cache,
            { context, _, _ in sqlite3_result_int(context, 1) }, nil, nil,
            { cache in if let cache { spatialite_cleanup_ex(cache) } })
        guard rc == SQLITE_OK else {
            spatialite_cleanup_ex(cache)
            throw StoreError.database("cannot register the SpatiaLite cache")
        }
        try SpatialSQLFunction.register(on: connection)
    }
}
