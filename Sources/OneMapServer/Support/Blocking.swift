import NIOPosix
import OneMapStore

/// Runs blocking work (store writes that may wait for the writer, identify scans) on NIO's
/// blocking thread pool, so the event loops that also run Swift concurrency stay free. The
/// request's read scope goes along (task-locals do not cross to other threads by themselves).
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let scope = ReadScope.current
        return try await NIOThreadPool.singleton.runIfActive { try ReadScope.$current.withValue(scope) { try work() } }
    }
}
