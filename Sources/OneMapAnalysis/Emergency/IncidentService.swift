import Foundation
import Synchronization
import OneMapGeometry
import OneMapStore

/// Why an incident request was refused.
public enum IncidentError: Error, Equatable, Sendable {
    /// The caller's roles do not include a command role (403).
    case forbidden(String)
    case noSuchIncident(Int64)
    /// Another change came first (409): reload and decide again.
    case staleVersion(expected: Int, actual: Int)
}

extension IncidentError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .forbidden(let m): m
        case .noSuchIncident(let id): "no incident \(id)"
        case .staleVersion(let e, let a): "the incident changed since version \(e) (it is at version \(a)); reload it and try again"
        }
    }
}

/// An incident as created or changed: nil fields keep their value (on change) or take their
/// default (on creation: status `reported`, time now, no notes).
public struct IncidentInput: Sendable {
    public var title: String?
    public var category: String?
    public var subtype: String?
    public var level: String?
    public var status: String?
    /// A point or an area in `crs`.
    public var geometry: Geometry?
    public var crs: CRS = .crs84
    public var occurredAt: String?
    public var notes: String?
    /// The version the caller saw (changes only).
    public var version: Int?

    public init() {}
}

/// Emergency incidents (突发事件): created and changed by the command roles, audited, read by
/// whoever may see the `incidents` layer. Each write moves the layer's change feed, so the
/// tiles around the incident go stale and live screens hear of it (`onChange`).
public final class IncidentService: Sendable {
    public let store: Store
    public let rules: EmergencyRules
    private let listeners = ListenerList<IncidentRecord>()

    public init(store: Store, rules: EmergencyRules) throws {
        self.store = store
        self.rules = rules
        try store.incidents.ensureIncidentLayer(title: "突发事件", access: .internal)
        try store.refresh()
    }

    /// Calls `body` after every stored change (on the writing thread).
    public func onChange(_ body: @escaping @Sendable (IncidentRecord) -> Void) { listeners.add(body) }

    public func isCommander(_ principal: Principal) -> Bool { !rules.commandRoles.isDisjoint(with: principal.roles) }

    /// - Throws: `StoreError.layerNotFound` (404) when the caller may not see incidents at all.
    public func checkRead(_ principal: Principal) throws { _ = try store.layer("incidents", for: principal) }

    public func list(openOnly: Bool, for principal: Principal) throws -> [IncidentRecord] {
        try checkRead(principal)
        return try store.incidents.incidents(statuses: openOnly ? rules.openStatuses : nil)
    }

    public func incident(_ id: Int64, for principal: Principal) throws -> IncidentRecord {
        try checkRead(principal)
        guard let r = try store.incidents.incident(id) else { throw IncidentError.noSuchIncident(id) }
        return r
    }

    public func create(_ input: IncidentInput, by principal: Principal, now: Date = Date()) throws -> IncidentRecord {
        try checkCommand(principal)
        let at = Self.iso(now)
        guard let title = input.title else { throw AnalysisError.invalidInput(input: "title", detail: "is required") }
        guard let category = input.category else { throw AnalysisError.invalidInput(input: "category", detail: "is required") }
        guard let subtype = input.subtype else { throw AnalysisError.invalidInput(input: "subtype", detail: "is required") }
        guard let level = input.level else { throw AnalysisError.invalidInput(input: "level", detail: "is required (I, II, III or IV)") }
        guard let geometry = input.geometry else { throw AnalysisError.invalidInput(input: "geometry", detail: "is required (a GeoJSON Point, Polygon or MultiPolygon)") }
        var record = IncidentRecord(title: title, category: category, subtype: subtype, level: level, status: input.status ?? "reported",
                                    geometry: geometry, occurredAt: input.occurredAt ?? at, updatedAt: at, notes: input.notes ?? "", reporter: principal.name)
        record = try checked(record, crs: input.crs)
        let stored = try store.incidents.insertIncident(record, audit: AuditEntry(principal: principal.name, action: "incident.create", layerID: "incidents",
                                                                                  detail: "\(record.title) \(record.subtype) \(record.level)级"))
        try store.refresh()
        listeners.call(stored)
        return stored
    }

    public func update(_ id: Int64, _ input: IncidentInput, by principal: Principal, now: Date = Date()) throws -> IncidentRecord {
        try checkCommand(principal)
        guard let current = try store.incidents.incident(id) else { throw IncidentError.noSuchIncident(id) }
        if let v = input.version, v != current.version { throw IncidentError.staleVersion(expected: v, actual: current.version) }
        var record = current
        if let v = input.title { record.title = v }
        if let v = input.category { record.category = v }
        if let v = input.subtype { record.subtype = v }
        if let v = input.level { record.level = v }
        if let v = input.status { record.status = v }
        if let v = input.geometry { record.geometry = v }
        if let v = input.occurredAt { record.occurredAt = v }
        if let v = input.notes { record.notes = v }
        record.updatedAt = Self.iso(now)
        record = try checked(record, crs: input.geometry == nil ? .cgcs2000 : input.crs)
        var changes: [String] = []
        if record.status != current.status { changes.append("\(current.status) → \(record.status)") }
        if record.level != current.level { changes.append("level \(current.level) → \(record.level)") }
        if record.geometry != current.geometry { changes.append("moved") }
        let stored: IncidentRecord
        do {
            stored = try store.incidents.updateIncident(record, expectedVersion: current.version,
                                                        audit: AuditEntry(principal: principal.name, action: "incident.update", layerID: "incidents", featureID: id,
                                                                          detail: changes.isEmpty ? "details" : changes.joined(separator: "; ")))
        } catch StoreError.staleVersion(_, let actual) {
            throw IncidentError.staleVersion(expected: current.version, actual: Int(actual) ?? 0)
        }
        try store.refresh()
        listeners.call(stored)
        return stored
    }

