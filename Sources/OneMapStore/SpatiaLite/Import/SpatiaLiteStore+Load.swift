import Foundation
import GRDB
import OneMapGeometry

extension SpatiaLiteStore {
    // MARK: LayerLoader

    /// The same table, geometry registration and bulk-filled R*Tree as an import, from another
    /// store's rows instead of a GDAL source.
    public func loadVectorLayer(_ layer: Layer, rows: (_ add: (Int64, [UInt8]?, [FeatureValue]) throws -> Void) throws -> Void) throws -> Layer {
        guard let srid = layer.storageCRS.epsg else { throw StoreError.unknownCRS(layer.storageCRS.identifier) }
        guard let type = layer.geometryType else { throw StoreError.schemaMismatch("layer '\(layer.id)' has no geometry type") }
        return try write { db in
            try Self.requireAbsent(layer.id, in: db)
            let table = try freeTableName(for: layer.id, in: db)
            let definitions = ["fid INTEGER PRIMARY KEY"] + layer.attributes.map { "\(quoteIdentifier($0.name)) \($0.type.sqlType)" }
            try db.execute(sql: "CREATE TABLE \(quoteIdentifier(table)) (\(definitions.joined(separator: ", ")))")
            let added = try Int.fetchOne(db, sql: "SELECT AddGeometryColumn(?, 'geom', ?, ?, 'XY')", arguments: [table, srid, type.name.uppercased()])
            guard added == 1 else { throw StoreError.unknownCRS("\(layer.storageCRS.identifier) (not in spatial_ref_sys)") }
            _ = try Int.fetchOne(db, sql: "SELECT CreateSpatialIndex(?, 'geom')", arguments: [table])
            let bulk = try BulkLoad(db: db, table: table)
            let names = ["fid"] + layer.attributes.map { quoteIdentifier($0.name) } + ["geom"]
            let insert = try RawStatement(db, sql: "INSERT INTO \(quoteIdentifier(table)) (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))")
            let width = layer.attributes.count
            try rows { fid, wkb, values in
                guard values.count == width else { throw StoreError.schemaMismatch("a feature of '\(layer.id)' has \(values.count) values for \(width) attributes") }
                insert.bind(1, int64: fid)
                for (i, v) in values.enumerated() { insert.bind(Int32(i + 2), v) }
                if let wkb {
                    let g = try WKB.decode(wkb)
                    insert.bind(Int32(width + 2), blob: SpatiaLiteBlob.encode(g, srid: Int32(srid)))
                    try insert.step()
                    if let box = g.boundingBox { try bulk.index(rowID: fid, box: box) }
                } else {
                    insert.bindNull(Int32(width + 2))
                    try insert.step()
                }
            }
            try bulk.finish()
            var stored = layer
            stored.table = table
            try Self.finishImport(&stored, replacing: nil, in: db)
            return stored
        }
    }

    public func loadRasterLayer(_ layer: Layer, tiles: (_ add: (RasterTileRecord) throws -> Void) throws -> Void) throws -> Layer {
        try write { db in
            try Self.requireAbsent(layer.id, in: db)
            let table = try freeTableName(for: layer.id, in: db)
            try db.execute(sql: """
                CREATE TABLE \(quoteIdentifier(table)) (
                    level INTEGER NOT NULL, col INTEGER NOT NULL, row INTEGER NOT NULL, data BLOB NOT NULL,
                    PRIMARY KEY (level, col, row)) WITHOUT ROWID
                """)
            let writer = try PyramidWriter(db: db, table: table)
            try tiles { try writer.put(level: $0.level, col: $0.col, row: $0.row, data: $0.data) }
            var stored = layer
            stored.table = table
            try Self.finishImport(&stored, replacing: nil, in: db)
            return stored
        }
    }

    static func requireAbsent(_ id: String, in db: Database) throws {
        guard Layer.isValidID(id) else { throw StoreError.invalidLayerID(id) }
        if try fetchCatalog(db)[id] != nil { throw StoreError.layerExists(id) }
    }
}
