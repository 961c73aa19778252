import Foundation
import GRDB
import OneMapGeometry
@testable import OneMapStore
import OneMapTestSupport
import Testing

@testable import OneMapAnalysis

/// A moment in Beijing time.
func beijing(_ text: String) -> Date { try! Date(text + "+08:00", strategy: .iso8601) }

/// The work calendar against known answers.
@Suite struct WorkCalendarTests {
    static let repositoryCalendar = GridCity.repository.appendingPathComponent("Layers/rules/calendar.json").path

    /// The repository's calendar with changes to its holidays and working weekends.
    static func calendar(holidays: [String] = [], workingWeekends: [String] = []) throws -> WorkCalendar {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: repositoryCalendar))) as! [String: Any]
        json["holidays"] = holidays
        json["workingWeekends"] = workingWeekends
        let path = NSTemporaryDirectory() + "calendar-\(UUID().uuidString).json"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try WorkCalendar.load(path: path)
    }

    @Test func fourWorkingHoursFromFridayEveningEndMondayMorning() throws {
        let calendar = try Self.calendar()
        // Fri 17:30: half an hour left that day, then 08:00–11:30 on Monday.
        #expect(calendar.adding(minutes: 240, to: beijing("2026-12-04T17:30:00")) == beijing("2026-12-07T11:30:00"))
        #expect(calendar.minutes(from: beijing("2026-12-04T17:30:00"), to: beijing("2026-12-07T11:30:00")) == 240)
        // The lunch break does not count: 11:00 + 2 h is 15:00.
        #expect(calendar.adding(minutes: 120, to: beijing("2026-12-07T11:00:00")) == beijing("2026-12-07T15:00:00"))
        // Reported at night: the clock starts at 08:00.
        #expect(calendar.adding(minutes: 30, to: beijing("2026-12-07T22:10:00")) == beijing("2026-12-08T08:30:00"))
        // A working day is 480 minutes: 5 working days from Monday 09:00 end next Monday 09:00.
        #expect(calendar.adding(minutes: 5 * 480, to: beijing("2026-12-07T09:00:00")) == beijing("2026-12-14T09:00:00"))
    }

    @Test func holidaysAndWorkingWeekendsMoveTheDeadline() throws {
        // A holiday Monday: Tuesday 11:30.
        let holiday = try Self.calendar(holidays: ["2026-12-07"])
        #expect(holiday.adding(minutes: 240, to: beijing("2026-12-04T17:30:00")) == beijing("2026-12-08T11:30:00"))
        // A Saturday worked in exchange (调休): Saturday 11:30.
        let worked = try Self.calendar(workingWeekends: ["2026-12-05"])
        #expect(worked.adding(minutes: 240, to: beijing("2026-12-04T17:30:00")) == beijing("2026-12-05T11:30:00"))
        // The repository's own: National Day week 2026 is off, Saturday 10 October worked.
        let real = try WorkCalendar.load(path: Self.repositoryCalendar)
        #expect(real.adding(minutes: 60, to: beijing("2026-09-30T17:30:00")) == beijing("2026-10-08T08:30:00"))
        #expect(real.adding(minutes: 480, to: beijing("2026-10-09T08:00:00")) == beijing("2026-10-09T18:00:00"))
        #expect(real.adding(minutes: 481, to: beijing("2026-10-09T08:00:00")) == beijing("2026-10-10T08:01:00"))
    }

    @Test func urgentCasesRunRoundTheClock() throws {
        let calendar = try Self.calendar()
        #expect(calendar.adding(minutes: 120, to: beijing("2026-12-04T17:30:00"), urgent: true) == beijing("2026-12-04T19:30:00"))
        #expect(calendar.minutes(from: beijing("2026-12-05T00:00:00"), to: beijing("2026-12-06T00:00:00"), urgent: true) == 1440)
    }

    @Test func brokenCalendarFilesSayEveryProblem() throws {
        let path = NSTemporaryDirectory() + "calendar-bad-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"timeZone": "Mars/Olympus", "workingHours": [["09:00", "08:00"]], "weekend": ["caturday"], "holidays": ["2026-13"]}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        #expect {
            try WorkCalendar.load(path: path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("timeZone") && text.contains("workingHours") && text.contains("caturday") && text.contains("2026-13")
        }
    }
}

/// The case workflow, its clocks and its evaluation on the grid city.
@Suite(.serialized) struct CaseServiceTests {
    static let supervisor = Principal(name: "sup.test", roles: ["supervisor"], level: .internal)
    static let acceptor = Principal(name: "acc.test", roles: ["acceptor"], level: .internal)
    static let dispatcher = Principal(name: "dis.test", roles: ["dispatcher"], level: .internal)
    static let leader = Principal(name: "lead.test", roles: ["shiftleader"], level: .internal)
    static let sanitation = Principal(name: "dept.hw01", roles: ["dept.HW01"], level: .internal)
    static let water = Principal(name: "dept.sw01", roles: ["dept.SW01"], level: .internal)

    /// West street, south grid; east street, south grid.
    static let west = Coordinate(116.805, 38.305)
    static let east = Coordinate(116.835, 38.305)

    let directory = NSTemporaryDirectory() + "onemap-cases-" + UUID().uuidString
    let store: Store
    let service: CaseService

    init() throws {
        let (store, layers) = try GridCity.build(in: directory)
        self.store = store
        service = try #require(try CaseService.load(layersDirectory: layers, store: store))
    }

