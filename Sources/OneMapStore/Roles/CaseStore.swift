import OneMapGeometry

/// The cases role: 数字城管 cases (案卷) with their steps and attachments, in tables of their own.
/// The store also offers them as a read-only point layer (`cases`) so the tile service draws them
/// and OGC API – Features serves them; every write records the changed point in the change feed,
/// so exactly the tiles around it go stale, like any edit.
public protocol CaseStore: Sendable {
    /// Adds a case with its first step (and its audit record) in one transaction.
    /// - Returns: the case with its id.
    func insertCase(_ record: CaseRecord, step: CaseStep, audit: AuditEntry?) throws -> CaseRecord

    /// Changes a case from `previous` (as read) to `record` if it is still at `previous.version`:
    /// writes what changed (version + 1) and appends the step and the audit record, in one
    /// transaction.
    /// - Throws: `StoreError.staleVersion` when another change came first; `.featureNotFound`.
    func updateCase(_ record: CaseRecord, from previous: CaseRecord, step: CaseStep?, audit: AuditEntry?) throws -> CaseRecord

    func caseRecord(_ id: Int64) throws -> CaseRecord?
    func caseRecord(number: String) throws -> CaseRecord?
    /// The highest case number starting with `prefix` (a day's numbers share their date).
    func lastCaseNumber(prefix: String) throws -> String?
    func cases(_ query: CaseQuery) throws -> (cases: [CaseRecord], matched: Int)
    func caseSteps(_ caseID: Int64) throws -> [CaseStep]

    func addAttachment(_ attachment: CaseAttachment, audit: AuditEntry?) throws -> CaseAttachment
    /// Attachments of a case, without their bytes.
    func attachments(_ caseID: Int64) throws -> [CaseAttachment]
    func attachment(_ id: Int64) throws -> CaseAttachment?

    /// Marks open cases past their deadline overdue (and those no longer past it not), recording
    /// the changed points. - Returns: how many changed.
    func refreshOverdue(now: String) throws -> Int

    /// Case counts for evaluation: one row per case filed (立案) in [from, to) with what the
    /// metrics need, grouped by `group`.
    func evaluationRows(from: String, to: String, group: CaseGroup) throws -> [CaseEvaluationRow]

    /// Cases per unit grid reported in [from, to).
    func casesPerGrid(from: String, to: String) throws -> [(grid: String, count: Int)]

    /// Adds many cases at once (imports and the demo history) in one transaction.
    func insertCases(_ cases: [(CaseRecord, [CaseStep])]) throws -> Int

    /// The case layer's catalog entry (the managed point layer), creating it if missing.
    func ensureCaseLayer(title: String, access: AccessLevel) throws
}

/// One 数字城管 case.
public struct CaseRecord: Sendable, Hashable {
    public var id: Int64
    /// The case number: year, month, day and a sequence (`202612040001`).
    public var number: String
    /// 监督员, 热线, 视频, 公众, 上级交办, …
    public var source: String
    /// `event` or `component`.
    public var kind: String
    /// The class code (4 digits: major and minor) and names.
    public var classCode: String
    public var className: String
    public var majorName: String
    public var description: String
    public var address: String
    public var location: Coordinate
    public var gridCode: String
    public var communityCode: String
    public var communityName: String
    public var streetCode: String
    public var streetName: String
    /// The component the case is about, when it is one.
    public var componentCode: String?
    /// The department it is dispatched to (code), once dispatched.
    public var department: String?
    public var state: String
    public var urgent: Bool
    /// Who reported it (a supervisor's user name, or the hotline, …).
    public var reporter: String
    /// ISO 8601 times of the milestones (nil until reached).
    public var reportedAt: String
    public var filedAt: String?
    public var dispatchedAt: String?
    public var feedbackAt: String?
    public var closedAt: String?
    /// The current stage: when it started and when it is due (working time already applied).
    public var stage: String
    public var stageStartedAt: String
    public var stageDeadline: String?
    /// The handling (处置) limit in working minutes, and the minutes granted by extensions.
    public var handleLimitMinutes: Int
    public var extensionMinutes: Int
    /// Set while 挂账 (the clock stands), with the state to return to.
    public var suspendedAt: String?
    public var suspendedFrom: String?
    public var reworkCount: Int
    public var returnCount: Int
    /// Whether the dispatch and the handling were done within their limits (nil until done).
    public var dispatchOnTime: Bool?
    public var handleOnTime: Bool?
    public var overdue: Bool
    /// (used − limit) / limit of the handling stage when closed or now.
    public var overdueRatio: Double?
    public var version: Int

