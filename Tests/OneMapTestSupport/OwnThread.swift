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
}