    func report(_ at: String, _ where_: Coordinate = west, code: String = "0102", urgent: Bool = false) throws -> CaseRecord {
        try service.report(CaseInput(source: "监督员", kind: "event", classCode: code, description: "路边暴露垃圾", location: where_, urgent: urgent),
                           by: Self.supervisor, at: beijing(at))
    }

    @discardableResult
    func act(_ c: CaseRecord, _ action: String, _ at: String, by: Principal, department: String? = nil, minutes: Int? = nil) throws -> CaseRecord {
        try service.act(on: c.id, CaseActionInput(action: action, department: department, minutes: minutes), by: by, at: beijing(at))
    }

    /// Report 09:00, accept 09:05, file 09:10, dispatch 09:20 to the suggested department (HW01).
    func dispatched(_ day: String = "2026-11-02", _ where_: Coordinate = west) throws -> CaseRecord {
        var c = try report(day + "T09:00:00", where_)
        c = try act(c, "accept", day + "T09:05:00", by: Self.acceptor)
        c = try act(c, "file", day + "T09:10:00", by: Self.acceptor)
        return try act(c, "dispatch", day + "T09:20:00", by: Self.dispatcher)
    }

    @Test func theWholeStoreWithItsCasesCopiesToTheOtherBackendAndBack() throws {
        // Cases through the workflow (one with a photo), a user with a token, and their audit.
        let c = try dispatched()
        _ = try act(c, "start", "2026-11-02T10:00:00", by: Self.sanitation)
        _ = try report("2026-11-03T08:00:00", Self.east)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 100)
        _ = try service.attach(to: c.id, name: "现场.png", mediaType: "image/png", bytes: png, by: Self.supervisor)
        try store.saveUser("ana", roles: ["analyst"])
        let token = try store.createToken(for: "ana").token
        // Into the other backend, then back into a third store of the first kind.
        let there = try Store(path: TestStores.onPostGIS ? directory + "/copy.sqlite" : TestStores.newPostGISDatabase())
        let first = try StoreCopy.copy(from: store.backend, to: there.backend)
        let back = try Store(path: TestStores.location(directory + "/back.sqlite"))
        let second = try StoreCopy.copy(from: there.backend, to: back.backend)
        #expect(Set(first.compactMap(\.records)).isSuperset(of: ["accounts", "cases", "audit log"]))
        #expect(first.map { "\($0.records ?? $0.layer.id) \($0.count) \($0.checksum)" } == second.map { "\($0.records ?? $0.layer.id) \($0.count) \($0.checksum)" })
        #expect(first.first { $0.records == "cases" }?.count == 2)
        // The copy goes on where the source was: the case, its steps and photo, the token, the evaluation.
        let copied = try #require(try back.backend.caseRecord(number: c.number))
        let original = try #require(try store.backend.caseRecord(c.id))
        #expect(copied.state == "handling" && copied.version == original.version)
        #expect(try back.backend.caseSteps(copied.id).map(\.action) == store.backend.caseSteps(c.id).map(\.action))
        let photo = try #require(try back.backend.attachments(copied.id).first)
        #expect(try back.backend.attachment(photo.id)?.bytes == png)
        #expect(try back.principal(forToken: token)?.name == "ana")
        let (from, to) = ("2026-11-01T00:00:00Z", "2026-11-05T00:00:00Z")
        #expect(try back.backend.evaluationRows(from: from, to: to, group: .street) == store.backend.evaluationRows(from: from, to: to, group: .street))
        // A second copy onto the same store stops before it writes anything.
        let audit = try there.backend.auditRecords(since: nil, layer: nil, limit: 10_000).count
        #expect(throws: StoreError.self) { _ = try StoreCopy.copy(from: self.store.backend, to: there.backend) }
        #expect(try there.backend.auditRecords(since: nil, layer: nil, limit: 10_000).count == audit)
    }

    func counts() throws -> [Int] {
        if TestStores.onPostGIS {
            return try ["onemap_cases", "onemap_case_steps", "onemap_case_attachments", "onemap_audit"].map {
                Int(try TestStores.psqlValue(store.path, "SELECT count(*) FROM \($0)")) ?? -1
            }
        }
        return try store.pool.read { db in
            try ["cases", "case_steps", "case_attachments", "audit_log"].map { try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? -1 }
        }
    }

    @Test func aCaseRunsTheWholeWorkflowWithItsClocks() throws {
        var c = try report("2026-11-02T09:00:00")
        #expect(c.number == "202611020001" && c.state == "reported")
        #expect(c.gridCode == "130903001001001" && c.streetName == "西街道" && c.communityName == "西园社区")
        #expect(c.className == "暴露垃圾" && c.handleLimitMinutes == 240)
        #expect(c.stageDeadline == beijing("2026-11-02T09:30:00").formatted(.iso8601), "accepting within 30 working minutes")
        #expect(c.address == "运河区西街道西园社区", "no plate within 300 m: the community")
        let atPlate = try service.report(CaseInput(source: "热线", kind: "event", classCode: "0104", description: "路面油污", location: GridCity.plate(7)),
                                         by: Self.acceptor, at: beijing("2026-11-02T08:30:00"))
        #expect(atPlate.address == "运河区解放东路7号" && atPlate.gridCode == "130903001001002")
        let byAddress = try service.report(CaseInput(source: "热线", kind: "event", classCode: "0104", description: "路面油污", address: "解放东路12号"),
                                           by: Self.acceptor, at: beijing("2026-11-02T08:40:00"))
        #expect(byAddress.address == "运河区解放东路12号" && byAddress.location == GridCity.plate(12) && byAddress.gridCode == "130903001001001")
        #expect(service.suggestedDepartment(c, for: Self.dispatcher) == "HW01")
        c = try act(c, "accept", "2026-11-02T09:05:00", by: Self.acceptor)
        c = try act(c, "file", "2026-11-02T09:10:00", by: Self.acceptor)
        c = try act(c, "dispatch", "2026-11-02T09:20:00", by: Self.dispatcher)
        #expect(c.state == "dispatched" && c.department == "HW01" && c.dispatchOnTime == true)
        // 09:20 + 4 working hours: 160 minutes to noon, 80 after 14:00.
        #expect(c.stageDeadline == beijing("2026-11-02T15:20:00").formatted(.iso8601))
        c = try act(c, "start", "2026-11-02T09:30:00", by: Self.sanitation)
        c = try act(c, "feedback", "2026-11-02T15:00:00", by: Self.sanitation)
        #expect(c.state == "feedback" && c.handleOnTime == true)
        #expect(c.overdueRatio.map { abs($0 - (-20.0 / 240)) < 1e-9 } == true, "used 220 of 240 minutes: \(c.overdueRatio ?? .nan)")
        c = try act(c, "verify", "2026-11-02T15:10:00", by: Self.supervisor)
        c = try act(c, "close", "2026-11-02T15:20:00", by: Self.acceptor)
        #expect(c.state == "closed" && c.closedAt != nil && !c.overdue)
        let detail = try service.detail(c.id, for: Self.leader)
        #expect(detail.steps.map(\.action) == ["report", "accept", "file", "dispatch", "start", "feedback", "verify", "close"])
        #expect(detail.steps.map(\.actor) == ["sup.test", "acc.test", "acc.test", "dis.test", "dept.hw01", "dept.hw01", "sup.test", "acc.test"])
        // Every step is audited with its principal.
        let audited = try store.backend.auditRecords(since: nil, layer: nil, limit: 10_000).map(\.action).filter { $0.hasPrefix("case.") }
        #expect(audited == ["case.report", "case.report", "case.report", "case.accept", "case.file", "case.dispatch", "case.start", "case.feedback", "case.verify", "case.close"])
        // The next case of the day takes the next number.
        #expect(try report("2026-11-02T10:00:00").number == "202611020004")
    }

    @Test func urgentCasesTakeTheUrgentLimitRoundTheClock() throws {
        // 路面积水: 4 working hours, urgent 1 hour round the clock.
        var c = try report("2026-11-02T17:30:00", code: "0107", urgent: true)
        #expect(c.handleLimitMinutes == 60)
        c = try act(c, "accept", "2026-11-02T17:35:00", by: Self.acceptor)
        c = try act(c, "file", "2026-11-02T17:40:00", by: Self.acceptor)
        c = try act(c, "dispatch", "2026-11-02T17:50:00", by: Self.dispatcher)
        #expect(c.department == "PS01")
        #expect(c.stageDeadline == beijing("2026-11-02T18:50:00").formatted(.iso8601))
    }

    @Test func extensionsMoveTheDeadlineAndSuspensionStopsTheClock() throws {
        var c = try dispatched()
        c = try act(c, "extend", "2026-11-02T10:00:00", by: Self.leader, minutes: 120)
        #expect(c.extensionMinutes == 120)
        #expect(c.stageDeadline == beijing("2026-11-02T17:20:00").formatted(.iso8601), "15:20 + 2 working hours")
        // 挂账 at 16:20 with one working hour left; resumed Wednesday 10:00: due at 11:00.
        c = try act(c, "suspend", "2026-11-02T16:20:00", by: Self.leader)
        #expect(c.state == "suspended" && c.suspendedFrom == "dispatched")
        #expect(try service.refreshOverdue(now: beijing("2026-11-04T09:00:00")) == 0, "a suspended case does not run late")
        c = try act(c, "resume", "2026-11-04T10:00:00", by: Self.leader)
        #expect(c.state == "dispatched")
        #expect(c.stageDeadline == beijing("2026-11-04T11:00:00").formatted(.iso8601))
        #expect(!c.overdue)
        // Past the deadline the overdue marker (红灯) turns on; feedback then is late.
        #expect(try service.refreshOverdue(now: beijing("2026-11-04T11:30:00")) == 1)
        #expect(try store.cases.caseRecord(c.id)?.overdue == true)
        c = try act(try #require(try store.cases.caseRecord(c.id)), "feedback", "2026-11-04T12:00:00", by: Self.sanitation)
        #expect(c.handleOnTime == false)
        #expect(c.overdueRatio.map { abs($0 - 60.0 / 360) < 1e-9 } == true, "60 working minutes late on a 360-minute limit: \(c.overdueRatio ?? .nan)")
    }

    @Test func reworkRestartsTheHandlingClockAndReturnFreesTheDepartment() throws {
        var c = try dispatched()
        c = try act(c, "feedback", "2026-11-02T11:00:00", by: Self.sanitation)
        c = try act(c, "rework", "2026-11-02T11:10:00", by: Self.supervisor)
        #expect(c.state == "dispatched" && c.reworkCount == 1 && c.feedbackAt == nil)
        #expect(c.stageDeadline == beijing("2026-11-02T17:10:00").formatted(.iso8601))
        var d = try dispatched("2026-11-03", Self.east)
        d = try act(d, "return", "2026-11-03T09:40:00", by: Self.sanitation)
        #expect(d.state == "filed" && d.department == nil && d.returnCount == 1)
        d = try act(d, "dispatch", "2026-11-03T10:00:00", by: Self.dispatcher, department: "CG01")
        #expect(d.department == "CG01" && d.dispatchOnTime == true, "on-time dispatch counts the first dispatch")
    }

    @Test func badRequestsAreRefusedAndChangeNothing() throws {
        let c = try dispatched()
        let before = try counts()
        func refused(_ body: () throws -> Void, _ check: (any Error) -> Bool) {
            #expect(throws: (any Error).self) { try body() }
            do { try body() } catch { #expect(check(error), "\(error)") }
        }
        // A point outside every grid; an unknown class; an unknown source; an unmatched address.
        refused({ _ = try self.report("2026-11-02T10:00:00", Coordinate(116.9, 38.4)) }) { "\($0)".contains("outside every unit grid") }
        refused({ _ = try self.report("2026-11-02T10:00:00", code: "9999") }) { "\($0)".contains("9999") }
        refused({
            _ = try self.service.report(CaseInput(source: "路人", kind: "event", classCode: "0102", description: "x", location: Self.west), by: Self.supervisor)
        }) { "\($0)".contains("source") }
        refused({
            _ = try self.service.report(CaseInput(source: "热线", kind: "event", classCode: "0102", description: "x", address: "火星基地99号"), by: Self.acceptor)
        }) { "\($0)".contains("matches no place") }
        // A component case with an unknown component code.
        refused({
            _ = try self.service.report(CaseInput(source: "监督员", kind: "component", componentCode: "1309039999999999", description: "井盖缺失"), by: Self.supervisor)
        }) { "\($0)".contains("no component") }
        // Reporting needs a reporting role.
        refused({ _ = try self.service.report(CaseInput(source: "监督员", kind: "event", classCode: "0102", description: "x", location: Self.west), by: Self.sanitation) }) {
            if case CaseError.forbidden = $0 { true } else { false }
        }
        // Closing a dispatched case skips states: 409 with what is allowed.
        refused({ try self.act(c, "close", "2026-11-02T10:00:00", by: Self.acceptor) }) {
            if case CaseError.notAllowed(let action, let state, _) = $0 { action == "close" && state == "dispatched" } else { false }
        }
        // The wrong role, and another department's case.
        refused({ try self.act(c, "feedback", "2026-11-02T10:00:00", by: Self.supervisor) }) { if case CaseError.forbidden = $0 { true } else { false } }
        refused({ try self.act(c, "feedback", "2026-11-02T10:00:00", by: Self.water) }) { "\($0)".contains("department") }
        // A stale version: somebody else acted first.
        refused({
            _ = try self.service.act(on: c.id, CaseActionInput(action: "start", version: c.version - 1), by: Self.sanitation, at: beijing("2026-11-02T10:00:00"))
        }) { if case CaseError.staleVersion = $0 { true } else { false } }
        // Extensions need a sensible number of minutes; dispatch needs a real department.
        refused({ try self.act(c, "extend", "2026-11-02T10:00:00", by: Self.leader, minutes: 0) }) { "\($0)".contains("minutes") }
        refused({ try self.act(c, "extend", "2026-11-02T10:00:00", by: Self.leader, minutes: 100_000) }) { "\($0)".contains("minutes") }
        // Attachments: oversized, not an image, claiming a type they are not, unknown case.
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 100)
        refused({ _ = try self.service.attach(to: c.id, name: "a.png", mediaType: "image/png", bytes: png + Array(repeating: 0, count: 3 << 20), by: Self.supervisor) }) {
            "\($0)".contains("KB")
        }
        refused({ _ = try self.service.attach(to: c.id, name: "a.exe", mediaType: "application/octet-stream", bytes: [1, 2, 3], by: Self.supervisor) }) {
            "\($0)".contains("not accepted")
        }
        refused({ _ = try self.service.attach(to: c.id, name: "a.jpg", mediaType: "image/jpeg", bytes: png, by: Self.supervisor) }) {
            "\($0)".contains("not a image/jpeg")
        }
        refused({ _ = try self.service.attach(to: 999_999, name: "a.png", mediaType: "image/png", bytes: png, by: Self.supervisor) }) {
            if case CaseError.noSuchCase = $0 { true } else { false }
        }
        // Somebody without access to the case layer sees nothing.
        refused({ _ = try self.service.detail(c.id, for: .anonymous) }) { if case CaseError.forbidden = $0 { true } else { false } }
        #expect(try counts() == before, "nothing was written")
        // A good attachment is kept with its bytes.
        let stored = try service.attach(to: c.id, name: "现场.png", mediaType: "image/png", bytes: png, by: Self.supervisor)
        #expect(try store.cases.attachment(stored.id)?.bytes == png)
    }

    @Test func componentCasesTakeTheComponentsPlaceClassAndOwner() throws {
        var c = try service.report(CaseInput(source: "监督员", kind: "component", componentCode: "1309030010010001", description: "井盖破损"),
                                   by: Self.supervisor, at: beijing("2026-11-02T09:00:00"))
        #expect(c.classCode == "0101" && c.className == "上水井盖")
        #expect(abs(c.location.x - 116.8105) < 1e-9 && abs(c.location.y - 38.3055) < 1e-9)
        c = try act(c, "accept", "2026-11-02T09:05:00", by: Self.acceptor)
        c = try act(c, "file", "2026-11-02T09:10:00", by: Self.acceptor)
        c = try act(c, "dispatch", "2026-11-02T09:20:00", by: Self.dispatcher)
        #expect(c.department == "SW01", "the component's owner")
    }

    /// Twelve cases whose counts are known by hand (see the table in the README's evaluation section).
    @Test func evaluationMatchesHandCounts() throws {
        let day = "2026-11-02"
        func closeAt(_ c: CaseRecord, feedback: String) throws {
            var c = try act(c, "feedback", day + "T" + feedback, by: Self.sanitation)
            c = try act(c, "verify", day + "T18:00:00", by: Self.supervisor)
            try act(c, "close", day + "T18:00:00", by: Self.acceptor)
        }
        // West street (130903001): cases 1–7.
        try closeAt(try dispatched(), feedback: "15:00:00")                       // 1 closed on time
        try closeAt(try dispatched(), feedback: "16:00:00")                       // 2 closed late
        var c3 = try report(day + "T09:00:00")                                    // 3 filed, then voided
        c3 = try act(c3, "accept", day + "T09:05:00", by: Self.acceptor)
        c3 = try act(c3, "file", day + "T09:10:00", by: Self.acceptor)
        try act(c3, "void", day + "T09:15:00", by: Self.leader)
        try act(try dispatched(), "suspend", day + "T10:00:00", by: Self.leader)  // 4 挂账
        var c5 = try dispatched()                                                 // 5 reworked, then on time
        c5 = try act(c5, "feedback", day + "T11:00:00", by: Self.sanitation)
        c5 = try act(c5, "rework", day + "T11:10:00", by: Self.supervisor)
        try closeAt(c5, feedback: "14:30:00")
        let c6 = try act(try dispatched(), "extend", day + "T10:00:00", by: Self.leader, minutes: 120)  // 6 extended, on time
        try closeAt(c6, feedback: "17:00:00")
        var c7 = try report(day + "T09:00:00")                                    // 7 不予立案
        c7 = try act(c7, "accept", day + "T09:05:00", by: Self.acceptor)
        try act(c7, "reject", day + "T09:10:00", by: Self.acceptor)
        // East street (130903002): cases 8–12.
        var c8 = try act(try dispatched(day, Self.east), "return", day + "T09:40:00", by: Self.sanitation)  // 8 returned, closed on time
        c8 = try act(c8, "dispatch", day + "T10:00:00", by: Self.dispatcher, department: "HW01")
        try closeAt(c8, feedback: "11:00:00")
        var c9 = try report(day + "T09:00:00", Self.east)                         // 9 dispatched late, handling
        c9 = try act(c9, "accept", day + "T09:05:00", by: Self.acceptor)
        c9 = try act(c9, "file", day + "T09:10:00", by: Self.acceptor)
        c9 = try act(c9, "dispatch", day + "T10:30:00", by: Self.dispatcher)
        try act(c9, "start", day + "T10:40:00", by: Self.sanitation)
        _ = try report(day + "T09:00:00", Self.east)                              // 10 reported only
        try act(try dispatched(day, Self.east), "start", day + "T09:30:00", by: Self.sanitation)  // 11 handling
        var c12 = try act(try dispatched(day, Self.east), "feedback", day + "T16:30:00", by: Self.sanitation)  // 12 late, verified
        c12 = try act(c12, "verify", day + "T17:00:00", by: Self.supervisor)
        #expect(c12.state == "verified")

        let metrics = try service.evaluate(by: .street, from: beijing("2026-11-01T00:00:00"), to: beijing("2026-12-01T00:00:00"), for: Self.leader)
        #expect(metrics.map(\.row.key) == ["130903001", "130903002"], "ranked by 按期结案率")
        let w = metrics[0], e = metrics[1]
        func counts(_ m: CaseMetrics) -> [Int] {
            let r = m.row
            return [r.reported, r.filed, r.voided, r.suspended, m.due, r.dispatched, r.dispatchedOnTime, r.handled, r.handledOnTime, r.closed, r.closedOnTime,
                    r.reworked, r.extended, r.returned]
        }
        //                       上报 立案 作废 挂账 应结 派遣 按期派 处置 按期处 结案 按期结 返工 延期 回退
        #expect(counts(w) == [7, 6, 1, 1, 4, 5, 5, 4, 3, 4, 3, 1, 1, 0])
        #expect(counts(e) == [5, 4, 0, 0, 4, 4, 3, 2, 1, 1, 1, 0, 0, 1])
        func rates(_ m: CaseMetrics) -> [Double?] { m.rates.map(\.2) }
        // 结案率, 按期结案率, 超期结案率, 返工率 (÷结案数), 延期率 (÷派遣数), 准确立案率, 按期派遣率, 按期处置率
        #expect(rates(w) == [1, 0.75, 0.25, 0.25, 0.2, 5.0 / 6, 1, 0.75])
        #expect(rates(e) == [0.25, 0.25, 0, 0, 0, 1, 0.75, 0.5])
        // The same cases by department: everything dispatched went to HW01.
        let departments = try service.evaluate(by: .department, from: beijing("2026-11-01T00:00:00"), to: beijing("2026-12-01T00:00:00"), for: Self.leader)
        #expect(departments.map(\.row.key) == ["HW01"] && departments[0].row.name == "沧州市环境卫生管理处")
        #expect(departments[0].row.dispatched == 9)
        // A month without cases has no rows; the CSV opens in spreadsheets (BOM, CRLF).
        #expect(try service.evaluate(by: .street, from: beijing("2026-10-01T00:00:00"), to: beijing("2026-11-01T00:00:00"), for: Self.leader).isEmpty)
        let csv = CaseService.csv(metrics, group: .street)
        #expect(csv.hasPrefix("\u{FEFF}排名,编码,名称,上报数"))
        #expect(csv.contains("\r\n1,130903001,西街道,7,6,1,1,4,4,3,5,5,4,3,1,1,0,100.00%,75.00%,25.00%,25.00%,20.00%,83.33%,100.00%,75.00%\r\n"))
        // Open cases past their deadlines at Tuesday 09:00: 9, 10, 11 and 12 (4 is suspended).
        #expect(try service.refreshOverdue(now: beijing("2026-11-03T09:00:00")) == 4)
        let overdue = try service.list(CaseQuery(overdue: true), for: Self.leader)
        #expect(overdue.matched == 4)
        // The density map counts cases per grid.
        let density = try service.density(from: beijing("2026-11-01T00:00:00"), to: beijing("2026-12-01T00:00:00"), for: Self.leader)
        #expect("\(density)".contains("130903001001001") && "\(density)".contains("130903002001001"))

        // Periods that start or end inside an hour: the per-hour counts the store keeps, with the
        // cases of the partial hours, equal counting every case of the period, in every grouping.
        let periods = [("2026-11-02T09:07:00", "2026-11-02T16:45:30"), ("2026-11-02T09:00:00", "2026-11-02T09:12:00"),
                       ("2026-11-01T23:59:59", "2026-11-03T00:00:01"), ("2026-11-02T10:00:00", "2026-11-02T14:00:00"),
                       ("2026-11-02T09:05:00", "2026-11-02T10:00:00")]
        var nonEmpty = 0
        for (a, b) in periods {
            let from = CaseService.iso(beijing(a)), to = CaseService.iso(beijing(b))
            for group in CaseGroup.allCases {
                let kept = try store.cases.evaluationRows(from: from, to: to, group: group)
                let counted = try TestStores.onPostGIS
                    ? (store.backend as! PostGISStore).pool.with { c in try CaseStatistics.counted(from: from, to: to, group: group, .postgres, PostGISStore.evaluationQuery(c)) }
                    : store.pool.read { db in try CaseStatistics.counted(from: from, to: to, group: group, in: db) }
                #expect(kept == counted, "\(group) \(a) – \(b)")
                nonEmpty += kept.isEmpty ? 0 : 1
            }
        }
        #expect(nonEmpty >= 20)
        // What the triggers kept, change by change, is what counting all cases at once gives
        // (`onemap check` asks the same), and a count gone wrong is found.
        let table = TestStores.onPostGIS ? "onemap_case_stats" : "case_stats"
        let corrupt = "UPDATE \(table) SET closed = closed + 1 WHERE (\"grouping\", hour, kind, key) = (SELECT \"grouping\", hour, kind, key FROM \(table) WHERE filed > 0 LIMIT 1)"
        if TestStores.onPostGIS {
            #expect(Int(try TestStores.psqlValue(store.path, "SELECT count(*) FROM onemap_case_stats WHERE filed != 0")) ?? 0 > 5)
        } else {
            #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM case_stats WHERE filed != 0") ?? 0 } > 5)
        }
        #expect(try store.check().checked.contains("case statistics") && store.check().isHealthy)
        if TestStores.onPostGIS {
            try TestStores.psql(store.path, corrupt)
        } else {
            try store.pool.write { db in try db.execute(sql: corrupt) }
        }
        #expect(try store.check().problems.contains { $0.hasPrefix("case statistics") })
    }

    @Test func importedCasesReplayTheirTimesThroughTheRules() throws {
        let csv = """
            source,kind,class_code,component_code,description,lon,lat,address,urgent,reported_at,accepted_at,filed_at,dispatched_at,department,feedback_at,verified_at,closed_at,rejected_at
            热线,event,0102,,"垃圾堆放, 有异味",116.805,38.305,,0,2026-11-02T09:00:00+08:00,2026-11-02T09:05:00+08:00,2026-11-02T09:10:00+08:00,2026-11-02T09:20:00+08:00,,2026-11-02T16:00:00+08:00,2026-11-02T16:30:00+08:00,2026-11-02T17:00:00+08:00,
            公众,event,0201,,小广告,,,解放东路12号,0,2026-11-02T10:00:00+08:00,2026-11-02T10:05:00+08:00,,,,,,,2026-11-02T10:20:00+08:00
            监督员,component,,1309030010010001,井盖破损,,,,1,2026-11-02T11:00:00+08:00,2026-11-02T11:02:00+08:00,2026-11-02T11:05:00+08:00,2026-11-02T11:10:00+08:00,,,,,
            """
        let path = directory + "/import.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try CaseImport(service: service).importFile(path) == 3)
        let all = try service.list(CaseQuery(limit: 10), for: Self.leader).cases.sorted { $0.number < $1.number }
        #expect(all.map(\.number) == ["202611020001", "202611020002", "202611020003"])
        #expect(all.map(\.state) == ["closed", "rejected", "dispatched"])
        // The first was handled 40 minutes late by this city's limit (4 工作时 from 09:20: 15:20).
        #expect(all[0].handleOnTime == false && all[0].department == "HW01" && all[0].description == "垃圾堆放, 有异味")
        #expect(all[1].address == "运河区解放东路12号")
        // The urgent component case: the water company, 2 hours round the clock.
        #expect(all[2].department == "SW01" && all[2].stageDeadline == beijing("2026-11-02T13:10:00").formatted(.iso8601))
        #expect(try service.detail(all[0].id, for: Self.leader).steps.count == 7)

        // One bad row and nothing is imported.
        let before = try counts()
        for (bad, message) in [("热线,event,9999,,x,116.805,38.305,,0,2026-11-03T09:00:00+08:00,,,,,,,,", "row 1 classCode"),
                               ("热线,event,0102,,x,116.805,38.305,,0,2026-11-03T09:00:00+08:00,,,2026-11-03T09:10:00+08:00,,,,,", "cannot follow"),
                               ("热线,event,0102,,x,116.805,38.305,,0,2026-11-03T09:00:00+08:00,2026-11-03T08:00:00+08:00,,,,,,,", "before the step"),
                               ("热线,event,0102,,x,116.805,38.305,,0,yesterday,,,,,,,,", "ISO 8601")] {
            try (csv.split(separator: "\n")[0] + "\n" + bad + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            #expect { try CaseImport(service: service).importFile(path) } throws: { "\($0)".contains(message) }
        }
        #expect(try counts() == before)
    }

    @Test func aStreetWithOnlyFreshReportsIsCountedAsZeroFiled() throws {
        // Reported in the period, not yet filed: every filing figure sums NULLs, which must be 0
        // (a server once died on today's figures for such a street).
        _ = try report("2026-11-02T09:00:00")
        let metrics = try service.evaluate(by: .street, from: beijing("2026-11-02T00:00:00"), to: beijing("2026-11-03T00:00:00"), for: Self.leader)
        let west = try #require(metrics.first { $0.row.key == "130903001" })
        #expect(west.row.reported == 1 && west.row.filed == 0 && west.row.closed == 0 && west.row.closedOnTime == 0)
    }

    @Test func evaluationRefusesBadPeriods() throws {
        #expect(throws: AnalysisError.self) {
            try service.evaluate(by: .street, from: beijing("2026-11-01T00:00:00"), to: beijing("2026-10-01T00:00:00"), for: Self.leader)
        }
        #expect(throws: AnalysisError.self) {
            try service.evaluate(by: .street, from: beijing("2024-11-01T00:00:00"), to: beijing("2026-10-01T00:00:00"), for: Self.leader)
        }
    }
}

