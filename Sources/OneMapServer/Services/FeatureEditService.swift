import OneMapStore
import OneMapTiles

/// Edits of features as the server makes them: the store's transactional edit, then the
/// server's own view of the store moved forward at once (versions, stale tiles, maps), so the
/// next request, on any path, sees the edit. Runs on the blocking pool: both steps read and
/// write the store.
public struct FeatureEditService: Sendable {
    let store: Store
    let watcher: StoreWatcher

    public init(store: Store, watcher: StoreWatcher) {
        self.store = store
        self.watcher = watcher
    }

    public func create(in layer: String, _ input: FeatureInput, for principal: Principal) async throws -> EditResult {
        try await refreshing { try store.createFeature(in: layer, input, for: principal) }
    }

    public func replace(_ fid: Int64, in layer: String, _ input: FeatureInput, ifMatch: String?, for principal: Principal) async throws -> EditResult {
        try await refreshing { try store.replaceFeature(fid, in: layer, input, ifMatch: ifMatch, for: principal) }
    }

    public func update(_ fid: Int64, in layer: String, _ input: FeatureInput, ifMatch: String?, for principal: Principal) async throws -> EditResult {
        try await refreshing { try store.updateFeature(fid, in: layer, input, ifMatch: ifMatch, for: principal) }
    }

    public func delete(_ fid: Int64, in layer: String, ifMatch: String?, for principal: Principal) async throws {
        try await refreshing { try store.deleteFeature(fid, in: layer, ifMatch: ifMatch, for: principal) }
    }

    func refreshing<T: Sendable>(_ edit: @escaping @Sendable () throws -> T) async throws -> T {
        let watcher = self.watcher
        return try await Blocking.run {
            let result = try edit()
            try watcher.refresh()
            return result
        }
    }
}
