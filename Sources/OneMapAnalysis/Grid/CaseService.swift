import Foundation
import OneMapGeometry
import OneMapStore

/// A case as reported.
public struct CaseInput: Sendable {
    public var source: String
    /// `event` or `component`.
    public var kind: String
    /// The 4-digit class code (for components, taken from the component when not given).
    public var classCode: String?
    public var componentCode: String?
    public var description: String
    /// lon/lat; found from `address` (or the component) when nil.
    public var location: Coordinate?
    public var address: String?
    public var urgent: Bool

    public init(source: String, kind: String, classCode: String? = nil, componentCode: String? = nil, description: String,
                location: Coordinate? = nil, address: String? = nil, urgent: Bool = false) {
        self.source = source
        self.kind = kind
        self.classCode = classCode
        self.componentCode = componentCode
        self.description = description
        self.location = location
        self.address = address
        self.urgent = urgent
    }
}

/// An action on a case as requested.
public struct CaseActionInput: Sendable {
    public var action: String
    /// `dispatch`: the department (default: the suggested one).
    public var department: String?
    /// `extend`: working minutes granted.
    public var minutes: Int?
    public var note: String?
    /// The version the caller saw: a different current version is a conflict.
    public var version: Int?

    public init(action: String, department: String? = nil, minutes: Int? = nil, note: String? = nil, version: Int? = nil) {
        self.action = action
        self.department = department
        self.minutes = minutes
        self.note = note
        self.version = version
    }
}

/// Why a case action was refused.
public enum CaseError: Error, Equatable, Sendable {
    /// The action is not allowed from the case's state (409).
    case notAllowed(action: String, state: String, allowed: [String])
    /// The caller's roles do not include the action's (403).
    case forbidden(String)
    case noSuchCase(String)
    /// Another change to the case came first (409): reload and decide again.
    case staleVersion(expected: Int, actual: Int)
}

extension CaseError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notAllowed(let action, let state, let allowed):
            "\(action) is not allowed while the case is \(state)" + (allowed.isEmpty ? "" : " (allowed now: \(allowed.joined(separator: ", ")))")
        case .forbidden(let detail): detail
        case .noSuchCase(let id): "no case \(id)"
        case .staleVersion(let expected, let actual): "the case changed meanwhile (version \(actual), your request was based on \(expected)); reload it"
        }
    }
}

/// The 数字城管 centre's cases: reporting with geocoding, the workflow with its time limits in
/// working time, attachments, overdue marking and evaluation. Every action is one store
/// transaction with its step and its audit record; a stale version loses (409).
public final class CaseService: Sendable {
    public let store: Store
    public let rules: CaseRules
    public let calendar: WorkCalendar
    public let geocoder: Geocoder

    public init(store: Store, rules: CaseRules, calendar: WorkCalendar, geocoder: Geocoder) throws {
        self.store = store
        self.rules = rules
        self.calendar = calendar
        self.geocoder = geocoder
        try store.cases.ensureCaseLayer(title: "数字城管案件", access: .internal)
        try store.refresh()
    }

    /// The three rules files a centre needs, under `layersDirectory/rules`.
    public static func ruleFiles(in layersDirectory: String) -> [String] {
        [WorkCalendar.file(in: layersDirectory), CaseRules.file(in: layersDirectory), GeocodingRules.file(in: layersDirectory)]
    }

    /// The centre of a city from its rules files (nil when any of the three is missing).
    /// - Throws: `AnalysisError.invalidRules` with every problem of a broken file.
    public static func load(layersDirectory: String, store: Store) throws -> CaseService? {
        let paths = ruleFiles(in: layersDirectory)
        guard paths.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { return nil }
        let calendar = try WorkCalendar.load(path: paths[0])
        let rules = try CaseRules.load(path: paths[1], calendar: calendar)
        let geocoder = Geocoder(store: store, rules: try GeocodingRules.load(path: paths[2]))
        return try CaseService(store: store, rules: rules, calendar: calendar, geocoder: geocoder)
    }

    static func iso(_ d: Date) -> String { d.formatted(.iso8601) }
    static func date(_ s: String?) -> Date? { s.flatMap { try? Date($0, strategy: .iso8601) } }

    // MARK: access

    /// Reading cases needs the case layer (internal); acting needs the action's role.
    func checkRead(_ principal: Principal) throws {
        guard (try store.layerIfVisible("cases", for: principal)) != nil else { throw CaseError.forbidden("you may not see cases") }
    }

