import Foundation
import GRDB
import OneMapGeometry

extension SpatiaLiteStore {
    // MARK: NetworkStore (SpatiaLite 5 VirtualRouting)

    // The network is derived data: its tables are made (and remade) by `replaceNetwork`, not by
    // a migration. `road_network` holds the edges; `CreateRoutingNodes` numbers their ends and
    // `CreateRouting` builds the engine's binary graph twice: as drawn, and reversed (from and to
    // swapped), for least costs towards a node.
    static let routingTables = ["road_routing", "road_routing_rev"]

    public func replaceNetwork(_ edges: [NetworkEdge], sourceLayer: String, sourceVersion: Int) throws -> [NetworkEdge] {
        try write { db in
            for t in Self.routingTables {
                try db.execute(sql: "DROP TABLE IF EXISTS \(t)")
                try db.execute(sql: "DROP TABLE IF EXISTS \(t)_data")
            }
            if try db.tableExists("road_network") {
                _ = try Int.fetchOne(db, sql: "SELECT DisableSpatialIndex('road_network', 'geom')")
                try db.execute(sql: "DROP TABLE IF EXISTS idx_road_network_geom")
                _ = try Int.fetchOne(db, sql: "SELECT DiscardGeometryColumn('road_network', 'geom')")
                try db.execute(sql: "DROP TABLE road_network")
            }
            try db.execute(sql: """
                CREATE TABLE road_network (id INTEGER PRIMARY KEY, name TEXT NOT NULL, road_class TEXT NOT NULL, road_id INTEGER NOT NULL,
                    cost DOUBLE NOT NULL, length DOUBLE NOT NULL, fwd INTEGER NOT NULL, bwd INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS network_source (layer TEXT NOT NULL, version INTEGER NOT NULL);
                DELETE FROM network_source;
                """)
            guard try Int.fetchOne(db, sql: "SELECT AddGeometryColumn('road_network', 'geom', 4490, 'LINESTRING', 'XY')") == 1,
                  try Int.fetchOne(db, sql: "SELECT CreateSpatialIndex('road_network', 'geom')") == 1 else {
                throw StoreError.database("cannot register the road network geometry")
            }
            let insert = try db.makeStatement(sql: """
                INSERT INTO road_network (id, name, road_class, road_id, cost, length, fwd, bwd, geom) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (i, e) in edges.enumerated() {
                try insert.execute(arguments: [Int64(i + 1), e.name, e.roadClass, e.roadID, e.cost, e.length, e.forward, e.backward,
                                               Data(SpatiaLiteBlob.encode(.lineString(e.line), srid: 4490))])
            }
            try db.execute(sql: "INSERT INTO network_source (layer, version) VALUES (?, ?)", arguments: [sourceLayer, sourceVersion])
            guard !edges.isEmpty else { return [] }
            // Adds node_from and node_to, numbering the ends of the edges where they coincide.
            guard try Int.fetchOne(db, sql: "SELECT CreateRoutingNodes(NULL, 'road_network', 'geom', 'node_from', 'node_to')") == 1 else {
                throw StoreError.database("CreateRoutingNodes failed: \(try String.fetchOne(db, sql: "SELECT CreateRoutingNodes_GetLastError()") ?? "")")
            }
            // The reversed graph turns every edge round: its from → to is the edge's to → from,
            // allowed where the edge may be driven from → to. It is a logical network (no
            // geometry: the lines run the other way); paths are drawn from the edges above.
            for (table, from, to, geom) in [("road_routing", "node_from", "node_to", "'geom'"), ("road_routing_rev", "node_to", "node_from", "NULL")] {
                // Dijkstra only (no A*): costs are seconds, not lengths, so A*'s distance heuristic
                // would not be admissible.
                guard try Int.fetchOne(db, sql: """
                    SELECT CreateRouting('\(table)_data', '\(table)', 'road_network', '\(from)', '\(to)', \(geom), 'cost', 'name', 0, 1, 'fwd', 'bwd', 1)
                    """) == 1 else {
                    throw StoreError.database("CreateRouting failed: \(try String.fetchOne(db, sql: "SELECT CreateRouting_GetLastError()") ?? "")")
                }
            }
            return try Self.networkEdges(db)
        }
    }

    public func networkSource() throws -> (layer: String, version: Int)? {
        try read { db in
            guard try db.tableExists("network_source"), let row = try Row.fetchOne(db, sql: "SELECT layer, version FROM network_source") else { return nil }
            return (row["layer"], row["version"])
        }
    }

    public func networkEdges() throws -> [NetworkEdge] {
        try read { db in try db.tableExists("road_network") ? try Self.networkEdges(db) : [] }
    }

    static func networkEdges(_ db: Database) throws -> [NetworkEdge] {
        try Row.fetchAll(db, sql: "SELECT * FROM road_network ORDER BY id").map { row in
            let blob: Data = row["geom"]
            guard case .lineString(let line) = try [UInt8](blob).withUnsafeBytes({ try SpatiaLiteBlob.decode($0) }) else {
                throw StoreError.database("a road network edge is not a line")
            }
            return NetworkEdge(id: row["id"], from: row["node_from"] ?? 0, to: row["node_to"] ?? 0, line: line, cost: row["cost"], length: row["length"],
                               forward: row["fwd"], backward: row["bwd"], name: row["name"], roadClass: row["road_class"], roadID: row["road_id"])
        }
    }

    public func shortestPaths(from origin: Int64, to targets: [Int64], reverse: Bool) throws -> [Int64: NetworkPath] {
        let wanted = Array(Set(targets))
        guard !wanted.isEmpty else { return [:] }
        return try read { db in
            let table = reverse ? "road_routing_rev" : "road_routing"
            guard try db.tableExists(table) else { throw StoreError.unsupported("the store has no road network yet") }
            var out: [Int64: NetworkPath] = [:]
            if wanted == [origin] { return [origin: NetworkPath(cost: 0, edges: [])] }
            // One search to many targets: VirtualRouting takes them as a delimited list.
            let list = wanted.filter { $0 != origin }
            let target: any DatabaseValueConvertible = list.count == 1 ? list[0] : list.map(String.init).joined(separator: ",")
            var routes: [Int64: (node: Int64, cost: Double?)] = [:]
            var links: [Int64: [Int64]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT RouteId, Role, LinkRowid, NodeTo, Cost FROM \(table) WHERE NodeFrom = ? AND NodeTo = ?",
                                        arguments: [origin, target]) {
                let route: Int64 = row["RouteId"] ?? 0
                switch row["Role"] as String? {
                case "Route": routes[route] = (row["NodeTo"], row["Cost"])
                case "Link": if let id: Int64 = row["LinkRowid"] { links[route, default: []].append(id) }
                default: break
                }
            }
            for (route, r) in routes {
                guard let cost = r.cost else { continue }
                out[r.node] = NetworkPath(cost: cost, edges: links[route] ?? [])
            }
            if wanted.contains(origin) { out[origin] = NetworkPath(cost: 0, edges: []) }
            return out
        }
    }

    public func reachableNodes(from origin: Int64, within maxCost: Double, reverse: Bool) throws -> [Int64: Double] {
        try read { db in
            let table = reverse ? "road_routing_rev" : "road_routing"
            guard try db.tableExists(table) else { throw StoreError.unsupported("the store has no road network yet") }
            var out: [Int64: Double] = [origin: 0]
            for row in try Row.fetchAll(db, sql: "SELECT NodeTo, Cost FROM \(table) WHERE NodeFrom = ? AND Cost <= ?", arguments: [origin, maxCost]) {
                if let node: Int64 = row["NodeTo"], let cost: Double = row["Cost"] { out[node] = min(out[node] ?? .infinity, cost) }
            }
            return out
        }
    }
}
