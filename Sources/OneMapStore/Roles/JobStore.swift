/// The jobs role: analysis runs (OGC API – Processes jobs) kept in the store, so a job's status
/// and results survive the request that started it and the process that ran it.
public protocol JobStore: Sendable {
    /// Adds a job (status accepted or running), with its audit record in the same transaction.
    func insertJob(_ job: JobRecord, audit: AuditEntry?) throws
    /// Saves a job's status, progress, times, results or error.
    func updateJob(_ job: JobRecord) throws
    func job(_ id: String) throws -> JobRecord?
    /// Jobs newest first; `owner` nil for every owner's.
    func jobs(owner: String?, limit: Int) throws -> [JobRecord]
    /// Marks every accepted or running job failed with `reason` (a restart lost them).
    /// - Returns: how many were marked.
    func failUnfinishedJobs(reason: String) throws -> Int
}

/// One job as stored.
public struct JobRecord: Sendable, Hashable {
    public enum Status: String, Sendable, CaseIterable {
        case accepted, running, successful, failed, dismissed
    }

    public var id: String
    public var processID: String
    /// The principal who ran it: only they (or an administrator) see it.
    public var owner: String
    public var status: Status
    /// 0–100.
    public var progress: Int
    public var message: String?
    /// ISO 8601 UTC.
    public var created: String
    public var started: String?
    public var finished: String?
    /// The inputs as sent (JSON text).
    public var inputs: String
    /// The results (JSON text) of a successful job.
    public var results: String?
    /// A failed job's error: HTTP status and JSON `{"type", "title", "detail"}` text.
    public var errorStatus: Int?
    public var error: String?

    public init(id: String, processID: String, owner: String, status: Status, progress: Int = 0, message: String? = nil, created: String,
                started: String? = nil, finished: String? = nil, inputs: String, results: String? = nil, errorStatus: Int? = nil,
                error: String? = nil) {
        self.id = id
        self.processID = processID
        self.owner = owner
        self.status = status
        self.progress = progress
        self.message = message
        self.created = created
        self.started = started
        self.finished = finished
        self.inputs = inputs
        self.results = results
        self.errorStatus = errorStatus
        self.error = error
    }
}

extension JobStore {
    /// Adds a job without an audit record.
    public func insertJob(_ job: JobRecord) throws { try insertJob(job, audit: nil) }
}