    func workflowRoles(_ principal: Principal) -> (roles: Set<CaseWorkflow.Role>, department: String?) {
        if principal == .system { return (Set(CaseWorkflow.Role.allCases), nil) }
        return CaseWorkflow.roles(of: principal.roles)
    }

    /// The actions `principal` may take on a case now.
    public func allowedActions(_ c: CaseRecord, for principal: Principal) -> [CaseWorkflow.Action] {
        let (roles, department) = workflowRoles(principal)
        return CaseWorkflow.actions.filter { a in
            guard a.from.contains(c.state), !roles.isDisjoint(with: a.roles) else { return false }
            // Department actions only on the department's own cases.
            if a.roles == [.department], principal != .system { return department != nil && department == c.department }
            return true
        }
    }

    // MARK: deadlines

    func handleLimit(kind: String, code: String, urgent: Bool) -> Int {
        guard let c = rules.caseClass(kind: kind, code: code) else { return 0 }
        return urgent ? (c.urgentHandle ?? c.handle).minutes : c.handle.minutes
    }

    /// When a stage starting at `start` is due.
    func deadline(stage: String?, from start: Date, _ c: CaseRecord) -> Date? {
        guard let minutes = limit(stage: stage, c) else { return nil }
        return calendar.adding(minutes: minutes, to: start, urgent: c.urgent)
    }

    /// The working minutes a stage is given (handling: the class's limit plus extensions).
    func limit(stage: String?, _ c: CaseRecord) -> Int? {
        guard let stage else { return nil }
        return stage == "handle" ? c.handleLimitMinutes + c.extensionMinutes : rules.stageLimits[stage]?.minutes
    }

    /// 超时倍数 = (用时 − 时限) / 时限 of the current stage at `now` (negative while in time).
    public func overdueRatio(_ c: CaseRecord, now: Date = Date()) -> Double? {
        // The stage's own limit, not the span since it started: 挂账 moved the deadline on.
        guard let deadline = Self.date(c.stageDeadline), let minutes = limit(stage: c.stage, c), minutes > 0 else { return nil }
        let limit = Double(minutes)
        let at = c.state == "suspended" ? (Self.date(c.suspendedAt) ?? now) : now
        let used = at > deadline ? limit + calendar.minutes(from: deadline, to: at, urgent: c.urgent) : limit - calendar.minutes(from: at, to: deadline, urgent: c.urgent)
        return (used - limit) / limit
    }

    // MARK: reporting

    /// Files a new report (上报): checks the class, places it (geocoding the address or taking the
    /// component's place), finds its grid, community and street, suggests the department.
    /// - Throws: `AnalysisError.invalidInput` for bad input, `CaseError.forbidden`.
    public func report(_ input: CaseInput, by principal: Principal, at now: Date = Date()) throws -> CaseRecord {
        let (roles, _) = workflowRoles(principal)
        guard !roles.isDisjoint(with: [.supervisor, .acceptor, .shiftleader]) else {
            throw CaseError.forbidden("reporting a case needs the supervisor, acceptor or shift leader role")
        }
        try checkRead(principal)
        var record = try prepare(input, for: principal, at: now)
        record.reporter = principal.name
        let step = CaseStep(action: "report", fromState: nil, toState: "reported", actor: principal.name, role: roles.contains(.supervisor) ? "supervisor" : "acceptor",
                            at: record.reportedAt, note: input.description, deadline: record.stageDeadline)
        for _ in 0..<5 {
            do {
                let stored = try store.cases.insertCase(record, step: step, audit: AuditEntry(principal: principal.name, action: "case.report", layerID: "cases",
                                                                                              detail: "\(record.number) \(record.className)"))
                try store.refresh()
                return stored
            } catch StoreError.invalidArgument(let m) where m.contains("exists") {
                record.number = try nextNumber(for: now)
            }
        }
        throw AnalysisError.invalidInput(input: "number", detail: "could not number the case; try again")
    }

