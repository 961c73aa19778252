import Foundation

/// Long synchronous work (building the demo city, geocoding every address) on a thread of its
/// own. Swift Testing runs tests on the cooperative pool, which has one thread per core: two
/// tests blocking there for minutes starve every async test and the servers they talk to.
public enum OwnThread {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    /// Builds a test fixture on a thread of its own (imports and generated cities take seconds; three
    /// dozen of them at once on the cooperative pool made live test clients time out). The fixture
    /// is handed over whole to the one test that asked for it.
    public static func build<T>(_ make: @escaping @Sendable () throws -> T) async throws -> T {
        try await run { Handover(value: try make()) }.value
    }

    private struct Handover<T>: @unchecked Sendable { let value: T }
}
