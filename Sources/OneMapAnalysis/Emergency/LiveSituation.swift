import Foundation
import OneMapGeometry
import OneMapStore
import Synchronization

/// Why a position report was refused.
public enum LiveError: Error, Equatable, Sendable {
    /// The caller's roles include no unit or command role (403).
    case forbidden(String)
    /// More positions a second than the rules allow one caller (429, retry after the seconds).
    case rateLimited(retryAfter: Int)
}

extension LiveError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .forbidden(let m): m
        case .rateLimited(let s): "too many position reports; retry in \(s) s"
        }
    }
}

/// One thing a command screen hears: unit positions that changed, or an incident that changed.
public struct LiveEvent: Sendable {
    /// `positions`, `incident` or `snapshot`.
    public let kind: String
    /// The event's JSON, encoded once for every listener.
    public let data: [UInt8]
    public let sequence: Int
}

/// The live situation (态势): where every unit is, fed by `POST /live/positions` and fanned out,
/// with incident changes, to every command screen subscribed (`GET /live`). Positions are also
/// kept in the store for the replay of the last hours. A slow screen loses its oldest events
/// rather than holding up the others (each subscriber has a bounded buffer).
public final class LiveSituation: Sendable {
    public let store: Store
    public let rules: EmergencyRules
    private struct State {
        var latest: [String: UnitPosition] = [:]
        var subscribers: [Int: AsyncStream<LiveEvent>.Continuation] = [:]
        var nextID = 0
        var sequence = 0
        /// Per caller: tokens left and when last filled.
        var buckets: [String: (tokens: Double, at: Double)] = [:]
    }
    private let state = Mutex(State())
    /// Events a subscriber may fall behind by before its oldest are dropped.
    public static let subscriberBuffer = 256

    public init(store: Store, rules: EmergencyRules, incidents: IncidentService?) throws {
        self.store = store
        self.rules = rules
        // The last known place of every unit, from the stored positions.
        let since = Date().addingTimeInterval(-Double(rules.replayMinutes) * 60)
        for p in try store.incidents.positions(since: Self.iso(since)) { state.withLock { $0.latest[p.unit] = p } }
        incidents?.onChange { [weak self, weak incidents] record in
            guard let self, let incidents else { return }
            self.broadcast("incident", incidents.json(record))
        }
    }

    static func iso(_ d: Date) -> String { Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(d) }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Takes position reports from a unit (or a commander).
    /// - Throws: `LiveError.forbidden`, `.rateLimited`; `AnalysisError.invalidInput` for a bad
    ///   report (then none of the batch is kept).
    public func report(_ positions: [UnitPosition], by principal: Principal, now: Date = Date()) throws {
        guard !rules.unitRoles.isDisjoint(with: principal.roles) || !rules.commandRoles.isDisjoint(with: principal.roles) else {
            throw LiveError.forbidden("reporting positions needs one of the roles \(rules.unitRoles.union(rules.commandRoles).sorted().joined(separator: ", "))")
        }
        guard !positions.isEmpty, positions.count <= rules.maxPositionsPerRequest else {
            throw AnalysisError.invalidInput(input: "positions", detail: "must hold 1–\(rules.maxPositionsPerRequest) positions")
        }
        let at = Self.iso(now)
        var checked: [UnitPosition] = []
        for (i, p) in positions.enumerated() {
            var p = p
            guard p.unit.wholeMatch(of: /[A-Za-z0-9_.\-]{1,64}/) != nil else {
                throw AnalysisError.invalidInput(input: "positions[\(i)].unit", detail: "must be 1–64 letters, digits, '-', '_' or '.'")
            }
            guard rules.unitKinds[p.kind] != nil else {
                throw AnalysisError.invalidInput(input: "positions[\(i)].kind", detail: "must be one of \(rules.unitKinds.keys.sorted().joined(separator: ", "))")
            }
            guard p.location.x.isFinite, p.location.y.isFinite, abs(p.location.x) <= 180, abs(p.location.y) <= 90 else {
                throw AnalysisError.invalidInput(input: "positions[\(i)].location", detail: "must be [lon, lat] within ±180 and ±90")
            }
            if let h = p.heading, !(h.isFinite && h >= 0 && h < 360) { throw AnalysisError.invalidInput(input: "positions[\(i)].heading", detail: "must be 0–360") }
            if let s = p.speed, !(s.isFinite && s >= 0 && s < 500) { throw AnalysisError.invalidInput(input: "positions[\(i)].speed", detail: "must be 0–500 km/h") }
            guard p.name.count <= 100 else { throw AnalysisError.invalidInput(input: "positions[\(i)].name", detail: "must be at most 100 characters") }
            if p.name.isEmpty { p.name = p.unit }
            p.at = at
            p.reporter = principal.name
            checked.append(p)
        }
        try take(Double(checked.count), for: principal.name, now: now.timeIntervalSince1970)
        try store.incidents.appendPositions(checked, keepSince: Self.iso(now.addingTimeInterval(-Double(rules.replayMinutes) * 60)))
        state.withLock { s in for p in checked { s.latest[p.unit] = p } }
        broadcast("positions", .object([("positions", .array(checked.map(Self.json)))]))
    }

