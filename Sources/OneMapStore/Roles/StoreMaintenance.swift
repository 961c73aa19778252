/// The maintenance role: a consistent copy of a running store, and a check of everything a
/// crash, a full disk or a hand edit could have left wrong (`onemap backup`, `onemap check`).
public protocol StoreMaintenance: Sendable {
    /// Copies the store to `destination` (a new file) as one consistent snapshot, while other
    /// connections go on reading and writing.
    /// - Throws: `StoreError.invalidArgument` when `destination` exists; `StoreError.database` on I/O failure.
    func backup(to destination: String) throws
    /// What is wrong with the store, or nothing. Each check that ran is listed in `checked`.
    func check(_ layers: [Layer]) throws -> StoreCheckReport
}

/// The findings of `StoreMaintenance.check`.
public struct StoreCheckReport: Sendable, Hashable {
    /// What was checked, in order ("integrity", "spatial index parcels", …).
    public var checked: [String] = []
    /// What is wrong, one sentence each.
    public var problems: [String] = []
    public var isHealthy: Bool { problems.isEmpty }
    public init() {}
}
