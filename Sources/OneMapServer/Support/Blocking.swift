import NIOPosix

/// Runs blocking work (store writes that may wait for the writer, identify scans) on NIO's
/// blocking thread pool, so the event loops that also run Swift concurrency stay free.
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}