    func checkCommand(_ principal: Principal) throws {
        guard isCommander(principal) else {
            throw IncidentError.forbidden("creating or changing incidents needs one of the roles \(rules.commandRoles.sorted().joined(separator: ", "))")
        }
    }

    /// Validates a record against the rules; moves its geometry to CGCS2000 lon/lat.
    func checked(_ r: IncidentRecord, crs: CRS) throws -> IncidentRecord {
        var r = r
        r.title = r.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !r.title.isEmpty, r.title.count <= 200 else { throw AnalysisError.invalidInput(input: "title", detail: "must be 1–200 characters") }
        guard let category = rules.category(r.category) else {
            throw AnalysisError.invalidInput(input: "category", detail: "'\(r.category)' is not a category (\(rules.categories.map { "\($0.code) \($0.name)" }.joined(separator: ", ")))")
        }
        guard category.subtypes.contains(r.subtype) else {
            throw AnalysisError.invalidInput(input: "subtype", detail: "'\(r.subtype)' is not a subtype of \(category.name) (\(category.subtypes.joined(separator: "、")))")
        }
        guard rules.levelName(r.level) != nil else { throw AnalysisError.invalidInput(input: "level", detail: "must be I, II, III or IV") }
        guard rules.statusName(r.status) != nil else {
            throw AnalysisError.invalidInput(input: "status", detail: "must be one of \(rules.statuses.map(\.code).joined(separator: ", "))")
        }
        guard r.notes.count <= 4000 else { throw AnalysisError.invalidInput(input: "notes", detail: "must be at most 4000 characters") }
        guard Self.parseTime(r.occurredAt) != nil else { throw AnalysisError.invalidInput(input: "occurredAt", detail: "must be an ISO 8601 date and time") }
        switch r.geometry.type {
        case .point, .polygon, .multiPolygon: break
        default: throw AnalysisError.invalidInput(input: "geometry", detail: "must be a Point, Polygon or MultiPolygon")
        }
        r.geometry = try EmergencyPlace.lonLat(r.geometry, from: crs, input: "geometry")
        if r.geometry.type != .point {
            guard (try? GEOSContext().isValid(r.geometry)) == true else { throw AnalysisError.invalidInput(input: "geometry", detail: "is not a valid polygon") }
        }
        return r
    }

    static func iso(_ d: Date) -> String { d.formatted(.iso8601) }

    static func parseTime(_ s: String) -> Date? { try? Date(s, strategy: .iso8601) }

    /// The incident as the API gives it: a GeoJSON Feature.
    public func json(_ r: IncidentRecord) -> JSONValue {
        let category = rules.category(r.category)
        return .object([
            ("type", .string("Feature")), ("id", .number(Double(r.id))), ("geometry", GeoJSON.value(r.geometry)),
            ("properties", .object([
                ("title", .string(r.title)), ("category", .string(r.category)), ("categoryName", .string(category?.name ?? r.category)),
                ("subtype", .string(r.subtype)), ("level", .string(r.level)), ("levelName", .string(rules.levelName(r.level) ?? r.level)),
                ("status", .string(r.status)), ("statusName", .string(rules.statusName(r.status) ?? r.status)),
                ("occurredAt", .string(r.occurredAt)), ("updatedAt", .string(r.updatedAt)), ("notes", .string(r.notes)),
                ("reporter", .string(r.reporter)), ("version", .number(Double(r.version))),
            ])),
        ])
    }

    /// What the rules allow, for forms.
    public var rulesJSON: JSONValue {
        .object([
            ("categories", .array(rules.categories.map { c in
                .object([("code", .string(c.code)), ("name", .string(c.name)), ("subtypes", .array(c.subtypes.map { .string($0) }))])
            })),
            ("levels", .array(rules.levels.map { .object([("code", .string($0.code)), ("name", .string($0.name))]) })),
            ("statuses", .array(rules.statuses.map { .object([("code", .string($0.code)), ("name", .string($0.name))]) })),
            ("unitKinds", .object(rules.unitKinds.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ])
    }
}

/// Callbacks registered once and called from any thread.
final class ListenerList<Value: Sendable>: Sendable {
    private let bodies = Mutex<[@Sendable (Value) -> Void]>([])

    func add(_ body: @escaping @Sendable (Value) -> Void) { bodies.withLock { $0.append(body) } }

    func call(_ value: Value) { for body in bodies.withLock({ $0 }) { body(value) } }
}
