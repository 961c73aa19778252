import Foundation
import OneMapGeometry

extension PostGISStore {
    // MARK: the layers the domains keep (cases, incidents)

    /// Moves a service-kept layer's catalog entry forward (version, feature count, extent) and
    /// records the changed area, in the caller's transaction (the entry is locked until it commits).
    static func touchManagedLayer(_ id: String, area: BoundingBox, countDelta: Int, in c: PGConnection) throws {
        guard var layer = try decodeLayers(c.preparedQuery("SELECT entry::text FROM onemap_layers WHERE id = $1 FOR UPDATE", [.text(id)]))[id] else { return }
        layer.version += 1
        layer.featureCount += countDelta
        if !area.isEmpty { layer.extent = layer.extent.map { $0.union(area) } ?? area }
        try saveLayer(layer, in: c)
        try recordChange(layerID: id, version: layer.version, area: area.isEmpty ? nil : area, in: c)
    }

    /// Catalogues a domain's table as a read-only layer once (its rows stay the domain's).
    func ensureManagedLayer(_ id: String, table: String, geometryType: GeometryType, title: String, group: String, attributes: [AttributeField],
                            access: AccessLevel, source: String, description: String) throws {
        try pool.transaction { c in
            try c.execute("SELECT pg_advisory_xact_lock(7001764932)")
            if try c.query("SELECT 1 FROM onemap_layers WHERE id = $1", [.text(id)]).count > 0 { return }
            let stats = try c.query("SELECT count(*), ST_XMin(ST_Extent(geom)), ST_YMin(ST_Extent(geom)), ST_XMax(ST_Extent(geom)), ST_YMax(ST_Extent(geom)) FROM \(table)")
            var extent: BoundingBox?
            if let a = stats.double(0, 1), let b = stats.double(0, 2), let cc = stats.double(0, 3), let d = stats.double(0, 4) {
                extent = BoundingBox(minX: a, minY: b, maxX: cc, maxY: d)
            }
            let layer = Layer(id: id, title: title, group: group, kind: .vector, geometryType: geometryType, storageCRS: .cgcs2000, attributes: attributes,
                              access: access, featureCount: Int(stats.int64(0, 0) ?? 0), extent: extent, version: 1, source: source, synthetic: false,
                              importedAt: isoNow(), table: table, description: description, managedBy: id)
            try Self.saveLayer(layer, in: c)
            try Self.recordChange(layerID: id, version: 1, area: nil, in: c)
        }
    }

    // MARK: IncidentStore

    static let incidentColumns = ["title", "category", "subtype", "level", "status", "occurred_at", "updated_at", "notes", "reporter", "version"]

    static func incidentParameters(_ r: IncidentRecord) -> [PGParameter] {
        [.text(r.title), .text(r.category), .text(r.subtype), .text(r.level), .text(r.status), .text(r.occurredAt), .text(r.updatedAt), .text(r.notes),
         .text(r.reporter), .text(String(r.version)), .bytes(WKB.encode(r.geometry))]
    }

    static let incidentSelect = "SELECT fid, \(incidentColumns.joined(separator: ", ")), ST_AsBinary(geom) FROM onemap_incidents"

    static func incidentRecord(_ r: PGResult, _ i: Int) throws -> IncidentRecord {
        IncidentRecord(id: r.int64(i, 0)!, title: r.text(i, 1)!, category: r.text(i, 2)!, subtype: r.text(i, 3)!, level: r.text(i, 4)!,
                       status: r.text(i, 5)!, geometry: try WKB.decode(r.bytes(i, 11)), occurredAt: r.text(i, 6)!, updatedAt: r.text(i, 7)!,
                       notes: r.text(i, 8) ?? "", reporter: r.text(i, 9)!, version: Int(r.int64(i, 10)!))
    }

    public func insertIncident(_ record: IncidentRecord, audit: AuditEntry?) throws -> IncidentRecord {
        try pool.transaction { c in
            let id = try c.preparedQuery("""
                INSERT INTO onemap_incidents (\(Self.incidentColumns.joined(separator: ", ")), geom)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::int, ST_GeomFromWKB($11::bytea, 4490)) RETURNING fid
                """, Self.incidentParameters(record)).int64(0, 0)!
            var stored = record
            stored.id = id
            if var audit {
                audit.featureID = id
                try Self.appendAudit(audit, in: c)
            }
            try Self.touchManagedLayer("incidents", area: record.geometry.boundingBox ?? .empty, countDelta: 1, in: c)
            return stored
        }
    }

