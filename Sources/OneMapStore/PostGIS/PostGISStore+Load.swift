import Foundation
import OneMapGeometry

extension PostGISStore {
    // MARK: LayerLoader

    /// COPY into a new table, then the primary key, the id sequence and the GiST index, all in
    /// one transaction: building indexes after the load is several times faster than keeping
    /// them up row by row, and a failed copy leaves nothing behind.
    public func loadVectorLayer(_ layer: Layer, rows: (_ add: (Int64, [UInt8]?, [FeatureValue]) throws -> Void) throws -> Void) throws -> Layer {
        try pool.transaction { c in
            try Self.requireAbsent(layer.id, in: c)
            return try loadVector(layer, rows: rows, in: c)
        }
    }

    /// Loads a vector layer whose id is free, inside the caller's transaction.
    func loadVector(_ layer: Layer, replacing old: Layer? = nil, rows: (_ add: (Int64, [UInt8]?, [FeatureValue]) throws -> Void) throws -> Void, in c: PGConnection) throws -> Layer {
        let srid = try srid(layer)
        let table = quoteIdentifier(Self.tableName(for: layer.id, version: layer.version))
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
        let sequence = quoteIdentifier(Self.tableName(for: layer.id, version: layer.version) + "_fid_seq")
        try c.execute("""
            ALTER TABLE \(table) ADD PRIMARY KEY (fid);
            CREATE SEQUENCE \(sequence) OWNED BY \(table).fid;
            SELECT setval('\(sequence)', greatest(1, (SELECT max(fid) FROM \(table))));
            ALTER TABLE \(table) ALTER COLUMN fid SET DEFAULT nextval('\(sequence)');
            CREATE INDEX \(quoteIdentifier(Self.tableName(for: layer.id, version: layer.version) + "_geom")) ON \(table) USING GIST (geom);
            ANALYZE \(table);
            """)
        return try Self.catalogue(layer, table: Self.tableName(for: layer.id, version: layer.version), replacing: old, in: c)
    }

    public func loadRasterLayer(_ layer: Layer, tiles: (_ add: (RasterTileRecord) throws -> Void) throws -> Void) throws -> Layer {
        try pool.transaction { c in
            try Self.requireAbsent(layer.id, in: c)
            return try loadRaster(layer, tiles: tiles, in: c)
        }
    }

    /// Loads a raster layer whose id is free, inside the caller's transaction.
    func loadRaster(_ layer: Layer, replacing old: Layer? = nil, tiles: (_ add: (RasterTileRecord) throws -> Void) throws -> Void, in c: PGConnection) throws -> Layer {
        let table = quoteIdentifier(Self.tableName(for: layer.id, version: layer.version))
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
        return try Self.catalogue(layer, table: Self.tableName(for: layer.id, version: layer.version), replacing: old, in: c)
    }

    // MARK: LayerImporter

    /// Imports through a staging SpatiaLite file: the one import path (GDAL reading, CRS checks,
    /// geometry repair, pyramids) runs there, then the layer is loaded here in one transaction
    /// that also drops the layer it replaces, so readers see the old layer or the new one.
    public func importLayer(_ request: ImportRequest, file: LayerFile?, progress: ImportProgress?) throws -> ImportSummary {
        let started = Date()
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("onemap-staging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let staging = try SpatiaLiteStore(path: (folder as NSString).appendingPathComponent("staging.sqlite"))
        var fresh = request
        fresh.replace = false
        var summary = try staging.importLayer(fresh, file: file, progress: progress)
        let staged = summary.layer
        summary.layer = try pool.transaction { c in
            let old = try Self.decodeLayers(c.query("SELECT entry::text FROM onemap_layers WHERE id = $1 FOR UPDATE", [.text(staged.id)]))[staged.id]
            if old != nil && !request.replace { throw StoreError.layerExists(staged.id) }
            var layer = staged
            layer.version = (old?.version ?? 0) + 1
            // The new table is loaded beside the old one, which goes only at the end: readers of
            // the layer wait for no more than the drop.
            let loaded: Layer
            switch layer.kind {
            case .vector:
                let all = try staging.prepare(FeatureQuery(limit: Int.max), on: staged)
                loaded = try loadVector(layer, replacing: old, rows: { add in
                    _ = try staging.run(all) { f in try add(f.id, f.geometry.isEmpty ? nil : try f.geometry.wellKnownBinary(), f.values) }
                }, in: c)
            case .dem, .dom:
                loaded = try loadRaster(layer, replacing: old, tiles: { add in try staging.rasterTiles(staged) { try add($0) } }, in: c)
            }
            if let old, old.table != loaded.table { try c.execute("DROP TABLE IF EXISTS \(quoteIdentifier(old.table)) CASCADE") }
            return loaded
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    static func requireAbsent(_ id: String, in c: PGConnection) throws {
        guard Layer.isValidID(id) else { throw StoreError.invalidLayerID(id) }
        if try c.query("SELECT 1 FROM onemap_layers WHERE id = $1", [.text(id)]).count > 0 { throw StoreError.layerExists(id) }
    }

    /// Enters a loaded layer in the catalog with this store's table, and records the area it
    /// changed (with the layer it replaced, if any).
    static func catalogue(_ layer: Layer, table: String, replacing old: Layer?, in c: PGConnection) throws -> Layer {
        var stored = layer
        stored.table = table
        try saveLayer(stored, in: c)
        try recordChange(layerID: stored.id, version: stored.version, area: stored.areaChanged(replacing: old), in: c)
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
