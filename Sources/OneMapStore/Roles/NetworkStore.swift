import OneMapGeometry

/// The road-network role: a routable network kept by the store's own routing engine
/// (SpatiaLite 5's VirtualRouting here; pgRouting on PostGIS). Edges arrive already noded
/// (split where roads meet) with their travel costs; the engine numbers the nodes and answers
/// least-cost questions over the network and over its reverse (every edge turned round, for
/// "from where can one get here fastest").
public protocol NetworkStore: Sendable {
    /// Replaces the network with `edges` and rebuilds the engine's routing data, recording the
    /// version of the source layer it was built from. - Returns: the edges with their node ids.
    func replaceNetwork(_ edges: [NetworkEdge], sourceLayer: String, sourceVersion: Int) throws -> [NetworkEdge]
    /// The source layer and version the stored network was built from, nil when there is none.
    func networkSource() throws -> (layer: String, version: Int)?
    /// The stored edges with their node ids.
    func networkEdges() throws -> [NetworkEdge]
    /// Least-cost paths from `origin` to each reachable target (unreachable targets are absent).
    /// - Parameter reverse: over the reversed network (paths lead from each target to `origin`;
    ///   their edges are listed from `origin` outwards).
    func shortestPaths(from origin: Int64, to targets: [Int64], reverse: Bool) throws -> [Int64: NetworkPath]
    /// Every node reachable from `origin` within `maxCost`, with its least cost.
    func reachableNodes(from origin: Int64, within maxCost: Double, reverse: Bool) throws -> [Int64: Double]
}

/// One edge of a road network: a piece of road between two nodes (junctions or ends).
public struct NetworkEdge: Sendable, Hashable {
    public var id: Int64
    /// Node ids, set by the engine.
    public var from: Int64
    public var to: Int64
    /// CGCS2000 lon/lat, drawn from `from` to `to`.
    public var line: [Coordinate]
    /// Seconds to travel the edge, and metres on the ground.
    public var cost: Double
    public var length: Double
    /// Travel allowed from → to, and to → from.
    public var forward: Bool
    public var backward: Bool
    public var name: String
    public var roadClass: String
    /// The source road feature.
    public var roadID: Int64

    public init(id: Int64 = 0, from: Int64 = 0, to: Int64 = 0, line: [Coordinate], cost: Double, length: Double, forward: Bool, backward: Bool,
                name: String, roadClass: String, roadID: Int64) {
        self.id = id
        self.from = from
        self.to = to
        self.line = line
        self.cost = cost
        self.length = length
        self.forward = forward
        self.backward = backward
        self.name = name
        self.roadClass = roadClass
        self.roadID = roadID
    }
}

/// A least-cost path: its cost and its edges in travel order.
public struct NetworkPath: Sendable, Hashable {
    public var cost: Double
    public var edges: [Int64]

    public init(cost: Double, edges: [Int64]) {
        self.cost = cost
        self.edges = edges
    }
}
