import Foundation
import Synchronization

/// One process's standing connection to the database, on a thread of its own:
/// - it LISTENs on the change channel and calls the observers when a change is announced
///   (so every instance drops stale tiles within a moment of an edit made through another);
/// - it holds a session advisory lock naming this process (`runner`), so other instances can
///   tell a job whose process died (its lock is gone) from one still running elsewhere.
/// When the connection breaks it reconnects, and calls the observers once (changes may have
/// been announced meanwhile).
final class PGListener: Sendable {
    let runner: Int32
    private let url: String
    private let channel: String
    /// Called with the newest announced change sequence (0 after a reconnection: unknown).
    private let observers = Mutex<[@Sendable (Int64) -> Void]>([])
    private let stopped = Atomic<Bool>(false)
    /// Set once the connection is up and the lock held.
    private let ready = Mutex<(up: Bool, error: StoreError?)>((false, nil))
    private let readyCondition = NSCondition()
    /// The advisory lock key space of runners (the first of the two int4 keys).
    static let runnerLockClass: Int32 = 7001
    /// How long a broken connection waits before it reconnects (and takes its lock again).
    static let reconnectDelay: TimeInterval = 1

    init(url: String, channel: String) {
        self.url = url
        self.channel = channel
        runner = Int32.random(in: 1...Int32.max)
    }

    /// Starts the thread and waits until it listens and holds its lock (or fails to connect).
    func start() throws {
        // A failure of an earlier start is not this one's.
        signal(false, nil)
        let thread = Thread { [self] in loop() }
        thread.name = "onemap-pg-listener"
        thread.start()
        readyCondition.lock()
        defer { readyCondition.unlock() }
        while true {
            let state = ready.withLock { $0 }
            if state.up { return }
            if let error = state.error { throw error }
            _ = readyCondition.wait(until: Date().addingTimeInterval(0.5))
        }
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    func observe(_ handler: @escaping @Sendable (Int64) -> Void) {
        observers.withLock { $0.append(handler) }
    }

    private func signal(_ up: Bool, _ error: StoreError?) {
        readyCondition.lock()
        ready.withLock { $0 = (up, error) }
        readyCondition.broadcast()
        readyCondition.unlock()
    }

    private func loop() {
        var first = true
        while !stopped.load(ordering: .relaxed) {
            do {
                let c = try PGConnection(url: url)
                try c.query("SELECT pg_advisory_lock($1::int4, $2::int4)", [.text(String(Self.runnerLockClass)), .text(String(runner))])
                try c.execute("LISTEN \(quoteIdentifier(channel))")
                if !first { notify(0) }
                first = false
                signal(true, nil)
                while !stopped.load(ordering: .relaxed) {
                    guard try c.waitForInput(timeout: 0.5) else { continue }
                    let announced = try c.notifications()
                    if !announced.isEmpty { notify(announced.compactMap { Int64($0.payload) }.max() ?? 0) }
                }
                return
            } catch let error as StoreError {
                if first {
                    signal(false, error)
                    return
                }
                Thread.sleep(forTimeInterval: Self.reconnectDelay)
            } catch {
                Thread.sleep(forTimeInterval: Self.reconnectDelay)
            }
        }
    }

    private func notify(_ sequence: Int64) {
        for handler in observers.withLock({ $0 }) { handler(sequence) }
    }
}