    public func updateIncident(_ record: IncidentRecord, expectedVersion: Int, audit: AuditEntry?) throws -> IncidentRecord {
        try pool.transaction { c in
            let row = try c.preparedQuery("SELECT version, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM onemap_incidents WHERE fid = $1::int8 FOR UPDATE",
                                          [.text(String(record.id))])
            guard row.count == 1 else { throw StoreError.featureNotFound(layer: "incidents", id: record.id) }
            let current = Int(row.int64(0, 0)!)
            guard current == expectedVersion else { throw StoreError.staleVersion(expected: String(expectedVersion), actual: String(current)) }
            var stored = record
            stored.version = expectedVersion + 1
            let sets = (Self.incidentColumns + ["geom"]).enumerated().map { i, name in
                name == "geom" ? "geom = ST_GeomFromWKB($\(i + 1)::bytea, 4490)" : name == "version" ? "version = $\(i + 1)::int" : "\(name) = $\(i + 1)"
            }
            try c.preparedQuery("UPDATE onemap_incidents SET \(sets.joined(separator: ", ")) WHERE fid = $12::int8",
                                Self.incidentParameters(stored) + [.text(String(stored.id))])
            if let audit { try Self.appendAudit(audit, in: c) }
            var area = BoundingBox(minX: row.double(0, 1)!, minY: row.double(0, 2)!, maxX: row.double(0, 3)!, maxY: row.double(0, 4)!)
            if let now = stored.geometry.boundingBox { area = area.union(now) }
            try Self.touchManagedLayer("incidents", area: area, countDelta: 0, in: c)
            return stored
        }
    }

    public func incident(_ id: Int64) throws -> IncidentRecord? {
        try pool.with { c in
            let r = try c.preparedQuery(Self.incidentSelect + " WHERE fid = $1::int8", [.text(String(id))])
            return r.count == 1 ? try Self.incidentRecord(r, 0) : nil
        }
    }

    public func incidents(statuses: [String]?) throws -> [IncidentRecord] {
        try pool.with { c in
            let r = try c.preparedQuery(Self.incidentSelect + " WHERE ($1::text[] IS NULL OR status = ANY($1::text[])) ORDER BY occurred_at DESC, fid DESC",
                                        [statuses.map { .text(Self.textArray($0)) } ?? .null])
            return try (0..<r.count).map { try Self.incidentRecord(r, $0) }
        }
    }

    public func ensureIncidentLayer(title: String, access: AccessLevel) throws {
        try ensureManagedLayer("incidents", table: "onemap_incidents", geometryType: .geometryCollection, title: title, group: "emergency",
                               attributes: ManagedLayers.incidentAttributes, access: access, source: ManagedLayers.incidentSource,
                               description: ManagedLayers.incidentDescription)
    }

    public func appendPositions(_ positions: [UnitPosition], keepSince: String) throws {
        try pool.transaction { c in
            for p in positions {
                func number(_ d: Double?) -> PGParameter { d.map { .text("\($0)") } ?? .null }
                try c.preparedQuery("""
                    INSERT INTO onemap_unit_positions (unit, kind, name, x, y, heading, speed, at, reporter)
                    VALUES ($1, $2, $3, $4::float8, $5::float8, $6::float8, $7::float8, $8, $9)
                    """, [.text(p.unit), .text(p.kind), .text(p.name), number(p.location.x), number(p.location.y), number(p.heading), number(p.speed),
                          .text(p.at), .text(p.reporter)])
            }
            try c.preparedQuery("DELETE FROM onemap_unit_positions WHERE at < $1", [.text(keepSince)])
        }
    }

    public func positions(since: String) throws -> [UnitPosition] {
        try pool.with { c in
            let r = try c.preparedQuery("SELECT unit, kind, name, x, y, heading, speed, at, reporter FROM onemap_unit_positions WHERE at >= $1 ORDER BY at, id",
                                        [.text(since)])
            return (0..<r.count).map { i in
                UnitPosition(unit: r.text(i, 0)!, kind: r.text(i, 1)!, name: r.text(i, 2)!, location: Coordinate(r.double(i, 3)!, r.double(i, 4)!),
                             heading: r.double(i, 5), speed: r.double(i, 6), at: r.text(i, 7)!, reporter: r.text(i, 8)!)
            }
        }
    }

    // MARK: NetworkStore (pgRouting)

    public func replaceNetwork(_ edges: [NetworkEdge], sourceLayer: String, sourceVersion: Int) throws -> [NetworkEdge] {
        // Ends that coincide exactly are one node, numbered in the order the edges first reach them.
        var nodes: [Coordinate: Int64] = [:]
        func node(_ c: Coordinate) -> Int64 {
            if let n = nodes[c] { return n }
            let n = Int64(nodes.count + 1)
            nodes[c] = n
            return n
        }
        var numbered: [NetworkEdge] = []
        for (i, e) in edges.enumerated() {
            guard let first = e.line.first, let last = e.line.last else { throw StoreError.invalidArgument("a road network edge has no points") }
            var edge = e
            edge.id = Int64(i + 1)
            edge.from = node(first)
            edge.to = node(last)
            numbered.append(edge)
        }
        try pool.transaction { c in
            do { try c.execute("CREATE EXTENSION IF NOT EXISTS pgrouting") } catch {
                throw StoreError.unsupported("routing needs the pgRouting extension in the database (CREATE EXTENSION pgrouting, as a superuser): \(error)")
            }
            try c.execute("DELETE FROM onemap_road_network; DELETE FROM onemap_network_source")
            try c.copyIn("COPY onemap_road_network (id, name, road_class, road_id, cost, length, fwd, bwd, node_from, node_to, geom) FROM STDIN") { w in
                for e in numbered {
                    w.field(.integer(e.id), 9); w.field(.text(e.name), 9); w.field(.text(e.roadClass), 9); w.field(.integer(e.roadID), 9)
                    w.field(.real(e.cost), 9); w.field(.real(e.length), 9); w.field(.text(e.forward ? "t" : "f"), 9); w.field(.text(e.backward ? "t" : "f"), 9)
                    w.field(.integer(e.from), 9); w.field(.integer(e.to), 9)
                    w.hexField(Self.extendedWKB(WKB.encode(.lineString(e.line)), srid: 4490), 10)
                    try w.endRow()
                }
            }
            try c.query("INSERT INTO onemap_network_source (layer, version) VALUES ($1, $2::int)", [.text(sourceLayer), .text(String(sourceVersion))])
        }
        return numbered
    }

