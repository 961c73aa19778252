import Foundation
import GRDB
import Testing

@testable import OneMapStore

/// A store that cannot be written, or whose write lock another process holds, refuses the write
/// with an error that says so, and nothing is written.
@Suite(spatiaLiteOnly) struct ReadOnlyAndLockedStoreTests {
    static let role = Role(name: "water_team", level: .public, readLayers: ["wells"], writeLayers: ["wells"])

    @Test func aStoreOpenedReadOnlySaysSoAndStaysAsItWas() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        let store = try Store(path: dir.file("test.sqlite"), readOnly: true)
        let before = try store.roles().map(\.name)
        #expect(throws: StoreError.readOnly) { try store.saveRole(Self.role) }
        #expect(StoreError.readOnly.description.contains("cannot be written"))
        #expect(try store.roles().map(\.name) == before)
        #expect(try !store.roles().contains { $0.name == Self.role.name })
    }

    @Test func aWriteLockHeldElsewhereIsABusyStoreThenTheWriteGoesThrough() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        let store = try Store(backend: SpatiaLiteStore(path: dir.file("test.sqlite"), busyTimeout: 0.2))
        // Another process's connection holds the write lock in an open transaction.
        let other = try DatabaseQueue(path: dir.file("test.sqlite"))
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        Thread {
            try? other.inTransaction(.immediate) { _ in
                holding.signal()
                release.wait()
                return .rollback
            }
            done.signal()
        }.start()
        holding.wait()
        #expect(throws: StoreError.busy) { try store.saveRole(Self.role) }
        #expect(StoreError.busy.description.contains("locked by another process"))
        release.signal()
        done.wait()
        #expect(try !store.roles().contains { $0.name == Self.role.name })
        try store.saveRole(Self.role)
        #expect(try store.roles().contains { $0.name == Self.role.name })
    }
}
