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
}
