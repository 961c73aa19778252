import Foundation
import GRDB

extension SpatiaLiteStore {
    // MARK: RasterSource

    public func rasterTileData(_ layer: Layer, level: Int, col: Int, row: Int) throws -> [UInt8]? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT data FROM \(quoteIdentifier(layer.table)) WHERE level = ? AND col = ? AND row = ?",
                              arguments: [level, col, row]).map { [UInt8]($0) }
        }
    }

    public func rasterTiles(_ layer: Layer, _ body: (RasterTileRecord) throws -> Void) throws {
        try read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT level, col, row, data FROM \(quoteIdentifier(layer.table)) ORDER BY level, row, col")
            while let r = try cursor.next() {
                try body(RasterTileRecord(level: r[0], col: r[1], row: r[2], data: r.withUnsafeData(atIndex: 3) { $0.map { [UInt8]($0) } } ?? []))
            }
        }
    }
}
