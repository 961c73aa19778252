import Foundation
import Synchronization

/// Token buckets per key (a token's id or a client address): `rate` requests a second on
/// average, bursts up to `burst`. Over the limit a request gets the time to wait instead.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    public let rate: Double
    public let burst: Double
    private struct State {
        var buckets: [String: Bucket] = [:]
        var lastPrune: ContinuousClock.Instant?
    }
    private let state = Mutex(State())
    /// Buckets kept before the full ones are forgotten (bounded memory).
    static let pruneAbove = 50_000

    /// - Parameters:
    ///   - rate: requests per second, sustained.
    ///   - burst: requests allowed at once.
    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// The tokens `b` holds at `now`.
    private func refilled(_ b: Bucket, _ now: ContinuousClock.Instant) -> Double {
        let elapsed = now - b.updated
        return min(burst, b.tokens + (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18) * rate)
    }

    /// Takes one request from `key`'s bucket: nil when allowed, else the seconds to wait.
    public func take(_ key: String, now: ContinuousClock.Instant = .now) -> Double? {
        state.withLock { state in
            var b = state.buckets[key].map { Bucket(tokens: refilled($0, now), updated: now) } ?? Bucket(tokens: burst, updated: now)
            defer {
                state.buckets[key] = b
                // Forget clients quiet long enough to have refilled (a full bucket is the same as
                // none), at most once a second.
                if state.buckets.count > Self.pruneAbove, state.lastPrune.map({ now - $0 > .seconds(1) }) ?? true {
                    state.buckets = state.buckets.filter { refilled($0.value, now) < burst }
                    state.lastPrune = now
                }
            }
            if b.tokens >= 1 {
                b.tokens -= 1
                return nil
            }
            return (1 - b.tokens) / rate
        }
    }

    /// Whether `key` could make a request now, without taking one.
    public func allows(_ key: String, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in state.buckets[key].map { refilled($0, now) >= 1 } ?? true }
    }

    /// Clients remembered (tests).
    var count: Int { state.withLock { $0.buckets.count } }
}

/// The server's limits: requests per client address and per token, and failed token attempts
/// per address (guessing tokens gets 429 long before it could succeed).
///
/// Loopback clients have no per-address request limit: behind a reverse proxy every client
/// arrives from 127.0.0.1 (limit there, in the proxy), and local scripts and benchmarks are the
/// operator's own. Their failed tokens still count.
public struct RateLimits: Sendable {
    public let requests: RateLimiter?
    public let failures: RateLimiter

    /// - Parameter requestsPerSecond: 0 turns the request limit off.
    public init(requestsPerSecond: Double, burst: Double, failuresPerMinute: Double) {
        requests = requestsPerSecond > 0 ? RateLimiter(rate: requestsPerSecond, burst: max(1, burst)) : nil
        failures = RateLimiter(rate: failuresPerMinute / 60, burst: failuresPerMinute)
    }

    /// Takes one request for a caller: nil when allowed, else the seconds to wait.
    /// - Parameters:
    ///   - user: the token's user, when the request carries a valid token.
    ///   - address: the client's IP address.
    public func take(user: String?, address: String) -> Double? {
        guard let requests else { return nil }
        if let user { return requests.take("user " + user) }
        if Self.isLoopback(address) { return nil }
        return requests.take("address " + address)
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }
}
