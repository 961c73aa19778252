import Foundation
import Logging
import OneMapGeometry
import OneMapRender
import OneMapStore
import Synchronization

/// Which store layer changed where, as lon/lat boxes, for deciding which cached tiles are stale.
public struct ChangeIndex: Sendable {
    public let sequence: Int64
    /// Per layer: (sequence, area in lon/lat; nil = the whole layer).
    let byLayer: [String: [(Int64, BoundingBox?)]]

    static let empty = ChangeIndex(sequence: 0, byLayer: [:])

    /// The last change to `layer` that touched `box` (lon/lat), 0 if none.
    public func latest(layer: String, touching box: BoundingBox) -> Int64 {
        var latest: Int64 = 0
        for (seq, area) in byLayer[layer] ?? [] where seq > latest {
            if area == nil || area!.intersects(box) { latest = seq }
        }
        return latest
    }
}

/// Keeps the server's view of the store current: polls the change sequence (so imports and
/// edits from other processes are seen within `interval`), and on a change reloads the
/// catalog snapshot, the change index and the maps. Hot paths read the snapshot, never the store.
public final class StoreWatcher: Sendable {
    private struct State {
        var sequence: Int64 = -1
        var layers: [String: Layer] = [:]
        var changes = ChangeIndex.empty
    }

    private let state = Mutex(State())
    let store: Store
    let maps: MapCatalog
    let logger: Logger

    public init(store: Store, maps: MapCatalog, logger: Logger) throws {
        self.store = store
        self.maps = maps
        self.logger = logger
        try refresh()
    }

    public var sequence: Int64 { state.withLock { $0.sequence } }
    public var layers: [String: Layer] { state.withLock { $0.layers } }
    public var changes: ChangeIndex { state.withLock { $0.changes } }

    /// Re-reads everything when the store's change sequence moved.
    public func refresh() throws {
        let current = try store.latestChangeSequence()
        if state.withLock({ $0.sequence == current }) { return }
        let layers = Dictionary(uniqueKeysWithValues: try store.layers(for: .system).map { ($0.id, $0) })
        var byLayer: [String: [(Int64, BoundingBox?)]] = [:]
        var transforms: [CRS: CoordinateTransform] = [:]
        for change in try store.changes(after: 0) {
            var area: BoundingBox?
            if let a = change.area, let layer = layers[change.layerID] {
                do {
                    let t = try transforms[layer.storageCRS] ?? CoordinateTransform(from: layer.storageCRS, to: .wgs84)
                    transforms[layer.storageCRS] = t
                    area = try t.apply(a)
                } catch {
                    area = nil
                }
            }
            byLayer[change.layerID, default: []].append((change.sequence, area))
        }
        try maps.reloadIfChanged(force: true)
        state.withLock {
            $0.sequence = current
            $0.layers = layers
            $0.changes = ChangeIndex(sequence: current, byLayer: byLayer)
        }
        logger.debug("store changed", metadata: ["sequence": "\(current)"])
    }

    /// Polls every `interval` until the task is cancelled.
    public func run(interval: Duration = .milliseconds(250)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            do { try refresh() } catch { logger.warning("store refresh failed: \(error)") }
            do { try store.flushReadLog() } catch { logger.warning("audit log write failed: \(error)") }
        }
        try? store.flushReadLog()
    }
}
