import GRDB

/// Loads many rows into a freshly created SpatiaLite layer table without SpatiaLite's per-row
/// triggers: it sets aside the insert triggers (geometry constraint check, last-insert time,
/// R*Tree update), lets the caller fill the R*Tree directly, and restores the triggers.
///
/// Safe only inside the import transaction that created the table and after the caller has
/// checked each geometry's type and SRID itself; the restored triggers guard every later edit.
final class BulkLoad {
    private let db: Database
    private let table: String
    private var saved: [String] = []
    private let rtree: RawStatement

    init(db: Database, table: String) throws {
        self.db = db
        self.table = table
        for name in ["ggi_\(table)_geom", "tmi_\(table)_geom", "gii_\(table)_geom"] {
            if let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", arguments: [name]) {
                saved.append(sql)
                try db.execute(sql: "DROP TRIGGER \(quoteIdentifier(name))")
            }
        }
        rtree = try RawStatement(db, sql: "INSERT INTO \(quoteIdentifier("idx_\(table)_geom")) (pkid, xmin, xmax, ymin, ymax) VALUES (?, ?, ?, ?, ?)")
    }

    /// Adds one row's bounding box to the R*Tree (which rounds it outwards to float32 itself).
    func index(rowID: Int64, box: BoundingBox) throws {
        rtree.bind(1, int64: rowID)
        rtree.bind(2, double: box.minX)
        rtree.bind(3, double: box.maxX)
        rtree.bind(4, double: box.minY)
        rtree.bind(5, double: box.maxY)
        try rtree.step()
    }

    /// Restores the triggers and records the load time SpatiaLite's trigger would have written.
    func finish() throws {
        for sql in saved { try db.execute(sql: sql) }
        saved.removeAll()
        try db.execute(sql: "UPDATE geometry_columns_time SET last_insert = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE lower(f_table_name) = lower(?)",
                       arguments: [table])
    }
}

import OneMapGeometry
