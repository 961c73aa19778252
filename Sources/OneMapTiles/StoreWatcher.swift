import Foundation
import Logging
import OneMapRender
import OneMapStore
import Synchronization

/// Keeps a long-running process's view of the store current: moves the store's one catalog
/// snapshot forward and reloads the maps when the change sequence moved, and writes the pending
/// audit records of confidential reads. Hot paths read the snapshot, never the store.
///
/// A backend that announces changes (PostGIS's NOTIFY) triggers a refresh on each announcement,
/// so an edit through another instance is seen at once; the poll then only backs it up (a
/// notification lost while the listener reconnects). A SpatiaLite file is polled every
/// `interval`, which is how edits from other processes are seen.
public final class StoreWatcher: Sendable {
    public let store: Store
    public let maps: MapCatalog
    let logger: Logger
    /// Whether the backend announces changes.
    private let announced = Atomic<Bool>(false)
    /// The poll's interval when the backend announces changes.
    static let backupPollInterval: Duration = .seconds(2)

    /// - Parameter store: from now on refreshed by this watcher only (reads stop checking the
    ///   change sequence themselves).
    public init(store: Store, maps: MapCatalog, logger: Logger) throws {
        self.store = store
        self.maps = maps
        self.logger = logger
        store.refreshOnlyWhenAsked()
        try refresh()
        let announces = try store.backend.observeChanges { [weak self] in
            guard let self else { return }
            do { try self.refresh() } catch { self.logger.warning("store refresh failed: \(error)") }
        }
        announced.store(announces, ordering: .relaxed)
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
            try? await Task.sleep(for: announced.load(ordering: .relaxed) ? max(interval, Self.backupPollInterval) : interval)
            do { try refresh() } catch { logger.warning("store refresh failed: \(error)") }
            do { try store.flushReadLog() } catch { logger.warning("audit log write failed: \(error)") }
        }
        try? store.flushReadLog()
    }
}