    /// A token bucket per caller: `maxPositionsPerSecondPerToken` a second, a second's worth of burst.
    private func take(_ n: Double, for name: String, now: Double) throws {
        let rate = rules.maxPositionsPerSecondPerToken
        try state.withLock { s in
            var b = s.buckets[name] ?? (rate, now)
            b.tokens = min(rate, b.tokens + max(0, now - b.at) * rate)
            b.at = max(b.at, now)
            guard b.tokens >= n else {
                s.buckets[name] = b
                throw LiveError.rateLimited(retryAfter: max(1, Int(((n - b.tokens) / rate).rounded(.up))))
            }
            b.tokens -= n
            s.buckets[name] = b
        }
    }

    /// Every unit's last known position.
    public var units: [UnitPosition] { state.withLock { Array($0.latest.values) }.sorted { $0.unit < $1.unit } }

    /// Events from now on, beginning with a snapshot of every unit and open incident.
    public func subscribe(incidents: [JSONValue]) -> AsyncStream<LiveEvent> {
        let (stream, continuation) = AsyncStream<LiveEvent>.makeStream(bufferingPolicy: .bufferingNewest(Self.subscriberBuffer))
        let snapshot = JSONValue.object([("units", .array(units.map(Self.json))), ("incidents", .array(incidents))])
        let id = state.withLock { s -> Int in
            s.nextID += 1
            s.subscribers[s.nextID] = continuation
            continuation.yield(LiveEvent(kind: "snapshot", data: Array(snapshot.text.utf8), sequence: s.sequence))
            return s.nextID
        }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) } }
        return stream
    }

    /// Ends every subscription (the server is shutting down: open streams end so it can).
    public func close() {
        let all = state.withLock { s in Array(s.subscribers.values) }
        for c in all { c.finish() }
    }

    /// A keep-alive to every subscriber (a screen that went away is noticed when it fails).
    public func ping() {
        state.withLock { s in for c in s.subscribers.values { c.yield(LiveEvent(kind: "ping", data: [], sequence: s.sequence)) } }
    }

    func broadcast(_ kind: String, _ value: JSONValue) {
        let data = Array(value.text.utf8)
        state.withLock { s in
            s.sequence += 1
            let event = LiveEvent(kind: kind, data: data, sequence: s.sequence)
            for c in s.subscribers.values { c.yield(event) }
        }
    }

    /// The track of every unit over the last `minutes`: a GeoJSON line per unit with its times.
    public func replay(minutes: Int, now: Date = Date()) throws -> JSONValue {
        guard (1...rules.replayMinutes).contains(minutes) else {
            throw AnalysisError.invalidInput(input: "minutes", detail: "must be 1–\(rules.replayMinutes)")
        }
        var tracks: [String: [UnitPosition]] = [:]
        for p in try store.incidents.positions(since: Self.iso(now.addingTimeInterval(-Double(minutes) * 60))) { tracks[p.unit, default: []].append(p) }
        let features: [JSONValue] = tracks.keys.sorted().map { unit in
            let ps = tracks[unit]!
            let coordinates = ps.map(\.location)
            return .object([
                ("type", .string("Feature")), ("id", .string(unit)),
                ("geometry", GeoJSON.value(coordinates.count == 1 ? .point(coordinates[0]) : .lineString(coordinates))),
                ("properties", .object([("unit", .string(unit)), ("kind", .string(ps.last!.kind)), ("name", .string(ps.last!.name)),
                                        ("times", .array(ps.map { .string($0.at) })), ("from", .string(ps.first!.at)), ("to", .string(ps.last!.at))])),
            ])
        }
        return .object([("type", .string("FeatureCollection")), ("minutes", .number(Double(minutes))), ("features", .array(features))])
    }

    public static func json(_ p: UnitPosition) -> JSONValue {
        .object([
            ("unit", .string(p.unit)), ("kind", .string(p.kind)), ("name", .string(p.name)), ("location", .numbers([p.location.x, p.location.y])),
            ("heading", p.heading.map { .number($0) } ?? .null), ("speed", p.speed.map { .number($0) } ?? .null), ("at", .string(p.at)),
        ])
    }
}