/// Geocoding the grid city's addresses, places and grids.
@Suite struct GeocoderTests {
    let directory = NSTemporaryDirectory() + "onemap-geocode-" + UUID().uuidString
    let geocoder: Geocoder

    init() throws {
        let (store, layers) = try GridCity.build(in: directory)
        geocoder = Geocoder(store: store, rules: try GeocodingRules.load(path: GeocodingRules.file(in: layers)))
    }

    static let user = Principal(name: "u", level: .internal)

    func metres(_ a: Coordinate, _ b: Coordinate) -> Double {
        let dx = (a.x - b.x) * 111_320 * cos(a.y * .pi / 180), dy = (a.y - b.y) * 110_574
        return (dx * dx + dy * dy).squareRoot()
    }

    @Test func everyPlateGeocodesToItself() throws {
        for n in 1...40 {
            let best = try #require(try geocoder.search("解放东路\(n)号", for: Self.user).first)
            #expect(best.kind == "address" && best.address == "运河区解放东路\(n)号")
            #expect(metres(best.location, GridCity.plate(n)) < 1)
        }
    }

    @Test func addressesAreFoundAsPeopleWriteThem() throws {
        let seven = GridCity.plate(7)
        for text in ["河北省沧州市运河区解放东路7号", "沧州市解放东路７号", "解放东路 7 號", "解放东璐7号", "解放东路7"] {
            let best = try #require(try geocoder.search(text, for: Self.user).first, "\(text)")
            #expect(metres(best.location, seven) < 1, "\(text) → \(best.address)")
        }
        // A number the road lacks: the nearest plate, marked down.
        let far = try #require(try geocoder.search("解放东路41号", for: Self.user).first)
        #expect(far.address == "运河区解放东路40号" && far.score < 1)
        // The start of a road's name: the road, before roads sharing less of it.
        let partial = try geocoder.search("新华", for: Self.user)
        #expect(partial.first?.name == "新华路" && partial.first?.kind == "road")
        // A Chinese numeral is part of a name, not a house number.
        #expect(try geocoder.search("新华二", for: Self.user).first?.name == "新华二路")
        // Places and communities by name.
        #expect(try geocoder.search("人民医院", for: Self.user).first?.name == "沧州市人民医院")
        #expect(try geocoder.search("东湖社区", for: Self.user).first?.kind == "community")
        #expect(try geocoder.search("火星基地", for: Self.user).isEmpty)
        #expect(throws: AnalysisError.self) { try geocoder.search("   ", for: Self.user) }
        #expect(throws: AnalysisError.self) { try geocoder.search(String(repeating: "路", count: 101), for: Self.user) }
    }

