import Foundation
import OneMapGeometry
import OneMapStore
import Synchronization

/// The analyses offered as OGC API – Processes, and their jobs. Every execution, synchronous
/// or not, is a job kept in the store (so "who ran what, when, on which data" stays on record,
/// as GB/T 39972 asks); a job is seen only by the caller who ran it and by administrators. Jobs
/// that were running when the process stopped are marked failed, with the reason, at start.
public final class ProcessService: Sendable {
    /// Runs blocking work off the event loops (the server's blocking pool).
    public typealias Runner = @Sendable (@escaping @Sendable () throws -> JSONValue) async throws -> JSONValue

    public let store: Store
    private let ordered: [any AnalysisProcess]
    private let byID: [String: any AnalysisProcess]
    private let runner: Runner
    private let dismissedWhileRunning = Mutex<Set<String>>([])
    /// The records of jobs running in this process: updates change them here and write them
    /// through, without reading them back.
    private let live = Mutex<[String: JobRecord]>([:])
    /// Progress is written at most this often (a status reader polls; a quick job writes none).
    static let progressInterval = Duration.milliseconds(500)

    /// - Throws: when the store cannot mark lost jobs failed.
    public init(store: Store, processes: [any AnalysisProcess], runner: @escaping Runner) throws {
        self.store = store
        ordered = processes
        byID = Dictionary(uniqueKeysWithValues: processes.map { ($0.description.id, $0) })
        self.runner = runner
        _ = try store.jobs.failUnfinishedJobs(reason: "服务重启，任务未能完成（the server restarted while the job was running）")
    }

    public var processes: [ProcessDescription] { ordered.map(\.description) }

    /// - Throws: `AnalysisError.noSuchProcess`.
    public func process(_ id: String) throws -> any AnalysisProcess {
        guard let p = byID[id] else { throw AnalysisError.noSuchProcess(id) }
        return p
    }

    /// Runs a process and waits for it: the job is recorded as running, then as successful with
    /// its results or failed with its error.
    /// - Throws: input errors before any job is recorded; the run's error after recording it.
    public func execute(_ processID: String, inputs: [String: JSONValue], for principal: Principal) async throws -> (job: JobRecord, results: ResultsDocument) {
        let process = try process(processID)
        // Preparing reads the store (a flood reads its DEM): on the runner, like the run.
        let prepared = Mutex<PreparedRun?>(nil)
        _ = try await runner {
            let run = try process.prepare(ProcessInputs(inputs), for: principal)
            prepared.withLock { $0 = run }
            return .null
        }
        guard let run = prepared.withLock({ $0 }) else { throw AnalysisError.noSuchProcess(processID) }
        var started = newJob(processID, inputs: inputs, principal: principal, status: .running)
        started.started = started.created
        try record(started, principal)
        let id = started.id
        do {
            let results = ResultsDocument(try await runner { try run.run(self.progressReporter(id)) })
            return (try finish(id, results: results), results)
        } catch {
            _ = try? fail(id, error)
            throw error
        }
    }

    /// Starts a process and returns at once: the job is recorded (accepted) before this returns,
    /// then runs in the background.
    /// - Throws: input errors, before any job is recorded.
    public func submit(_ processID: String, inputs: [String: JSONValue], for principal: Principal) throws -> JobRecord {
        let process = try process(processID)
        let run = try process.prepare(ProcessInputs(inputs), for: principal)
        let job = newJob(processID, inputs: inputs, principal: principal, status: .accepted)
        try record(job, principal)
        let id = job.id
        Task {
            do {
                try self.update(id) { $0.status = .running; $0.started = Date().formatted(.iso8601) }
                let results = ResultsDocument(try await self.runner { try run.run(self.progressReporter(id)) })
                _ = try self.finish(id, results: results)
            } catch {
                _ = try? self.fail(id, error)
            }
        }
        return job
    }

    /// A job the caller may see.
    /// - Throws: `AnalysisError.noSuchJob` (also for another caller's job).
    public func job(_ id: String, for principal: Principal) throws -> JobRecord {
        guard let job = try store.jobs.job(id), Self.mayRead(job, principal) else { throw AnalysisError.noSuchJob(id) }
        return job
    }

    /// The caller's jobs (an administrator's: everyone's), newest first.
    public func jobs(for principal: Principal, limit: Int = 100) throws -> [JobRecord] {
        try store.jobs.jobs(owner: Self.isAdministrator(principal) ? nil : principal.name, limit: limit)
    }

    /// A finished job's results document.
    /// - Throws: `.noSuchJob`, `.resultNotReady` while it runs, `.jobFailed` when it failed or was dismissed.
    public func results(_ id: String, for principal: Principal) throws -> JSONValue {
        let job = try job(id, for: principal)
        switch job.status {
        case .accepted, .running: throw AnalysisError.resultNotReady(id)
        case .dismissed: throw AnalysisError.jobFailed("job '\(id)' was dismissed")
        case .failed: throw AnalysisError.jobFailed(job.message ?? "job '\(id)' failed")
        case .successful:
            guard let text = job.results, let value = try? JSONValue.parse(text) else { throw AnalysisError.jobFailed("job '\(id)' has no results") }
            return value
        }
    }

