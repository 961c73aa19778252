import Foundation
import GRDB
import OneMapGeometry
import Synchronization

/// An area of a layer that changed at some version (import or edit), for tile invalidation.
public struct LayerChange: Sendable, Hashable {
    public var sequence: Int64
    public var layerID: String
    public var version: Int
    /// In the layer's storage CRS; nil means "everywhere" (a whole-layer replace).
    public var area: BoundingBox?
}

/// The catalog as last read, refreshed when `layer_changes` grows (any import or edit, from this
/// process or another one) so hot paths do not parse catalog rows on every request.
final class CatalogCache: Sendable {
    private struct State {
        var layers: [String: Layer] = [:]
        var lastSequence: Int64 = -1
        var checkedAt: UInt64 = 0
    }
    private let state = Mutex(State())

    func get(currentSequence: Int64) -> [String: Layer]? {
        state.withLock { $0.lastSequence == currentSequence ? $0.layers : nil }
    }

    func put(_ layers: [String: Layer], sequence: Int64) {
        state.withLock {
            $0.layers = layers
            $0.lastSequence = sequence
        }
    }

    func invalidate() { state.withLock { $0.lastSequence = -1 } }
}

extension Store {
    // MARK: reading, always through the access check

    /// The layers `principal` may see, by group then id.
    public func layers(for principal: Principal) throws -> [Layer] {
        try allLayers().values
            .filter { AccessPolicy.canRead(principal, $0) }
            .sorted { ($0.group, $0.id) < ($1.group, $1.id) }
    }

    /// One layer, if `principal` may see it. Every path to a layer's data (tiles, features,
    /// identify, elevation) comes through here, so this is also where reads of confidential
    /// layers are noted for the audit log (the local operator, `.system`, excepted).
    /// - Throws: `StoreError.layerNotFound` when it does not exist or is not visible to `principal`
    ///   (the two answers are the same on purpose).
    public func layer(_ id: String, for principal: Principal) throws -> Layer {
        guard let layer = try allLayers()[id], AccessPolicy.canRead(principal, layer) else {
            throw StoreError.layerNotFound(id)
        }
        noteRead(of: layer, by: principal)
        return layer
    }

    /// Whether a layer id is taken (for import checks; not an access-controlled read).
    func layerExists(_ id: String) throws -> Bool { try allLayers()[id] != nil }

    /// The whole catalog, from the cache when nothing changed since it was read.
    func allLayers() throws -> [String: Layer] {
        try read { db in
            let seq = try Int64.fetchOne(db, sql: "SELECT ifnull(max(seq), 0) FROM layer_changes") ?? 0
            if let cached = catalogCache.get(currentSequence: seq) { return cached }
            let layers = try Self.fetchCatalog(db)
            catalogCache.put(layers, sequence: seq)
            return layers
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

    static func decodeLayer(_ row: Row) throws -> Layer {
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
            attributes: try json("attributes", [AttributeField].self) ?? [],
            access: AccessLevel(rawValue: row["access"]) ?? .confidential,
            featureCount: row["feature_count"], extent: extent, version: row["version"], source: row["source"],
            synthetic: row["synthetic"], importedAt: row["imported_at"], table: row["table_name"],
            raster: try json("raster", RasterInfo.self), description: row["description"])
    }

    // MARK: writing (inside a caller's transaction)

    static func encodeJSON<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Inserts or replaces a catalog row.
    static func saveLayer(_ layer: Layer, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO layers (id, title, group_name, kind, geometry_type, storage_crs, attributes,
                    access, feature_count, min_x, min_y, max_x, max_y, version, source, synthetic, imported_at,
                    table_name, raster, description)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                layer.id, layer.title, layer.group, layer.kind.rawValue, layer.geometryType?.name,
                layer.storageCRS.identifier, try encodeJSON(layer.attributes), layer.access.rawValue,
                layer.featureCount, layer.extent?.minX, layer.extent?.minY, layer.extent?.maxX, layer.extent?.maxY,
                layer.version, layer.source, layer.synthetic, layer.importedAt, layer.table,
                try layer.raster.map(encodeJSON), layer.description,
            ])
    }

    /// Records that `area` of a layer changed at `version` (nil area = the whole layer).
    static func recordChange(layerID: String, version: Int, area: BoundingBox?, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO layer_changes (layer_id, version, min_x, min_y, max_x, max_y, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [layerID, version, area?.minX, area?.minY, area?.maxX, area?.maxY, isoNow()])
    }

    /// Changes recorded after `sequence`, oldest first.
    public func changes(after sequence: Int64) throws -> [LayerChange] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM layer_changes WHERE seq > ? ORDER BY seq", arguments: [sequence]).map { row in
                var area: BoundingBox?
                if let a: Double = row["min_x"], let b: Double = row["min_y"], let c: Double = row["max_x"], let d: Double = row["max_y"] {
                    area = BoundingBox(minX: a, minY: b, maxX: c, maxY: d)
                }
                return LayerChange(sequence: row["seq"], layerID: row["layer_id"], version: row["version"], area: area)
            }
        }
    }

    /// The latest change sequence number (0 for a new store).
    public func latestChangeSequence() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT ifnull(max(seq), 0) FROM layer_changes") ?? 0 }
    }

    /// Updates the descriptive metadata (title, group, access, display names, description) of
    /// existing layers from their layer files, so the catalog stays in step with `Layers/`.
    /// Returns the ids whose metadata changed.
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

    /// Removes a layer and its table.
    public func dropLayer(_ id: String) throws {
        try write { db in
            guard let layer = try Self.fetchCatalog(db)[id] else { throw StoreError.layerNotFound(id) }
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

    /// Runs `body` in one write transaction, mapping errors to `StoreError`.
    /// - Parameter touchesCatalog: false for writes that leave the layers table alone (audit
    ///   records, users, tokens, roles), which keep the cached catalogue.
    func write<T>(touchesCatalog: Bool = true, _ body: (Database) throws -> T) throws -> T {
        do {
            let result = try pool.write(body)
            if touchesCatalog { catalogCache.invalidate() }
            return result
        } catch {
            if touchesCatalog { catalogCache.invalidate() }
            throw StoreError.wrap(error)
        }
    }
}

/// Quotes an SQL identifier ("name", with embedded quotes doubled).
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// The current time as ISO 8601 UTC with seconds.
func isoNow() -> String {
    Date().formatted(.iso8601)
}