    /// A case record from an input, not yet stored (also used by imports).
    func prepare(_ input: CaseInput, for principal: Principal, at now: Date) throws -> CaseRecord {
        guard rules.sources.contains(input.source) else {
            throw AnalysisError.invalidInput(input: "source", detail: "'\(input.source)' is not a case source (\(rules.sources.joined(separator: "、")))")
        }
        guard ["event", "component"].contains(input.kind) else { throw AnalysisError.invalidInput(input: "kind", detail: "must be event or component") }
        let description = input.description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !description.isEmpty, description.count <= 2000 else { throw AnalysisError.invalidInput(input: "description", detail: "must be 1–2000 characters") }
        var location = input.location
        var classCode = input.classCode
        if input.kind == "component" {
            guard let code = input.componentCode, code.count == 16, code.allSatisfy(\.isNumber) else {
                throw AnalysisError.invalidInput(input: "componentCode", detail: "a component case needs the component's 16-digit code")
            }
            guard let component = try geocoder.component(code: code, for: principal) else {
                throw AnalysisError.invalidInput(input: "componentCode", detail: "no component \(code)")
            }
            location = location ?? component.location
            classCode = classCode ?? component.classCode
        }
        guard let code = classCode, let caseClass = rules.caseClass(kind: input.kind, code: code) else {
            throw AnalysisError.invalidInput(input: "classCode", detail: "'\(classCode ?? "")' is not a \(input.kind) class of the city's rules")
        }
        var address = input.address ?? ""
        if location == nil {
            guard let text = input.address, let best = try geocoder.search(text, limit: 1, for: principal).first else {
                throw AnalysisError.invalidInput(input: "address", detail: "'\(input.address ?? "")' matches no place; give a location or another address")
            }
            location = best.location
            address = best.address
        }
        guard let point = location, point.x.isFinite, point.y.isFinite, abs(point.x) <= 180, abs(point.y) <= 90 else {
            throw AnalysisError.invalidInput(input: "location", detail: "must be [lon, lat]")
        }
        let grid = try geocoder.grid(at: point, for: principal)
        if address.isEmpty { address = (try geocoder.nearestAddress(to: point, for: principal))?.address ?? "\(grid.district)\(grid.streetName)\(grid.communityName)" }
        let limit = handleLimit(kind: input.kind, code: code, urgent: input.urgent)
        var record = CaseRecord(
            number: try nextNumber(for: now), source: input.source, kind: input.kind, classCode: code, className: caseClass.name, majorName: caseClass.major,
            description: description, address: address, location: point, gridCode: grid.gridCode, communityCode: grid.communityCode,
            communityName: grid.communityName, streetCode: grid.streetCode, streetName: grid.streetName, componentCode: input.componentCode,
            department: nil, state: "reported", urgent: input.urgent, reporter: principal.name, reportedAt: Self.iso(now), stage: "accept",
            stageStartedAt: Self.iso(now), stageDeadline: nil, handleLimitMinutes: limit)
        record.stageDeadline = deadline(stage: "accept", from: now, record).map(Self.iso)
        return record
    }

    /// The department a case would go to.
    public func suggestedDepartment(_ c: CaseRecord, for principal: Principal) -> String? {
        var componentDepartment: String?
        if c.kind == "component", let code = c.componentCode { componentDepartment = (try? geocoder.component(code: code, for: principal))??.department }
        return rules.suggestedDepartment(kind: c.kind, code: c.classCode, street: c.streetCode, componentDepartment: componentDepartment)
    }

