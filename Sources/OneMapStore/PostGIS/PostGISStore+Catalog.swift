import Foundation
import OneMapGeometry

extension PostGISStore {
    // MARK: LayerCatalog

    public func allLayers() throws -> [String: Layer] {
        try reads.with { c in try Self.decodeLayers(c.preparedQuery("SELECT entry::text FROM onemap_layers")) }
    }

    public func layers(ids: Set<String>) throws -> [String: Layer] {
        guard !ids.isEmpty else { return [:] }
        return try reads.with { c in
            try Self.decodeLayers(c.preparedQuery("SELECT entry::text FROM onemap_layers WHERE id = ANY($1::text[])", [.text(Self.textArray(ids.sorted()))]))
        }
    }

    public func syncMetadata(from files: [LayerFile]) throws -> [String] {
        try pool.transaction { c in
            var changed: [String] = []
            var current = try Self.decodeLayers(c.query("SELECT entry::text FROM onemap_layers FOR UPDATE"))
            for file in files {
                guard var layer = current[file.id] else { continue }
                let before = layer
                file.applyMetadata(to: &layer)
                guard layer != before else { continue }
                layer.version += 1
                try Self.saveLayer(layer, in: c)
                try Self.recordChange(layerID: layer.id, version: layer.version, area: nil, in: c)
                current[layer.id] = layer
                changed.append(layer.id)
            }
            return changed
        }
    }

    public func dropLayer(_ id: String) throws {
        try pool.transaction { c in
            guard let layer = try Self.decodeLayers(c.query("SELECT entry::text FROM onemap_layers WHERE id = $1 FOR UPDATE", [.text(id)]))[id] else {
                throw StoreError.layerNotFound(id)
            }
            if let owner = layer.managedBy { throw StoreError.permissionDenied("layer '\(id)' is kept by the \(owner) workflow and cannot be dropped") }
            try c.execute("DROP TABLE IF EXISTS \(quoteIdentifier(layer.table))")
            try c.query("DELETE FROM onemap_layers WHERE id = $1", [.text(id)])
            try Self.recordChange(layerID: id, version: layer.version + 1, area: nil, in: c)
        }
    }

    // MARK: ChangeFeed

    public func latestChangeSequence() throws -> Int64 {
        try reads.with { c in try c.preparedQuery("SELECT coalesce(max(seq), 0)::int8 FROM onemap_changes").int64(0, 0) ?? 0 }
    }

    public func changes(after sequence: Int64) throws -> [LayerChange] {
        try reads.with { c in
            let r = try c.preparedQuery("SELECT seq, layer_id, version, min_x, min_y, max_x, max_y FROM onemap_changes WHERE seq > $1::int8 ORDER BY seq",
                                        [.text(String(sequence))])
            return (0..<r.count).map { i in
                var area: BoundingBox?
                if let a = r.double(i, 3), let b = r.double(i, 4), let cc = r.double(i, 5), let d = r.double(i, 6) {
                    area = BoundingBox(minX: a, minY: b, maxX: cc, maxY: d)
                }
                return LayerChange(sequence: r.int64(i, 0)!, layerID: r.text(i, 1)!, version: Int(r.int64(i, 2)!), area: area)
            }
        }
    }

    // MARK: AuditLog

    public func appendAudit(_ entries: [AuditEntry]) throws {
        guard !entries.isEmpty else { return }
        try pool.transaction { c in for e in entries { try Self.appendAudit(e, in: c) } }
    }