    /// The grids in memory answer what the store's ST_Contains answers, point for point: on a
    /// lattice through every vertex and edge of grids with a hole, an island in it, slanted edges
    /// and a grid of two parts, and at random points; boundary points go to the store. An edit of
    /// a grid is seen by the next lookup.
    @Test func theGridsInMemoryAnswerWhatTheStoreAnswers() throws {
        let store = geocoder.store
        func ring(_ c: [(Double, Double)]) -> [[Double]] { c.map { [$0.0, $0.1] } }
        let parts: [[[[[Double]]]]] = [
            [[ring([(116.80, 38.30), (116.81, 38.30), (116.81, 38.31), (116.80, 38.31), (116.80, 38.30)]),
              ring([(116.803, 38.303), (116.807, 38.303), (116.807, 38.307), (116.803, 38.307), (116.803, 38.303)])]],
            [[ring([(116.803, 38.303), (116.807, 38.303), (116.807, 38.307), (116.803, 38.307), (116.803, 38.303)])]],
            [[ring([(116.81, 38.30), (116.82, 38.30), (116.8253, 38.3051), (116.82, 38.31), (116.81, 38.31), (116.81, 38.30)])]],
            [[ring([(116.80, 38.29), (116.82, 38.29), (116.81, 38.30), (116.80, 38.29)])],
             [ring([(116.83, 38.30), (116.84, 38.30), (116.835, 38.3107), (116.83, 38.30)])]],
            // A hole whose top is a vertex between two slanted edges.
            [[ring([(116.83, 38.29), (116.84, 38.29), (116.84, 38.2999), (116.83, 38.2999), (116.83, 38.29)]),
              ring([(116.833, 38.292), (116.837, 38.292), (116.835, 38.297), (116.833, 38.292)])]],
        ]
        let features: [[String: Any]] = parts.enumerated().map { i, polygons in
            ["type": "Feature", "properties": ["code": "13090300900100\(i)", "community": "c", "street": "s", "district": "d"],
             "geometry": ["type": "MultiPolygon", "coordinates": polygons]]
        }
        let path = directory + "/odd_grids.geojson"
        try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": features]).write(to: URL(fileURLWithPath: path))
        _ = try store.importLayer(ImportRequest(source: path, layerID: "odd_grids"))
        var rules = geocoder.rules
        rules.grids = GeocodingRules.Source(layer: "odd_grids", fields: [:])
        let odd = Geocoder(store: store, rules: rules)
        let layer = try store.layer("odd_grids", for: .system)

        func stored(_ p: Coordinate) throws -> String? {
            var codes: [String] = []
            try store.spatialScan(layer, .containing(.point(p)), columns: ["code"]) { _, _, values, _ in codes.append(values[0].description) }
            #expect(codes.count <= 1)
            return codes.first
        }
        var points: [Coordinate] = []
        for i in 0...100 { for j in 0...90 { points.append(Coordinate(116.795 + Double(i) * 0.0005, 38.285 + Double(j) * 0.0003)) } }
        // Every vertex, and points on the slanted edges as near as doubles get.
        points += parts.flatMap { $0.flatMap { $0.flatMap { $0.map { Coordinate($0[0], $0[1]) } } } }
        for t in stride(from: 0.0, through: 1.0, by: 0.01) {
            points.append(Coordinate(116.82 + t * 0.0053, 38.30 + t * 0.0051))
            points.append(Coordinate(116.80 + t * 0.01, 38.29 + t * 0.01))
        }
        var random = SeededRandom(seed: 7)
        for _ in 0..<3000 { points.append(Coordinate(random.uniform(116.795, 116.845), random.uniform(38.285, 38.315))) }
        let index = try #require(try odd.gridIndex(layer))
        #expect(index.grids.count == 5)
        var decided = 0, undecided = 0
        for p in points {
            let expected = try stored(p)
            switch index.locate(p) {
            case .inside(let i):
                decided += 1
                #expect(index.grids[i].gridCode == expected, "\(p.x), \(p.y)")
            case .outside:
                decided += 1
                #expect(expected == nil, "\(p.x), \(p.y)")
            case .undecided: undecided += 1
            }
            let answered = try? odd.grid(at: p, for: Self.user).gridCode
            #expect(answered == expected, "\(p.x), \(p.y)")
        }
        #expect(decided > 8000 && undecided > 50, "\(decided) decided, \(undecided) left to the store")
        // Vertices and points on edges are the store's to decide.
        #expect(index.locate(Coordinate(116.81, 38.30)) == .undecided && index.locate(Coordinate(116.805, 38.303)) == .undecided
                && index.locate(Coordinate(116.835, 38.297)) == .undecided)
        #expect(index.locate(Coordinate(116.805, 38.305)) == .inside(1) && index.locate(Coordinate(116.801, 38.301)) == .inside(0))