    func nextNumber(for now: Date) throws -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = calendar.timeZone
        let d = cal.dateComponents([.year, .month, .day], from: now)
        let prefix = String(format: "%04d%02d%02d", d.year ?? 0, d.month ?? 0, d.day ?? 0)
        let last = try store.cases.lastCaseNumber(prefix: prefix)
        let n = last.flatMap { Int($0.dropFirst(prefix.count)) } ?? 0
        return prefix + String(format: "%04d", n + 1)
    }

    // MARK: the workflow

    /// Takes an action on a case.
    /// - Throws: `CaseError.noSuchCase`, `.notAllowed` (409), `.forbidden` (403),
    ///   `StoreError.staleVersion` (409), `AnalysisError.invalidInput`.
    public func act(on id: Int64, _ input: CaseActionInput, by principal: Principal, at now: Date = Date()) throws -> CaseRecord {
        try checkRead(principal)
        guard let current = try store.cases.caseRecord(id) else { throw CaseError.noSuchCase(String(id)) }
        guard let action = CaseWorkflow.action(input.action) else {
            throw AnalysisError.invalidInput(input: "action", detail: "unknown action '\(input.action)' (\(CaseWorkflow.actions.map(\.id).joined(separator: ", ")))")
        }
        if let version = input.version, version != current.version {
            throw CaseError.staleVersion(expected: version, actual: current.version)
        }
        guard action.from.contains(current.state) else {
            throw CaseError.notAllowed(action: action.id, state: current.state, allowed: allowedActions(current, for: principal).map(\.id))
        }
        guard allowedActions(current, for: principal).contains(action) else {
            throw CaseError.forbidden("\(action.name) (\(action.id)) needs the role \(action.roles.map(\.chinese).joined(separator: "或"))"
                                      + (action.roles == [.department] ? " of the department the case is dispatched to" : ""))
        }
        let (c, step) = try transition(current, action, input, by: principal, at: now)
        let stored: CaseRecord
        do {
            stored = try store.cases.updateCase(c, from: current, step: step,
                                                audit: AuditEntry(principal: principal.name, action: "case.\(action.id)", layerID: "cases", featureID: id,
                                                                  detail: "\(c.number): \(current.state) → \(c.state)"))
        } catch StoreError.staleVersion(_, let actual) {
            throw CaseError.staleVersion(expected: current.version, actual: Int(actual) ?? 0)
        }
        try store.refresh()
        return stored
    }

    /// What an action makes of a case (no store access): its new state, stage, deadline and
    /// counters, and the step to record. `act` stores it; the demo history replays it.
    func transition(_ current: CaseRecord, _ action: CaseWorkflow.Action, _ input: CaseActionInput, by principal: Principal,
                    at now: Date) throws -> (CaseRecord, CaseStep) {
        let (roles, _) = workflowRoles(principal)
        var c = current
        let at = Self.iso(now)
        var note = input.note
        func enter(_ state: String) {
            c.state = state
            let stage = CaseWorkflow.state(state)?.stage
            if let stage, stage != c.stage || state == "dispatched" {
                c.stage = stage
                c.stageStartedAt = at
                c.stageDeadline = deadline(stage: stage, from: now, c).map(Self.iso)
            } else if stage == nil {
                c.stageDeadline = nil
            }
        }
        switch action.id {
        case "accept": enter("accepted")
        case "file":
            c.filedAt = at
            enter("filed")
        case "reject", "void": enter(action.to!)
        case "dispatch":
            let department = input.department ?? suggestedDepartment(c, for: principal)
            guard let department, rules.department(department) != nil else {
                throw AnalysisError.invalidInput(input: "department", detail: "'\(input.department ?? "")' is not a department (\(rules.departments.map(\.code).joined(separator: ", ")))")
            }
            if c.dispatchOnTime == nil, let filed = Self.date(c.filedAt) {
                c.dispatchOnTime = calendar.minutes(from: filed, to: now, urgent: c.urgent) <= Double(rules.stageLimits["dispatch"]?.minutes ?? .max)
            }
            c.department = department
            c.dispatchedAt = at
            enter("dispatched")
            note = note ?? "派遣至 \(rules.department(department)?.name ?? department)"
        case "start": c.state = "handling"
        case "feedback":
            c.feedbackAt = at
            let deadline = Self.date(c.stageDeadline) ?? now
            c.handleOnTime = now <= deadline
            c.overdueRatio = overdueRatio(c, now: now)
            enter("feedback")
        case "return":
            c.returnCount += 1
            c.department = nil
            enter("filed")
        case "verify": enter("verified")
        case "rework":
            c.reworkCount += 1
            c.feedbackAt = nil
            c.handleOnTime = nil
            enter("dispatched")
        case "close":
            c.closedAt = at
            enter("closed")
        case "extend":
            guard let minutes = input.minutes, minutes > 0, minutes <= rules.maxExtension.minutes else {
                throw AnalysisError.invalidInput(input: "minutes", detail: "an extension needs 1–\(rules.maxExtension.minutes) working minutes (at most \(rules.maxExtension.text))")
            }
            c.extensionMinutes += minutes
            if let deadline = Self.date(c.stageDeadline) { c.stageDeadline = Self.iso(calendar.adding(minutes: minutes, to: deadline, urgent: c.urgent)) }
            note = note ?? "延期 \(minutes) 工作分钟"
        case "suspend":
            c.suspendedAt = at
            c.suspendedFrom = c.state
            c.state = "suspended"
        case "resume":
            // The clock stood while suspended: the time left then is the time left now.
            if let deadline = Self.date(c.stageDeadline), let since = Self.date(c.suspendedAt) {
                let left = deadline > since ? calendar.minutes(from: since, to: deadline, urgent: c.urgent) : 0
                c.stageDeadline = Self.iso(calendar.adding(minutes: Int(left.rounded()), to: now, urgent: c.urgent))
            }
            c.state = c.suspendedFrom ?? "filed"
            c.suspendedAt = nil
            c.suspendedFrom = nil
        default: break
        }
        c.overdue = CaseWorkflow.state(c.state)?.stage != nil && (Self.date(c.stageDeadline).map { now > $0 } ?? false)
        let role = action.roles.first { roles.contains($0) }?.rawValue ?? "system"
        let step = CaseStep(caseID: current.id, action: action.id, fromState: current.state, toState: c.state, actor: principal.name, role: role, at: at, note: note,
                            department: c.department, deadline: c.stageDeadline)
        return (c, step)
    }

    // MARK: reading

    public func detail(_ id: Int64, for principal: Principal) throws -> (record: CaseRecord, steps: [CaseStep], attachments: [CaseAttachment]) {
        try checkRead(principal)
        guard let c = try store.cases.caseRecord(id) else { throw CaseError.noSuchCase(String(id)) }
        return (c, try store.cases.caseSteps(id), try store.cases.attachments(id))
    }

    public func list(_ query: CaseQuery, for principal: Principal) throws -> (cases: [CaseRecord], matched: Int) {
        try checkRead(principal)
        guard (1...1000).contains(query.limit), query.offset >= 0 else { throw AnalysisError.invalidInput(input: "limit", detail: "limit must be 1–1000") }
        if let states = query.states {
            for s in states where CaseWorkflow.state(s) == nil { throw AnalysisError.invalidInput(input: "state", detail: "unknown state '\(s)'") }
        }
        return try store.cases.cases(query)
    }

    /// Attaches a photo to a case.
    public func attach(to id: Int64, name: String, mediaType: String, bytes: [UInt8], by principal: Principal, at now: Date = Date()) throws -> CaseAttachment {
        try checkRead(principal)
        let (roles, _) = workflowRoles(principal)
        guard !roles.isEmpty else { throw CaseError.forbidden("attaching needs a case role") }
        guard rules.attachmentTypes.contains(mediaType) else {
            throw AnalysisError.invalidInput(input: "attachment", detail: "\(mediaType) is not accepted (\(rules.attachmentTypes.joined(separator: ", ")))")
        }
        guard !bytes.isEmpty, bytes.count <= rules.maxAttachmentBytes else {
            throw AnalysisError.invalidInput(input: "attachment", detail: "must be 1 byte to \(rules.maxAttachmentBytes / 1024) KB")
        }
        // The bytes must be what they claim: a JPEG or PNG signature.
        let jpeg = bytes.starts(with: [0xFF, 0xD8, 0xFF]), png = bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        guard (mediaType == "image/jpeg" && jpeg) || (mediaType == "image/png" && png) else {
            throw AnalysisError.invalidInput(input: "attachment", detail: "the file is not a \(mediaType) image")
        }
        guard try store.cases.caseRecord(id) != nil else { throw CaseError.noSuchCase(String(id)) }
        guard try store.cases.attachments(id).count < rules.maxAttachments else {
            throw AnalysisError.invalidInput(input: "attachment", detail: "a case takes at most \(rules.maxAttachments) attachments")
        }
        let clean = String(name.unicodeScalars.filter { $0.value >= 0x20 && !"/\\\"".unicodeScalars.contains($0) }.prefix(100))
        return try store.cases.addAttachment(CaseAttachment(caseID: id, name: clean.isEmpty ? "photo" : clean, mediaType: mediaType, bytes: bytes,
                                                            at: Self.iso(now), actor: principal.name),
                                             audit: AuditEntry(principal: principal.name, action: "case.attach", layerID: "cases", featureID: id, detail: clean))
    }

    /// Marks open cases past their deadlines overdue (红灯); the case layer's tiles go stale.
    @discardableResult
    public func refreshOverdue(now: Date = Date()) throws -> Int {
        let n = try store.cases.refreshOverdue(now: Self.iso(now))
        if n > 0 { try store.refresh() }
        return n
    }
}
