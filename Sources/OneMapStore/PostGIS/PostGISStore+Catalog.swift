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
    ///
    /// Readers follow the feed by sequence number, so the numbers must become visible in order:
    /// with several writers, one that drew 100 could commit after one that drew 101, and a reader
    /// that had seen 101 would never look at 100 again. A transaction lock taken before the number
    /// is drawn, and held until commit, orders them (it is taken last in every write, briefly).
    static func recordChange(layerID: String, version: Int, area: BoundingBox?, in c: PGConnection) throws {
        func number(_ d: Double?) -> PGParameter { d.map { .text("\($0)") } ?? .null }
        try c.preparedQuery("SELECT pg_advisory_xact_lock(\(changeOrderLock))")
        let seq = try c.preparedQuery("""
            INSERT INTO onemap_changes (layer_id, version, min_x, min_y, max_x, max_y)
            VALUES ($1, $2::int, $3::float8, $4::float8, $5::float8, $6::float8) RETURNING seq
            """, [.text(layerID), .text(String(version)), number(area?.minX), number(area?.minY), number(area?.maxX), number(area?.maxY)]).int64(0, 0) ?? 0
        if seq % Int64(changeRowsPerLayer / 2) == 0 { try compactChanges(rowsPerLayer: changeRowsPerLayer, in: c) }
    }

    /// The advisory lock key that orders change numbers.
    static let changeOrderLock: Int64 = 7_001_764_934

    /// Past this many rows a layer's oldest changes are merged, as in the SpatiaLite store.
    static let changeRowsPerLayer = 512

    /// Keeps the change feed short without losing a change for a reader that starts later, the
    /// SpatiaLite store's way (see `SpatiaLiteStore.compactChanges`): a whole-layer change drops
    /// its layer's earlier rows; a layer's oldest rows past `rowsPerLayer` merge into one row with
    /// their union at the newest of their sequences. Runs under the change-order lock.
    static func compactChanges(rowsPerLayer: Int, in c: PGConnection) throws {
        try c.execute("""
            DELETE FROM onemap_changes o USING (SELECT layer_id, max(seq) AS seq FROM onemap_changes WHERE min_x IS NULL GROUP BY layer_id) w
            WHERE o.layer_id = w.layer_id AND o.seq < w.seq
            """)
        let long = try c.query("SELECT layer_id, count(*) FROM onemap_changes GROUP BY layer_id HAVING count(*) > $1::int8", [.text(String(rowsPerLayer))])
        for i in 0..<long.count {
            let layer = long.text(i, 0)!, count = Int(long.int64(i, 1)!)
            let merged = try c.query("SELECT seq, version, min_x, min_y, max_x, max_y FROM onemap_changes WHERE layer_id = $1 ORDER BY seq LIMIT $2::int8",
                                     [.text(layer), .text(String(count - rowsPerLayer / 2))])
            guard merged.count > 0 else { continue }
            var union: BoundingBox? = BoundingBox.empty
            for m in 0..<merged.count {
                if let a = merged.double(m, 2), let b = merged.double(m, 3), let cc = merged.double(m, 4), let d = merged.double(m, 5) {
                    union?.extend(BoundingBox(minX: a, minY: b, maxX: cc, maxY: d))
                } else {
                    union = nil
                }
            }
            let newest = merged.count - 1
            let newestSeq = merged.int64(newest, 0)!
            func number(_ d: Double?) -> PGParameter { d.map { .text("\($0)") } ?? .null }
            try c.query("DELETE FROM onemap_changes WHERE layer_id = $1 AND seq <= $2::int8", [.text(layer), .text(String(newestSeq))])
            // Put back under its own number (its announcement makes readers refresh and find nothing new).
            try c.query("""
                INSERT INTO onemap_changes (seq, layer_id, version, min_x, min_y, max_x, max_y)
                VALUES ($1::int8, $2, $3::int, $4::float8, $5::float8, $6::float8, $7::float8)
                """, [.text(String(newestSeq)), .text(layer), .text(String(merged.int64(newest, 1)!)), number(union?.minX), number(union?.minY),
                      number(union?.maxX), number(union?.maxY)])
        }
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