    public func auditRecords(since: String?, layer: String?, limit: Int) throws -> [AuditRecord] {
        try pool.with { c in
            let r = try c.query("""
                SELECT seq, at, principal, action, layer_id, feature_id, before, after, detail FROM onemap_audit
                WHERE ($1::text IS NULL OR at >= $1) AND ($2::text IS NULL OR layer_id = $2) ORDER BY seq LIMIT \(max(1, limit))
                """, [since.map { .text($0) } ?? .null, layer.map { .text($0) } ?? .null])
            return (0..<r.count).map { i in
                AuditRecord(sequence: r.int64(i, 0)!, at: r.text(i, 1)!, principal: r.text(i, 2)!, action: r.text(i, 3)!,
                            layerID: r.text(i, 4), featureID: r.int64(i, 5), before: r.text(i, 6), after: r.text(i, 7), detail: r.text(i, 8))
            }
        }
    }

    // MARK: RasterSource

    public func rasterTileData(_ layer: Layer, level: Int, col: Int, row: Int) throws -> [UInt8]? {
        try reads.with { c in
            let r = try c.preparedQuery("SELECT data FROM \(quoteIdentifier(layer.table)) WHERE level = $1::int AND col = $2::int AND row = $3::int",
                                        [.text(String(level)), .text(String(col)), .text(String(row))])
            return r.count == 0 || r.isNull(0, 0) ? nil : [UInt8](r.bytes(0, 0))
        }
    }

    public func rasterTiles(_ layer: Layer, _ body: (RasterTileRecord) throws -> Void) throws {
        try reads.transaction(readOnly: true) { c in
            try c.stream("SELECT level, col, row, data FROM \(quoteIdentifier(layer.table)) ORDER BY level, row, col", batch: 2_000) { r in
                for i in 0..<r.count {
                    try body(RasterTileRecord(level: Int(r.int64(i, 0)!), col: Int(r.int64(i, 1)!), row: Int(r.int64(i, 2)!), data: [UInt8](r.bytes(i, 3))))
                }
            }
        }
    }

    // MARK: rows shared by the writes

    static func decodeLayers(_ r: PGResult) throws -> [String: Layer] {
        let decoder = JSONDecoder()
        var out: [String: Layer] = [:]
        for i in 0..<r.count {
            let layer = try decoder.decode(Layer.self, from: Data(r.bytes(i, 0)))
            out[layer.id] = layer
        }
        return out
    }

    /// Inserts or replaces a catalog entry (inside the caller's transaction).
    static func saveLayer(_ layer: Layer, in c: PGConnection) throws {
        try c.preparedQuery("""
            INSERT INTO onemap_layers (id, version, entry) VALUES ($1, $2::int, $3::jsonb)
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, entry = EXCLUDED.entry
            """, [.text(layer.id), .text(String(layer.version)), .text(try StoreJSON.encode(layer))])
    }

    /// Records that `area` of a layer changed at `version` (nil: the whole layer); the trigger
    /// announces it to every instance listening.
    static func recordChange(layerID: String, version: Int, area: BoundingBox?, in c: PGConnection) throws {
        func number(_ d: Double?) -> PGParameter { d.map { .text("\($0)") } ?? .null }
        try c.preparedQuery("""
            INSERT INTO onemap_changes (layer_id, version, min_x, min_y, max_x, max_y)
            VALUES ($1, $2::int, $3::float8, $4::float8, $5::float8, $6::float8)
            """, [.text(layerID), .text(String(version)), number(area?.minX), number(area?.minY), number(area?.maxX), number(area?.maxY)])
    }

    static func appendAudit(_ e: AuditEntry, in c: PGConnection) throws {
        func text(_ s: String?) -> PGParameter { s.map { .text($0) } ?? .null }
        try c.preparedQuery("""
            INSERT INTO onemap_audit (at, principal, action, layer_id, feature_id, before, after, detail)
            VALUES ($1, $2, $3, $4, $5::int8, $6, $7, $8)
            """, [.text(isoNowMillis()), .text(e.principal), .text(e.action), text(e.layerID), text(e.featureID.map { String($0) }),
                  text(e.before), text(e.after), text(e.detail)])
    }

    /// A PostgreSQL array literal of texts.
    static func textArray(_ items: [String]) -> String {
        "{" + items.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}"
    }
}