    public func networkSource() throws -> (layer: String, version: Int)? {
        try pool.with { c in
            let r = try c.query("SELECT layer, version FROM onemap_network_source")
            return r.count == 1 ? (r.text(0, 0)!, Int(r.int64(0, 1)!)) : nil
        }
    }

    public func networkEdges() throws -> [NetworkEdge] {
        try pool.with { c in
            let r = try c.query("SELECT id, node_from, node_to, ST_AsBinary(geom), cost, length, fwd, bwd, name, road_class, road_id FROM onemap_road_network ORDER BY id")
            return try (0..<r.count).map { i in
                guard case .lineString(let line) = try WKB.decode(r.bytes(i, 3)) else { throw StoreError.database("a road network edge is not a line") }
                return NetworkEdge(id: r.int64(i, 0)!, from: r.int64(i, 1)!, to: r.int64(i, 2)!, line: line, cost: r.double(i, 4)!, length: r.double(i, 5)!,
                                   forward: r.bool(i, 6)!, backward: r.bool(i, 7)!, name: r.text(i, 8)!, roadClass: r.text(i, 9)!, roadID: r.int64(i, 10)!)
            }
        }
    }

    /// The edges as pgRouting reads them: as drawn, or reversed (every edge turned round, for
    /// least costs towards a node); -1 where an edge may not be driven that way.
    static func routingEdges(reverse: Bool) -> String {
        reverse
            ? "SELECT id, node_to AS source, node_from AS target, CASE WHEN fwd THEN cost ELSE -1 END AS cost, CASE WHEN bwd THEN cost ELSE -1 END AS reverse_cost FROM onemap_road_network"
            : "SELECT id, node_from AS source, node_to AS target, CASE WHEN fwd THEN cost ELSE -1 END AS cost, CASE WHEN bwd THEN cost ELSE -1 END AS reverse_cost FROM onemap_road_network"
    }

    func requireNetwork(_ c: PGConnection) throws {
        guard try c.query("SELECT 1 FROM onemap_network_source").count == 1 else { throw StoreError.unsupported("the store has no road network yet") }
    }

    public func shortestPaths(from origin: Int64, to targets: [Int64], reverse: Bool) throws -> [Int64: NetworkPath] {
        let wanted = Array(Set(targets))
        guard !wanted.isEmpty else { return [:] }
        return try pool.with { c in
            try requireNetwork(c)
            var out: [Int64: NetworkPath] = [:]
            if wanted.contains(origin) { out[origin] = NetworkPath(cost: 0, edges: []) }
            let others = wanted.filter { $0 != origin }
            guard !others.isEmpty else { return out }
            let r = try c.query("""
                SELECT end_vid, edge, agg_cost FROM pgr_dijkstra($1, $2::int8, $3::int8[], directed => true) ORDER BY end_vid, path_seq
                """, [.text(Self.routingEdges(reverse: reverse)), .text(String(origin)), .text("{" + others.map(String.init).joined(separator: ",") + "}")])
            var edges: [Int64: [Int64]] = [:], costs: [Int64: Double] = [:]
            for i in 0..<r.count {
                let target = r.int64(i, 0)!, edge = r.int64(i, 1)!
                if edge == -1 { costs[target] = r.double(i, 2)! } else { edges[target, default: []].append(edge) }
            }
            for (target, cost) in costs { out[target] = NetworkPath(cost: cost, edges: edges[target] ?? []) }
            return out
        }
    }

    public func reachableNodes(from origin: Int64, within maxCost: Double, reverse: Bool) throws -> [Int64: Double] {
        try pool.with { c in
            try requireNetwork(c)
            var out: [Int64: Double] = [origin: 0]
            let r = try c.query("SELECT node, agg_cost FROM pgr_drivingDistance($1, $2::int8, $3::float8, directed => true)",
                                [.text(Self.routingEdges(reverse: reverse)), .text(String(origin)), .text("\(maxCost)")])
            for i in 0..<r.count { out[r.int64(i, 0)!] = min(out[r.int64(i, 0)!] ?? .infinity, r.double(i, 1)!) }
            return out
        }
    }
}
