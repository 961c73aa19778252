import Foundation
import GRDB
import OneMapGeometry

/// An MBTiles 1.3 file being written (an SQLite file of its own, not the store). In the store
/// module because SQLite and GRDB stay here; the tile pipeline's seeder writes through it.
///
/// Ownership: owns the file's database queue; `close()` must be called. Thread rule: one
/// writer at a time (the queue serializes).
public final class MBTilesWriter {
    private let db: DatabaseQueue

    public init(path: String) throws {
        db = try DatabaseQueue(path: path)
        try db.write { db in
            try db.execute(sql: """
                CREATE TABLE metadata (name TEXT, value TEXT);
                CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
                CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
                """)
        }
    }

    public func writeMetadata(_ pairs: [(String, String)]) throws {
        try db.write { db in
            for (k, v) in pairs { try db.execute(sql: "INSERT INTO metadata (name, value) VALUES (?, ?)", arguments: [k, v]) }
        }
    }

    /// Writes tiles in one transaction.
    public func write(_ tiles: [(TileID, [UInt8])]) throws {
        guard !tiles.isEmpty else { return }
        try db.write { db in
            for (tile, data) in tiles {
                // MBTiles rows count from the bottom (TMS), OneMap's from the top.
                try db.execute(sql: "INSERT INTO tiles VALUES (?, ?, ?, ?)", arguments: [tile.z, tile.x, (1 << tile.z) - 1 - tile.y, Data(data)])
            }
        }
    }

    public func close() throws { try db.close() }
}