        // An edit of a grid: the next lookup reads the grids again.
        let moved = Coordinate(116.845, 38.305)
        #expect(throws: AnalysisError.self) { try odd.grid(at: moved, for: Self.user) }
        let two = try #require(try store.features(in: "odd_grids", for: .system).first { $0.value("code", in: layer) == .text("130903009001003") })
        _ = try store.updateFeature(two.id, in: "odd_grids", FeatureInput(geometry: .multiPolygon([[[
            Coordinate(116.84, 38.30), Coordinate(116.85, 38.30), Coordinate(116.85, 38.31), Coordinate(116.84, 38.31), Coordinate(116.84, 38.30)]]]), properties: [:]),
            ifMatch: nil, for: .system)
        #expect(try odd.grid(at: moved, for: Self.user).gridCode == "130903009001003")
        #expect(try odd.gridIndex(try store.layer("odd_grids", for: .system))?.version != index.version)
    }

    @Test func everyGridCentreMapsBackToItsGrid() throws {
        for code in GridCity.gridCodes {
            let (x0, y0, x1, y1) = GridCity.gridBox(code)
            let g = try geocoder.grid(at: Coordinate((x0 + x1) / 2, (y0 + y1) / 2), for: Self.user)
            #expect(g.gridCode == code && g.communityCode == String(code.prefix(12)) && g.streetCode == String(code.prefix(9)))
        }
        #expect(throws: AnalysisError.self) { try geocoder.grid(at: Coordinate(117, 39), for: Self.user) }
        let near = try #require(try geocoder.nearestAddress(to: Coordinate(116.8065, 38.3101), for: Self.user))
        #expect(near.address == "运河区解放东路7号" && near.distance < 20)
        #expect(try geocoder.nearestAddress(to: Coordinate(116.8100, 38.3190), for: Self.user) == nil, "no plate within 300 m")
    }
}
