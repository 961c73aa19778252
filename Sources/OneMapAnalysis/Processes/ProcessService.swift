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
    public func execute(_ processID: String, inputs: [String: JSONValue], for principal: Principal) async throws -> (job: JobRecord, results: JSONValue) {
        let process = try process(processID)
        let run = try process.prepare(ProcessInputs(inputs), for: principal)
        var started = newJob(processID, inputs: inputs, principal: principal, status: .running)
        started.started = started.created
        try store.jobs.insertJob(started)
        try audit(started, principal)
        let id = started.id
        do {
            let results = try await runner { try run.run(self.progressReporter(id)) }
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
        try store.jobs.insertJob(job)
        try audit(job, principal)
        let id = job.id
        Task {
            do {
                try self.update(id) { $0.status = .running; $0.started = Date().formatted(.iso8601) }
                let results = try await self.runner { try run.run(self.progressReporter(id)) }
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

    func audit(_ job: JobRecord, _ principal: Principal) throws {
        try store.audit(principal: principal, action: "process.execute", layerID: nil, detail: "\(job.processID) job \(job.id)")
    }

    func update(_ id: String, _ change: (inout JobRecord) -> Void) throws {
        guard var job = try store.jobs.job(id) else { return }
        guard job.status != .dismissed else { return }
        change(&job)
        try store.jobs.updateJob(job)
    }

    /// Reports progress to the store (at most every few percent) and stops a dismissed job.
    func progressReporter(_ id: String) -> ProcessProgress {
        let last = Mutex(-10)
        return { [self] percent, step in
            if dismissedWhileRunning.withLock({ $0.contains(id) }) { throw CancellationError() }
            let due = last.withLock { l -> Bool in
                guard percent >= l + 5 || percent == 100 else { return false }
                l = percent
                return true
            }
            if due { try? update(id) { $0.progress = min(100, max(0, percent)); $0.message = step } }
        } as ProcessProgress
    }

    func finish(_ id: String, results: JSONValue) throws -> JobRecord {
        dismissedWhileRunning.withLock { _ = $0.remove(id) }
        try update(id) { job in
            job.status = .successful
            job.progress = 100
            job.message = "完成"
            job.finished = Date().formatted(.iso8601)
            job.results = results.text
        }
        guard let job = try store.jobs.job(id) else { throw AnalysisError.noSuchJob(id) }
        return job
    }

    func fail(_ id: String, _ error: any Error) throws -> JobRecord? {
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
