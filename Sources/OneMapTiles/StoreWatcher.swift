import Foundation
import Logging
import OneMapRender
import OneMapStore

/// Keeps a long-running process's view of the store current: polls the change sequence (so
/// imports and edits from other processes are seen within `interval`), moves the store's one
/// catalog snapshot forward and reloads the maps when it moved, and writes the pending audit
/// records of confidential reads. Hot paths read the snapshot, never the store.
public final class StoreWatcher: Sendable {
    public let store: Store
    public let maps: MapCatalog
    let logger: Logger

    /// - Parameter store: from now on refreshed by this watcher only (reads stop checking the
    ///   change sequence themselves).
    public init(store: Store, maps: MapCatalog, logger: Logger) throws {
        self.store = store
        self.maps = maps
        self.logger = logger
        store.refreshOnlyWhenAsked()
        try refresh()
    }

    /// The store's catalog snapshot.
    public var snapshot: CatalogSnapshot { store.snapshot }

    /// Moves the snapshot forward, and reloads the maps when the catalog changed.
    public func refresh() throws {
        try store.refresh()
        try maps.reloadIfChanged()
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