    public init(id: Int64 = 0, number: String, source: String, kind: String, classCode: String, className: String, majorName: String,
                description: String, address: String, location: Coordinate, gridCode: String, communityCode: String, communityName: String,
                streetCode: String, streetName: String, componentCode: String?, department: String?, state: String, urgent: Bool, reporter: String,
                reportedAt: String, stage: String, stageStartedAt: String, stageDeadline: String?, handleLimitMinutes: Int) {
        self.id = id
        self.number = number
        self.source = source
        self.kind = kind
        self.classCode = classCode
        self.className = className
        self.majorName = majorName
        self.description = description
        self.address = address
        self.location = location
        self.gridCode = gridCode
        self.communityCode = communityCode
        self.communityName = communityName
        self.streetCode = streetCode
        self.streetName = streetName
        self.componentCode = componentCode
        self.department = department
        self.state = state
        self.urgent = urgent
        self.reporter = reporter
        self.reportedAt = reportedAt
        self.stage = stage
        self.stageStartedAt = stageStartedAt
        self.stageDeadline = stageDeadline
        self.handleLimitMinutes = handleLimitMinutes
        extensionMinutes = 0
        reworkCount = 0
        returnCount = 0
        overdue = false
        version = 1
    }
}

/// One step of a case's history.
public struct CaseStep: Sendable, Hashable {
    public var id: Int64
    public var caseID: Int64
    public var action: String
    public var fromState: String?
    public var toState: String
    public var actor: String
    public var role: String
    public var at: String
    public var note: String?
    public var department: String?
    public var deadline: String?

    public init(id: Int64 = 0, caseID: Int64 = 0, action: String, fromState: String?, toState: String, actor: String, role: String, at: String,
                note: String? = nil, department: String? = nil, deadline: String? = nil) {
        self.id = id
        self.caseID = caseID
        self.action = action
        self.fromState = fromState
        self.toState = toState
        self.actor = actor
        self.role = role
        self.at = at
        self.note = note
        self.department = department
        self.deadline = deadline
    }
}

/// A photo or document attached to a case.
public struct CaseAttachment: Sendable, Hashable {
    public var id: Int64
    public var caseID: Int64
    public var name: String
    public var mediaType: String
    public var size: Int
    public var bytes: [UInt8]?
    public var at: String
    public var actor: String

    public init(id: Int64 = 0, caseID: Int64, name: String, mediaType: String, bytes: [UInt8], at: String, actor: String) {
        self.id = id
        self.caseID = caseID
        self.name = name
        self.mediaType = mediaType
        size = bytes.count
        self.bytes = bytes
        self.at = at
        self.actor = actor
    }
}

/// Which cases a list asks for.
public struct CaseQuery: Sendable {
    public var states: [String]?
    public var classCode: String?
    public var streetCode: String?
    public var communityCode: String?
    public var gridCode: String?
    public var department: String?
    public var overdue: Bool?
    public var reportedFrom: String?
    public var reportedTo: String?
    public var text: String?
    public var limit: Int
    public var offset: Int

    public init(states: [String]? = nil, classCode: String? = nil, streetCode: String? = nil, communityCode: String? = nil, gridCode: String? = nil,
                department: String? = nil, overdue: Bool? = nil, reportedFrom: String? = nil, reportedTo: String? = nil, text: String? = nil,
                limit: Int = 50, offset: Int = 0) {
        self.states = states
        self.classCode = classCode
        self.streetCode = streetCode
        self.communityCode = communityCode
        self.gridCode = gridCode
        self.department = department
        self.overdue = overdue
        self.reportedFrom = reportedFrom
        self.reportedTo = reportedTo
        self.text = text
        self.limit = limit
        self.offset = offset
    }
}

/// What evaluation groups cases by.
public enum CaseGroup: String, Sendable, CaseIterable {
    case street, community, grid, department, supervisor
}

/// The evaluation counts of one group.
public struct CaseEvaluationRow: Sendable, Hashable {
    public var key: String
    public var name: String
    /// Reported (上报) in the period.
    public var reported: Int
    /// Filed (立案).
    public var filed: Int
    /// Filed then voided (作废).
    public var voided: Int
    /// Filed and still suspended (挂账).
    public var suspended: Int
    public var dispatched: Int
    public var dispatchedOnTime: Int
    public var handled: Int
    public var handledOnTime: Int
    public var closed: Int
    public var closedOnTime: Int
    public var reworked: Int
    public var extended: Int
    public var returned: Int

    public init(key: String, name: String) {
        self.key = key
        self.name = name
        reported = 0; filed = 0; voided = 0; suspended = 0; dispatched = 0; dispatchedOnTime = 0; handled = 0; handledOnTime = 0
        closed = 0; closedOnTime = 0; reworked = 0; extended = 0; returned = 0
    }
}
