import OneMapGeometry

/// An area of a layer that changed at some version (import or edit), for tile invalidation.
public struct LayerChange: Sendable, Hashable {
    public var sequence: Int64
    public var layerID: String
    public var version: Int
    /// In the layer's storage CRS; nil means "everywhere" (a whole-layer replace).
    public var area: BoundingBox?

    public init(sequence: Int64, layerID: String, version: Int, area: BoundingBox?) {
        self.sequence = sequence
        self.layerID = layerID
        self.version = version
        self.area = area
    }
}

/// Which store layer changed where, as lon/lat boxes, for deciding which cached tiles are stale.
/// Built up incrementally: each refresh adds only the changes after the last one it saw.
public struct ChangeIndex: Sendable {
    /// The last change sequence included.
    public private(set) var sequence: Int64 = 0
    /// Per layer: (sequence, area in lon/lat; nil = the whole layer), oldest first.
    private var byLayer: [String: [(Int64, BoundingBox?)]] = [:]
    /// Past this many areas a layer's oldest half is merged into one entry (their union, at the
    /// newest of their sequences): answers stay safe (a tile is at most thought stale once more
    /// than needed) while lookups stay short however long the history.
    static let compactionLimit = 512

    public init() {}

    /// Adds changes in sequence order; `area` gives each change's lon/lat area (nil: everywhere).
    mutating func add(_ change: LayerChange, lonLatArea area: BoundingBox?) {
        guard change.sequence > sequence else { return }
        sequence = change.sequence
        var list = byLayer[change.layerID] ?? []
        if area == nil {
            // A whole-layer change outdates everything before it.
            list = [(change.sequence, nil)]
        } else {
            list.append((change.sequence, area))
            if list.count > Self.compactionLimit { list = Self.compact(list) }
        }
        byLayer[change.layerID] = list
    }

    static func compact(_ list: [(Int64, BoundingBox?)]) -> [(Int64, BoundingBox?)] {
        let half = list.count / 2
        var union = BoundingBox.empty
        var latest: Int64 = 0
        for (seq, area) in list[..<half] {
            latest = max(latest, seq)
            if let area { union.extend(area) }
        }
        return [(latest, union.isEmpty ? nil : union)] + list[half...]
    }

    /// The last change to `layer` that touched `box` (lon/lat), 0 if none.
    public func latest(layer: String, touching box: BoundingBox) -> Int64 {
        var latest: Int64 = 0
        for (seq, area) in byLayer[layer] ?? [] where seq > latest {
            if area == nil || area!.intersects(box) { latest = seq }
        }
        return latest
    }

    /// How many area entries the index holds for a layer (compaction keeps this bounded).
    public func entryCount(layer: String) -> Int { byLayer[layer]?.count ?? 0 }
}

/// The store's catalog as last read: every layer (unfiltered) and the change index, both as of
/// one change sequence. The one copy the whole process reads (store, tile pipeline, map
/// catalog); `Store.refresh()` moves it forward.
public struct CatalogSnapshot: Sendable {
    /// The change sequence this snapshot is current with (-1 before the first read).
    public let sequence: Int64
    public let layers: [String: Layer]
    public let changes: ChangeIndex

    static let unread = CatalogSnapshot(sequence: -1, layers: [:], changes: ChangeIndex())

    init(sequence: Int64, layers: [String: Layer], changes: ChangeIndex) {
        self.sequence = sequence
        self.layers = layers
        self.changes = changes
    }
}
