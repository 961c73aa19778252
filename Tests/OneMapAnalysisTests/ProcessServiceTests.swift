import Foundation
import OneMapGeometry
import OneMapTestSupport
import Synchronization
import Testing

@testable import OneMapAnalysis
@testable import OneMapStore

/// A process that waits until told to finish (so tests can look at a job while it runs).
struct GateProcess: AnalysisProcess {
    final class Gate: Sendable {
        let open = Atomic<Bool>(false)
        let started = Atomic<Bool>(false)
    }
    let gate: Gate

    var description: ProcessDescription {
        ProcessDescription(id: "gate", title: "门", description: "waits for the test", keywords: [], inputs: [], outputs: [.init("n", title: "n", description: "", schema: .null)])
    }

    func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun {
        try inputs.only(["n"])
        let n = try inputs.number("n") ?? 1
        let gate = self.gate
        return PreparedRun { progress in
            gate.started.store(true, ordering: .relaxed)
            while !gate.open.load(ordering: .relaxed) {
                try progress(50, "waiting")
                Thread.sleep(forTimeInterval: 0.01)
            }
            return .object([("n", .number(n * 2))])
        }
    }
}

/// Runs blocking work on a plain thread.
let threadRunner: ProcessService.Runner = { work in
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<JSONValue, any Error>) in
        Thread { do { c.resume(returning: try work()) } catch { c.resume(throwing: error) } }.start()
    }
}

@Suite struct ProcessServiceTests {
    let alice = Principal(name: "alice", roles: ["viewer"], level: .internal)
    let bob = Principal(name: "bob", roles: ["viewer"], level: .internal)

