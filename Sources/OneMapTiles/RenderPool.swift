import Foundation
import OneMapRender
import OneMapStore
import Synchronization

/// Renders on dedicated worker threads (one renderer each, sized to the cores), away from the
/// HTTP event loops. The queue is bounded: when it is full, `submit` fails at once with
/// `.overloaded` (the route answers 503 with Retry-After) instead of letting latency grow.
public final class RenderPool: Sendable {
    public enum Failure: Error, Sendable {
        case overloaded
        case timedOut
    }

    private struct Job {
        let deadline: ContinuousClock.Instant
        let run: @Sendable (TileRenderer?) -> Void
    }

    private final class Queue: @unchecked Sendable {
        let condition = NSCondition()
        var jobs: [Job] = []
        var running = 0
        var stopped = false
        /// Whether a job has finished since memory was last handed back. A render of a dense
        /// block allocates and frees hundreds of MB, and glibc keeps freed chunks in its arenas
        /// (resident) unless trimmed. Trimming waits for the pool to be idle a while rather than
        /// following each job: what a job returns (surfaces, tiles) is freed afterwards, elsewhere.
        var finishedSinceRelease = false
    }

    private let queue = Queue()
    public let workers: Int
    public let limit: Int
    public let timeLimit: Duration

    /// - Parameters:
    ///   - workers: render threads (default: the number of cores).
    ///   - limit: jobs that may wait before new ones are refused.
    ///   - timeLimit: a job not started within this time is dropped (its caller gets `.timedOut`).
    public init(store: Store, sprites: SpriteSheet, workers: Int = ProcessInfo.processInfo.activeProcessorCount, limit: Int = 64,
                timeLimit: Duration = .seconds(20)) {
        self.workers = max(1, workers)
        self.limit = limit
        self.timeLimit = timeLimit
        let queue = self.queue
        for n in 0..<self.workers {
            let thread = Thread {
                let renderer = TileRenderer(store: store, sprites: sprites)
                while true {
                    queue.condition.lock()
                    while queue.jobs.isEmpty && !queue.stopped {
                        // Half a second with nothing to do after renders: hand the pages malloc
                        // keeps back to the OS (see `finishedSinceRelease`).
                        let woken = queue.condition.wait(until: Date(timeIntervalSinceNow: 0.5))
                        if !woken, queue.jobs.isEmpty, queue.running == 0, queue.finishedSinceRelease {
                            queue.finishedSinceRelease = false
                            queue.condition.unlock()
                            MemoryTrim.releaseFreeMemory()
                            queue.condition.lock()
                        }
                    }
                    if queue.jobs.isEmpty && queue.stopped {
                        queue.condition.unlock()
                        return
                    }
                    let job = queue.jobs.removeFirst()
                    queue.running += 1
                    queue.condition.unlock()
                    job.run(ContinuousClock.now > job.deadline ? nil : renderer)
                    queue.condition.lock()
                    queue.running -= 1
                    queue.finishedSinceRelease = true
                    queue.condition.unlock()
                }
            }
            thread.name = "onemap-render-\(n)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Jobs waiting plus jobs running.
    public var depth: Int {
        queue.condition.lock()
        defer { queue.condition.unlock() }
        return queue.jobs.count + queue.running
    }

    /// Runs `work` on a render thread.
    /// - Throws: `Failure.overloaded` when the queue is full, `.timedOut` when the job waited past
    ///   the time limit, or whatever `work` throws.
    public func submit<T: Sendable>(_ work: @escaping @Sendable (TileRenderer) throws -> T) async throws -> T {
        // The request's read scope goes along to the render thread.
        let scope = ReadScope.current
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(deadline: ContinuousClock.now + timeLimit) { renderer in
                guard let renderer else {
                    continuation.resume(throwing: Failure.timedOut)
                    return
                }
                do { continuation.resume(returning: try ReadScope.$current.withValue(scope) { try work(renderer) }) } catch {
                    continuation.resume(throwing: error)
                }
            }
            queue.condition.lock()
            if queue.jobs.count >= limit {
                queue.condition.unlock()
                continuation.resume(throwing: Failure.overloaded)
                return
            }
            queue.jobs.append(job)
            queue.condition.signal()
            queue.condition.unlock()
        }
    }

    /// Lets the threads finish their queues and exit.
    public func shutdown() {
        queue.condition.lock()
        queue.stopped = true
        queue.condition.broadcast()
        queue.condition.unlock()
    }
}