    /// Dismisses a job: a running one stops at its next progress report; a finished one is
    /// marked dismissed and its results dropped.
    public func dismiss(_ id: String, for principal: Principal) throws -> JobRecord {
        var job = try job(id, for: principal)
        if job.status == .accepted || job.status == .running { dismissedWhileRunning.withLock { _ = $0.insert(id) } }
        live.withLock { $0[id]?.status = .dismissed }
        job.status = .dismissed
        job.message = "dismissed by \(principal.name)"
        job.finished = job.finished ?? Date().formatted(.iso8601)
        job.results = nil
        try store.jobs.updateJob(job)
        try store.audit(principal: principal, action: "process.dismiss", layerID: nil, detail: "\(job.processID) job \(id)")
        return job
    }

    // MARK: steps

    static func isAdministrator(_ principal: Principal) -> Bool { principal == .system || principal.roles.contains("admin") }

    static func mayRead(_ job: JobRecord, _ principal: Principal) -> Bool { job.owner == principal.name || isAdministrator(principal) }

    func newJob(_ processID: String, inputs: [String: JSONValue], principal: Principal, status: JobRecord.Status) -> JobRecord {
        JobRecord(id: UUID().uuidString.lowercased(), processID: processID, owner: principal.name, status: status,
                  created: Date().formatted(.iso8601), inputs: JSONValue.object(inputs.sorted { $0.key < $1.key }).text)
    }

    /// Writes a new job with its audit record, and keeps it as live.
    func record(_ job: JobRecord, _ principal: Principal) throws {
        try store.jobs.insertJob(job, audit: AuditEntry(principal: principal.name, action: "process.execute", detail: "\(job.processID) job \(job.id)"))
        live.withLock { $0[job.id] = job }
    }

    /// Changes a live job and writes it (a dismissed job is left as it is).
    @discardableResult
    func update(_ id: String, _ change: (inout JobRecord) -> Void) throws -> JobRecord? {
        let known = live.withLock { $0[id] }
        guard var job = try known ?? store.jobs.job(id), job.status != .dismissed else { return nil }
        change(&job)
        let changed: JobRecord? = live.withLock { jobs in
            // Dismissed meanwhile: leave it so.
            if jobs[id]?.status == .dismissed { return nil }
            if jobs[id] != nil { jobs[id] = job }
            return job
        }
        if let changed { try store.jobs.updateJob(changed) }
        return changed
    }

    /// Reports progress to the store (at most every few percent) and stops a dismissed job.
    func progressReporter(_ id: String) -> ProcessProgress {
        let last = Mutex(ContinuousClock.now)
        return { [self] percent, step in
            if dismissedWhileRunning.withLock({ $0.contains(id) }) { throw CancellationError() }
            let due = percent < 100 && last.withLock { t -> Bool in
                guard ContinuousClock.now - t >= Self.progressInterval else { return false }
                t = .now
                return true
            }
            if due { _ = try? update(id) { $0.progress = min(99, max(0, percent)); $0.message = step } }
        } as ProcessProgress
    }

    func finish(_ id: String, results: ResultsDocument) throws -> JobRecord {
        dismissedWhileRunning.withLock { _ = $0.remove(id) }
        defer { live.withLock { _ = $0.removeValue(forKey: id) } }
        let done = try update(id) { job in
            job.status = .successful
            job.progress = 100
            job.message = "完成"
            job.finished = Date().formatted(.iso8601)
            job.results = results.text
        }
        if let done { return done }
        guard let job = try store.jobs.job(id) else { throw AnalysisError.noSuchJob(id) }
        return job
    }

    func fail(_ id: String, _ error: any Error) throws -> JobRecord? {
        defer { live.withLock { _ = $0.removeValue(forKey: id) } }
        let wasDismissed = dismissedWhileRunning.withLock { $0.remove(id) != nil }
        if wasDismissed { return try store.jobs.job(id) }
        let (status, title) = Self.classify(error)
        try update(id) { job in
            job.status = .failed
            job.finished = Date().formatted(.iso8601)
            job.message = "\(error)"
            job.errorStatus = status
            job.error = JSONValue.object([("type", .string("about:blank")), ("title", .string(title)), ("detail", .string("\(error)"))]).text
        }
        return try store.jobs.job(id)
    }

    /// A failed run's HTTP status and title: input and store-input errors are the client's (400).
    static func classify(_ error: any Error) -> (Int, String) {
        switch error {
        case let e as AnalysisError:
            if case .invalidInput = e { return (400, "InvalidParameterValue") }
            return (500, "ProcessFailed")
        case let e as StoreError:
            switch e {
            case .invalidArgument, .invalidGeometry, .invalidAttribute: return (400, "InvalidParameterValue")
            default: return (500, "ProcessFailed")
            }
        case is GeometryError: return (400, "InvalidParameterValue")
        default: return (500, "ProcessFailed")
        }
    }
}

/// A run's results document (output id → value) and its JSON text, each output written once
/// (the text is stored with the job and sent as it is).
public struct ResultsDocument: Sendable {
    public let value: JSONValue
    /// Each output's JSON text, in order.
    public let outputs: [(id: String, text: String)]

    init(_ value: JSONValue) {
        self.value = value
        outputs = (value.object ?? []).map { ($0.0, $0.1.text) }
    }

    /// The whole document as JSON text.
    public var text: String {
        var out = "{"
        for (i, o) in outputs.enumerated() {
            if i > 0 { out += "," }
            JSONValue.quote(o.id, into: &out)
            out += ":" + o.text
        }
        return out + "}"
    }
}