    func waitFor(_ condition: () throws -> Bool) async throws {
        for _ in 0..<500 where try !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try condition())
    }

    @Test func aSynchronousRunIsAJobOnRecordWithItsResults() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let service = try ProcessService(store: city.store, processes: [SiteReviewProcess(store: city.store, rules: city.rules)], runner: threadRunner)
        let site = GeoJSON.value(PlanningCity.box(116.822, 38.305, 116.826, 38.309))
        let (job, document) = try await service.execute("site-review", inputs: ["site": site, "use": .string("0701")], for: alice)
        let results = document.value
        #expect(try JSONValue.parse(document.text) == results)
        #expect(job.status == .successful && job.progress == 100 && job.owner == "alice")
        #expect(results["report"]?["status"]?.string == "warning")  // hazmat_sites is confidential: left out for alice
        #expect(try service.results(job.id, for: alice) == results)
        #expect(throws: AnalysisError.noSuchJob(job.id)) { _ = try service.job(job.id, for: bob) }
        #expect(try service.job(job.id, for: .system).id == job.id)
        #expect(try city.store.auditRecords().contains { $0.action == "process.execute" && $0.principal == "alice" && $0.detail?.contains(job.id) == true })
    }

    @Test func anAsynchronousJobIsRegisteredAtOnceAndReportsItsProgress() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let gate = GateProcess.Gate()
        let service = try ProcessService(store: city.store, processes: [GateProcess(gate: gate)], runner: threadRunner)
        let job = try service.submit("gate", inputs: ["n": .number(21)], for: alice)
        #expect(job.status == .accepted)
        #expect(try service.job(job.id, for: alice).id == job.id)
        try await waitFor { try service.job(job.id, for: alice).status == .running && gate.started.load(ordering: .relaxed) }
        try await waitFor { try service.job(job.id, for: alice).progress == 50 }
        #expect(throws: AnalysisError.resultNotReady(job.id)) { _ = try service.results(job.id, for: alice) }
        gate.open.store(true, ordering: .relaxed)
        try await waitFor { try service.job(job.id, for: alice).status == .successful }
        #expect(try service.results(job.id, for: alice)["n"]?.number == 42)
        #expect(try service.jobs(for: alice).map(\.id) == [job.id] && (try service.jobs(for: bob)).isEmpty)
    }

    @Test func aDismissedJobStopsAndHasNoResults() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let gate = GateProcess.Gate()
        let service = try ProcessService(store: city.store, processes: [GateProcess(gate: gate)], runner: threadRunner)
        let job = try service.submit("gate", inputs: [:], for: alice)
        try await waitFor { gate.started.load(ordering: .relaxed) }
        #expect(throws: AnalysisError.noSuchJob(job.id)) { _ = try service.dismiss(job.id, for: bob) }
        #expect(try service.dismiss(job.id, for: alice).status == .dismissed)
        try await Task.sleep(for: .milliseconds(100))
        #expect(try service.job(job.id, for: alice).status == .dismissed)
        #expect(throws: AnalysisError.self) { _ = try service.results(job.id, for: alice) }
    }

    @Test func aRestartMarksRunningJobsFailedWithAReason() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        // On PostGIS several instances share the jobs: the lost job is another process's, which
        // has ended (a job of this live process would be left running, see the next test).
        func insert(_ runner: Store) throws {
            try runner.jobs.insertJob(JobRecord(id: "lost", processID: "site-review", owner: "alice", status: .running, created: "2026-12-04T08:00:00Z", inputs: "{}"))
            try runner.jobs.insertJob(JobRecord(id: "done", processID: "site-review", owner: "alice", status: .successful, created: "2026-12-04T07:00:00Z", inputs: "{}", results: "{}"))
        }
        if TestStores.onPostGIS {
            do { try insert(try Store(path: city.store.path)) }
            try TestStores.waitUntilNoRunnerHoldsItsLock(city.store.path)
        } else {
            try insert(city.store)
        }
        let service = try ProcessService(store: city.store, processes: [], runner: threadRunner)
        let lost = try service.job("lost", for: alice)
        #expect(lost.status == .failed && lost.message?.contains("restarted") == true && lost.finished != nil)
        #expect(try service.job("done", for: alice).status == .successful)
    }

    @Test(.enabled(if: TestStores.onPostGIS, "instances share jobs only on PostGIS"))
    func aStartingInstanceLeavesTheJobsOfLiveInstancesRunning() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let other = try Store(path: city.store.path)
        try other.jobs.insertJob(JobRecord(id: "elsewhere", processID: "site-review", owner: "alice", status: .running, created: "2026-12-04T08:00:00Z", inputs: "{}"))
        let service = try ProcessService(store: city.store, processes: [], runner: threadRunner)
        #expect(try service.job("elsewhere", for: alice).status == .running)
        _ = other
    }

    @Test func badInputsWriteNoJob() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let service = try ProcessService(store: city.store, processes: [SiteReviewProcess(store: city.store, rules: city.rules)], runner: threadRunner)
        let square = GeoJSON.value(PlanningCity.box(116.822, 38.305, 116.826, 38.309))
        let bad: [[String: JSONValue]] = [
            [:],
            ["site": square],
            ["site": square, "use": .string("7777")],
            ["site": .string("POLYGON"), "use": .string("0701")],
            ["site": GeoJSON.value(.point(Coordinate(116.8, 38.3))), "use": .string("0701")],
            ["site": square, "use": .string("0701"), "crs": .string("EPSG:999999")],
            ["site": square, "use": .string("0701"), "colour": .string("red")],
            ["siteLayer": .string("planning"), "siteFeatureId": .number(999), "use": .string("0701")],
            // A number no feature id can hold (it once stopped the process).
            ["siteLayer": .string("nosuch"), "siteFeatureId": .number(1e300), "use": .string("0701")],
        ]
        for inputs in bad {
            await #expect(throws: AnalysisError.self) { _ = try await service.execute("site-review", inputs: inputs, for: alice) }
            #expect(throws: AnalysisError.self) { _ = try service.submit("site-review", inputs: inputs, for: alice) }
        }
        #expect(throws: AnalysisError.noSuchProcess("nope")) { _ = try service.submit("nope", inputs: [:], for: alice) }
        #expect(try city.store.jobs.jobs(owner: nil, limit: 100).isEmpty)
        // A stored parcel as the site.
        let (job, document) = try await service.execute("site-review", inputs: ["siteLayer": .string("planning"), "siteFeatureId": .number(1), "use": .string("0701")], for: .system)
        let results = document.value
        #expect(job.status == .successful && results["report"]?["project"]?["siteReference"]?.string == "planning/1")
    }
}
