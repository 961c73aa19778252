import Foundation
import OneMapGeometry

extension PostGISStore {
    // MARK: LayerLoader

    /// COPY into a new table, then the primary key, the id sequence and the GiST index, all in
    /// one transaction: building indexes after the load is several times faster than keeping
    /// them up row by row, and a failed copy leaves nothing behind.
    public func loadVectorLayer(_ layer: Layer, rows: (_ add: (Int64, [UInt8]?, [FeatureValue]) throws -> Void) throws -> Void) throws -> Layer {
        let srid = try srid(layer)
        return try pool.transaction { c in
            try Self.requireAbsent(layer.id, in: c)
            let table = quoteIdentifier(Self.tableName(for: layer.id))
            let definitions = ["fid bigint NOT NULL"] + layer.attributes.map { "\(quoteIdentifier($0.name)) \($0.type.postgresType)" }
                + ["geom geometry(Geometry, \(srid))"]
            try c.execute("CREATE TABLE \(table) (\(definitions.joined(separator: ", ")))")
            let names = ["fid"] + layer.attributes.map { quoteIdentifier($0.name) } + ["geom"]
            let width = layer.attributes.count
            try c.copyIn("COPY \(table) (\(names.joined(separator: ", "))) FROM STDIN") { writer in
                try rows { fid, wkb, values in
                    guard values.count == width else { throw StoreError.schemaMismatch("a feature of '\(layer.id)' has \(values.count) values for \(width) attributes") }
                    writer.field(.integer(fid), 0x09)
                    for v in values { writer.field(v, 0x09) }
                    writer.hexField(wkb.map { Self.extendedWKB($0, srid: UInt32(srid)) }, 0x0A)
                    try writer.endRow()
                }
            }
            let sequence = quoteIdentifier(Self.tableName(for: layer.id) + "_fid_seq")
            try c.execute("""
                ALTER TABLE \(table) ADD PRIMARY KEY (fid);
                CREATE SEQUENCE \(sequence) OWNED BY \(table).fid;
                SELECT setval('\(sequence)', greatest(1, (SELECT max(fid) FROM \(table))));
                ALTER TABLE \(table) ALTER COLUMN fid SET DEFAULT nextval('\(sequence)');
                CREATE INDEX \(quoteIdentifier(Self.tableName(for: layer.id) + "_geom")) ON \(table) USING GIST (geom);
                ANALYZE \(table);
                """)
            return try Self.catalogue(layer, table: Self.tableName(for: layer.id), in: c)
        }
    }

    public func loadRasterLayer(_ layer: Layer, tiles: (_ add: (RasterTileRecord) throws -> Void) throws -> Void) throws -> Layer {
        try pool.transaction { c in
            try Self.requireAbsent(layer.id, in: c)
            let table = quoteIdentifier(Self.tableName(for: layer.id))
            try c.execute("CREATE TABLE \(table) (level integer NOT NULL, col integer NOT NULL, row integer NOT NULL, data bytea NOT NULL)")
            try c.copyIn("COPY \(table) (level, col, row, data) FROM STDIN") { writer in
                try tiles { tile in
                    writer.field(.integer(Int64(tile.level)), 0x09)
                    writer.field(.integer(Int64(tile.col)), 0x09)
                    writer.field(.integer(Int64(tile.row)), 0x09)
                    writer.byteaField(tile.data, 0x0A)
                    try writer.endRow()
                }
            }
            try c.execute("ALTER TABLE \(table) ADD PRIMARY KEY (level, col, row)")
            return try Self.catalogue(layer, table: Self.tableName(for: layer.id), in: c)
        }
    }

    static func requireAbsent(_ id: String, in c: PGConnection) throws {
        guard Layer.isValidID(id) else { throw StoreError.invalidLayerID(id) }
        if try c.query("SELECT 1 FROM onemap_layers WHERE id = $1", [.text(id)]).count > 0 { throw StoreError.layerExists(id) }
    }

    /// Enters a loaded layer in the catalog with this store's table, and announces it whole.
    static func catalogue(_ layer: Layer, table: String, in c: PGConnection) throws -> Layer {
        var stored = layer
        stored.table = table
        try saveLayer(stored, in: c)
        try recordChange(layerID: stored.id, version: stored.version, area: nil, in: c)
        return stored
    }

    /// ISO WKB with the SRID put in (PostGIS's extended WKB), as its geometry input takes it.
    static func extendedWKB(_ wkb: [UInt8], srid: UInt32) -> [UInt8] {
        guard wkb.count >= 5 else { return wkb }
        let littleEndian = wkb[0] == 1
        func u32(_ i: Int) -> UInt32 {
            let b = (0..<4).map { UInt32(wkb[i + $0]) }
            return littleEndian ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        func bytes(_ v: UInt32) -> [UInt8] {
            let le = [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
            return littleEndian ? le : le.reversed()
        }
        var out: [UInt8] = [wkb[0]]
        out.reserveCapacity(wkb.count + 4)
        out += bytes(u32(1) | 0x2000_0000)
        out += bytes(srid)
        out += wkb[5...]
        return out
    }
}
