import Foundation
import GRDB
import Synchronization
import OneMapGeometry

extension SpatiaLiteStore {
    // MARK: LayerCatalog

    public func allLayers() throws -> [String: Layer] {
        try read { db in try Self.fetchCatalog(db) }
    }

    public func layers(ids: Set<String>) throws -> [String: Layer] {
        guard !ids.isEmpty else { return [:] }
        return try readOneStatement { db in
            var out: [String: Layer] = [:]
            let sql = "SELECT * FROM layers WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))"
            for row in try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(Array(ids))) {
                let layer = try Self.decodeLayer(row)
                out[layer.id] = layer
            }
            return out
        }
    }

    static func fetchCatalog(_ db: Database) throws -> [String: Layer] {
        var out: [String: Layer] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM layers") {
            let layer = try decodeLayer(row)
            out[layer.id] = layer
        }
        return out
    }

    /// Decoded attribute lists by their JSON text: the catalog refresh after every edit re-reads
    /// the edited layer's row, and decoding the same JSON again was a tenth of a case transition.
    private static let decodedAttributes = Mutex<[String: [AttributeField]]>([:])

    static func attributes(_ text: String?, _ decoder: JSONDecoder) throws -> [AttributeField] {
        guard let text else { return [] }
        if let known = decodedAttributes.withLock({ $0[text] }) { return known }
        let decoded = try decoder.decode([AttributeField].self, from: Data(text.utf8))
        decodedAttributes.withLock { cache in
            if cache.count >= 1024 { cache.removeAll() }
            cache[text] = decoded
        }
        return decoded
    }

    static func decodeLayer(_ row: Row) throws -> Layer {
        let row = ColumnsByName(row)
        let decoder = JSONDecoder()
        let id: String = row["id"]
        func json<T: Decodable>(_ column: String, _ type: T.Type) throws -> T? {
            guard let text: String = row[column] else { return nil }
            return try decoder.decode(T.self, from: Data(text.utf8))
        }
        var extent: BoundingBox?
        if let minX: Double = row["min_x"], let minY: Double = row["min_y"], let maxX: Double = row["max_x"],
            let maxY: Double = row["max_y"]
        {
            extent = BoundingBox(minX: minX, minY: minY, maxX: maxX, maxY: maxY)
        }
        let geometryName: String? = row["geometry_type"]
        return Layer(
            id: id, title: row["title"], group: row["group_name"],
            kind: LayerKind(rawValue: row["kind"]) ?? .vector,
            geometryType: geometryName.flatMap { GeometryType(name: $0) },
            storageCRS: try CRS(parsing: row["storage_crs"]),
            attributes: try attributes(row["attributes"], decoder),
            access: AccessLevel(rawValue: row["access"]) ?? .confidential,
            featureCount: row["feature_count"], extent: extent, version: row["version"], source: row["source"],
            synthetic: row["synthetic"], importedAt: row["imported_at"], table: row["table_name"],
            raster: try json("raster", RasterInfo.self), description: row["description"], managedBy: row["managed_by"],
            transformation: try json("transformation", TransformationReport.self))
    }

    /// Inserts or replaces a catalog row (inside the caller's transaction).
    static func saveLayer(_ layer: Layer, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO layers (id, title, group_name, kind, geometry_type, storage_crs, attributes,
                    access, feature_count, min_x, min_y, max_x, max_y, version, source, synthetic, imported_at,
                    table_name, raster, description, managed_by, transformation)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                layer.id, layer.title, layer.group, layer.kind.rawValue, layer.geometryType?.name,
                layer.storageCRS.identifier, try StoreJSON.encode(layer.attributes), layer.access.rawValue,
                layer.featureCount, layer.extent?.minX, layer.extent?.minY, layer.extent?.maxX, layer.extent?.maxY,
                layer.version, layer.source, layer.synthetic, layer.importedAt, layer.table,
                try layer.raster.map(StoreJSON.encode), layer.description, layer.managedBy,
                try layer.transformation.map(StoreJSON.encode),
            ])
    }

    /// Records that `area` of a layer changed at `version` (nil area = the whole layer), inside
    /// the caller's transaction.
    /// Moves a service-kept layer's catalog entry forward (version, feature count, extent) and
    /// records the changed area on the change feed, in the caller's transaction: one statement on
    /// the columns that move (a case transition happens many times a minute; the layer row's
    /// schema JSON is left alone).
    static func touchManagedLayer(_ id: String, area: BoundingBox, countDelta: Int, in db: Database) throws {
        let a: BoundingBox? = area.isEmpty ? nil : area
        guard let version = try Int.fetchOne(db.cachedStatement(sql: """
            UPDATE layers SET version = version + 1, feature_count = feature_count + :delta,
                min_x = coalesce(min(min_x, :minX), min_x, :minX), min_y = coalesce(min(min_y, :minY), min_y, :minY),
                max_x = coalesce(max(max_x, :maxX), max_x, :maxX), max_y = coalesce(max(max_y, :maxY), max_y, :maxY)
            WHERE id = :id RETURNING version
            """), arguments: ["id": id, "delta": countDelta, "minX": a?.minX, "minY": a?.minY, "maxX": a?.maxX, "maxY": a?.maxY]) else { return }
        try recordChange(layerID: id, version: version, area: a, in: db)
    }

    /// The extent of a table's geometries (nil when it has none).
    static func tableExtent(_ table: String, in db: Database) throws -> BoundingBox? {
        guard let row = try Row.fetchOne(db, sql: "SELECT min(MbrMinX(geom)) AS a, min(MbrMinY(geom)) AS b, max(MbrMaxX(geom)) AS c, max(MbrMaxY(geom)) AS d FROM \(table)"),
              let a: Double = row["a"], let b: Double = row["b"], let c: Double = row["c"], let d: Double = row["d"] else { return nil }
        return BoundingBox(minX: a, minY: b, maxX: c, maxY: d)
    }

    static func recordChange(layerID: String, version: Int, area: BoundingBox?, in db: Database) throws {
        // Cached statements on the paths every edit and case transition takes.
        try db.cachedStatement(sql: "INSERT INTO layer_changes (layer_id, version, min_x, min_y, max_x, max_y, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [layerID, version, area?.minX, area?.minY, area?.maxX, area?.maxY, isoNow()])
        if db.lastInsertedRowID % Int64(changeRowsPerLayer / 2) == 0 { try compactChanges(rowsPerLayer: changeRowsPerLayer, in: db) }
    }

    /// Past this many rows a layer's oldest changes are merged (every half as many changes, the
    /// table is looked over), so a process that starts reads a short feed however long the history.
    static let changeRowsPerLayer = 512

    /// Keeps the change feed short without ever losing a change for a reader that starts later:
    /// a whole-layer change (no area) outdates every earlier change of its layer, which goes; a
    /// layer with more than `rowsPerLayer` rows has its oldest ones merged into one row with their
    /// union at the newest of their sequences, so a tile is at most thought stale once more than
    /// needed. Readers already past those sequences never read the feed there again. The newest row
    /// of each layer stays as it was, so the feed's latest sequence does not move.
    static func compactChanges(rowsPerLayer: Int, in db: Database) throws {
        for row in try Row.fetchAll(db, sql: "SELECT layer_id, max(seq) AS seq FROM layer_changes WHERE min_x IS NULL GROUP BY layer_id") {
            try db.execute(sql: "DELETE FROM layer_changes WHERE layer_id = ? AND seq < ?", arguments: [row["layer_id"] as String, row["seq"] as Int64])
        }
        let long = try Row.fetchAll(db, sql: "SELECT layer_id, count(*) AS n FROM layer_changes GROUP BY layer_id HAVING n > ?", arguments: [rowsPerLayer])
        for row in long {
            let layer: String = row["layer_id"], count: Int = row["n"]
            let merged = try Row.fetchAll(db, sql: "SELECT * FROM layer_changes WHERE layer_id = ? ORDER BY seq LIMIT ?",
                                          arguments: [layer, count - rowsPerLayer / 2])
            guard let newest = merged.last else { continue }
            // The oldest may be the layer's last whole-layer change: then the merged row is one too.
            var union: BoundingBox? = BoundingBox.empty
            for m in merged {
                if let a: Double = m["min_x"], let b: Double = m["min_y"], let c: Double = m["max_x"], let d: Double = m["max_y"] {
                    union?.extend(BoundingBox(minX: a, minY: b, maxX: c, maxY: d))
                } else {
                    union = nil
                }
            }
            let newestSeq: Int64 = newest["seq"]
            try db.execute(sql: "DELETE FROM layer_changes WHERE layer_id = ? AND seq <= ?", arguments: [layer, newestSeq])
            try db.execute(
                sql: "INSERT INTO layer_changes (seq, layer_id, version, min_x, min_y, max_x, max_y, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [newestSeq, layer, newest["version"] as Int, union?.minX, union?.minY, union?.maxX, union?.maxY, newest["changed_at"] as String])
        }
    }

    @discardableResult
    public func syncMetadata(from files: [LayerFile]) throws -> [String] {
        var changed: [String] = []
        try write { db in
            let catalog = try Self.fetchCatalog(db)
            for file in files {
                guard var layer = catalog[file.id] else { continue }
                let before = layer
                file.applyMetadata(to: &layer)
                if layer != before {
                    layer.version += 1
                    try Self.saveLayer(layer, in: db)
                    try Self.recordChange(layerID: layer.id, version: layer.version, area: nil, in: db)
                    changed.append(layer.id)
                }
            }
        }
        return changed
    }

    public func dropLayer(_ id: String) throws {
        try write { db in
            guard let layer = try Self.fetchCatalog(db)[id] else { throw StoreError.layerNotFound(id) }
            if let owner = layer.managedBy { throw StoreError.permissionDenied("layer '\(id)' is kept by the \(owner) workflow and cannot be dropped") }
            try Self.dropTable(layer.table, kind: layer.kind, in: db)
            try db.execute(sql: "DELETE FROM layers WHERE id = ?", arguments: [id])
            try Self.recordChange(layerID: id, version: layer.version + 1, area: nil, in: db)
        }
    }

    /// Drops a layer table; for vectors also its geometry registration and R*Tree.
    static func dropTable(_ table: String, kind: LayerKind, in db: Database) throws {
        if kind == .vector {
            if try db.tableExists("idx_\(table)_geom") {
                _ = try Row.fetchAll(db, sql: "SELECT DisableSpatialIndex(?, 'geom')", arguments: [table])
                try db.execute(sql: "DROP TABLE IF EXISTS \(quoteIdentifier("idx_\(table)_geom"))")
            }
            _ = try Row.fetchAll(db, sql: "SELECT DiscardGeometryColumn(?, 'geom')", arguments: [table])
        }
        try db.execute(sql: "DROP TABLE IF EXISTS \(quoteIdentifier(table))")
    }

    // MARK: ChangeFeed

    public func changes(after sequence: Int64) throws -> [LayerChange] {
        try readOneStatement { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM layer_changes WHERE seq > ? ORDER BY seq"), arguments: [sequence]).map { row in
                var area: BoundingBox?
                if let a: Double = row["min_x"], let b: Double = row["min_y"], let c: Double = row["max_x"], let d: Double = row["max_y"] {
                    area = BoundingBox(minX: a, minY: b, maxX: c, maxY: d)
                }
                return LayerChange(sequence: row["seq"], layerID: row["layer_id"], version: row["version"], area: area)
            }
        }
    }

    /// A file has no announcements: other processes' changes are found by polling the sequence.
    public func observeChanges(_ handler: @escaping @Sendable () -> Void) throws -> Bool { false }

    public func latestChangeSequence() throws -> Int64 {
        try readOneStatement { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT ifnull(max(seq), 0) FROM layer_changes")) ?? 0 }
    }
}
