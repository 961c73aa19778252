import Foundation
import OneMapGeometry
import OneMapStore

/// The demo city's people at the centre: one or more users per workflow role, and a user for
/// each department. `onemap demo` creates them (with the roles) so every screen has someone to
/// sign in as.
public enum CaseCentreStaff {
    public static let supervisors = ["sup.wang", "sup.li", "sup.zhang", "sup.liu", "sup.chen", "sup.yang", "sup.zhao", "sup.huang"]
    public static let acceptors = ["acc.zhou", "acc.wu"]
    public static let dispatchers = ["dis.xu", "dis.sun"]
    public static let shiftLeaders = ["lead.ma"]

    /// Adds the workflow roles and one user per department and role (existing ones are kept).
    public static func create(in store: Store, rules: CaseRules) throws {
        for role in CaseWorkflow.Role.allCases where role != .department {
            try store.saveRole(Role(name: role.rawValue, level: .internal, description: "数字城管\(role.chinese)"))
        }
        for d in rules.departments {
            try store.saveRole(Role(name: "dept.\(d.code)", level: .internal, description: "处置部门：\(d.name)"))
        }
        for name in supervisors { try store.saveUser(name, roles: ["supervisor"]) }
        for name in acceptors { try store.saveUser(name, roles: ["acceptor"]) }
        for name in dispatchers { try store.saveUser(name, roles: ["dispatcher"]) }
        for name in shiftLeaders { try store.saveUser(name, roles: ["shiftleader", "acceptor", "dispatcher"]) }
        for d in rules.departments { try store.saveUser("dept.\(d.code.lowercased())", roles: ["dept.\(d.code)"]) }
    }
}

/// A deterministic 数字城管 history for the demo city: thousands of cases over the last months,
/// with the class mix, sources and times a real centre sees, replayed through the same workflow
/// and time limits as live cases (so every state, on-time and overdue, rework, return,
/// extension and 挂账 occur), cases reported near the end still open.
public struct CaseHistory {
    let service: CaseService
    let seed: UInt64

    public init(service: CaseService, seed: UInt64 = 20_261_204) {
        self.service = service
        self.seed = seed
    }

    /// Generates and stores `count` cases reported over the `days` before `end`.
    /// - Returns: the number stored.
    @discardableResult
    public func generate(count: Int, days: Int, end: Date, log: (String) -> Void = { _ in }) throws -> Int {
        var rng = SeededRandom(seed: seed, stream: "cases")
        let store = service.store
        // Where events happen: urban unit grids; what components fail: the components layer.
        let grids = try store.features(in: service.geocoder.rules.grids.layer, for: .system).compactMap { f -> Geometry? in
            guard let g = f.geometry, let layer = try store.layerIfVisible(service.geocoder.rules.grids.layer, for: .system),
                  f.value("kind", in: layer).description.contains("城") else { return nil }
            return g
        }
        let componentLayer = try store.layer(service.geocoder.rules.components.layer, for: .system)
        let codeField = service.geocoder.rules.components.field("code"), classField = service.geocoder.rules.components.field("class")
        var components: [(code: String, classCode: String)] = []
        for f in try store.features(in: componentLayer.id, for: .system) where rng.chance(0.05) {
            let code = f.value(codeField, in: componentLayer).description, cls = f.value(classField, in: componentLayer).description
            if service.rules.caseClass(kind: "component", code: cls) != nil { components.append((code, cls)) }
        }
        guard !grids.isEmpty else { throw AnalysisError.missingLayer(service.geocoder.rules.grids.layer) }
        let events: [(String, Double)] = [("0102", 20), ("0201", 14), ("0505", 12), ("0502", 9), ("0501", 8), ("0104", 7), ("0103", 6), ("0302", 5),
                                          ("0506", 5), ("0101", 3), ("0106", 3), ("0107", 2), ("0303", 2), ("0301", 2), ("0503", 2), ("0401", 1)]
        let sources: [(String, Double)] = [("监督员", 62), ("热线", 15), ("视频", 10), ("公众", 7), ("上级交办", 4), ("媒体", 2)]
        let staff = (supervisors: CaseCentreStaff.supervisors, acceptor: CaseCentreStaff.acceptors, dispatcher: CaseCentreStaff.dispatchers)
        func principal(_ name: String, _ roles: [String]) -> Principal { Principal(name: name, roles: roles, level: .internal) }
        let start = end.addingTimeInterval(-Double(days) * 86_400)
        let calendar = service.calendar
        var batch: [(CaseRecord, [CaseStep])] = []
        var stored = 0
        var numbers: [String: Int] = [:]
        let geos = GEOSContext()
        for n in 0..<count {
            // Reports cluster in the day: most between 07:00 and 20:00 local time.
            let day = start.addingTimeInterval(Double(rng.int(0...(days - 1))) * 86_400)
            let hour = rng.weighted([(7, 3.0), (8, 8), (9, 10), (10, 10), (11, 8), (12, 4), (13, 4), (14, 8), (15, 9), (16, 9), (17, 7), (18, 4), (19, 3), (20, 2), (22, 1)])
            var dayStart = Calendar(identifier: .gregorian)
            dayStart.timeZone = calendar.timeZone
            let reported = dayStart.startOfDay(for: day).addingTimeInterval(Double(hour) * 3600 + Double(rng.int(0...3599)))
            guard reported < end else { continue }
            let source = rng.weighted(sources)
            let supervisor = rng.pick(staff.supervisors)
            let reporter = principal(source == "监督员" ? supervisor : rng.pick(staff.acceptor), [source == "监督员" ? "supervisor" : "acceptor"])
            var input: CaseInput
            if !components.isEmpty && rng.chance(0.35) {
                let c = rng.pick(components)
                input = CaseInput(source: source, kind: "component", componentCode: c.code, description: "部件\(["破损", "丢失", "占用", "倾斜"][rng.int(0...3)])，请处置")
            } else {
                let code = rng.weighted(events)
                let grid = rng.pick(grids)
                let point = try Self.point(in: grid, &rng, geos)
                input = CaseInput(source: source, kind: "event", classCode: code, description: "\(service.rules.caseClass(kind: "event", code: code)?.name ?? "")，请处置",
                                  location: point, urgent: code.hasPrefix("04") || rng.chance(0.02))
            }
            var c = try service.prepare(input, for: .system, at: reported)
            c.reporter = reporter.name
            // Numbers by the local day of the report.
            let prefix = String(c.number.prefix(8))
            let seq = (numbers[prefix] ?? 0) + 1
            numbers[prefix] = seq
            c.number = prefix + String(format: "%04d", seq)
            var steps = [CaseStep(action: "report", fromState: nil, toState: "reported", actor: reporter.name, role: reporter.roles[0], at: c.reportedAt,
                                  note: c.description, deadline: c.stageDeadline)]
            var now = reported
            func step(_ action: String, after minutes: ClosedRange<Int>, by who: Principal, _ input: CaseActionInput? = nil) throws -> Bool {
                let next = calendar.adding(minutes: rng.int(minutes), to: now, urgent: c.urgent)
                guard next < end, let a = CaseWorkflow.action(action) else { return false }
                let (changed, s) = try service.transition(c, a, input ?? CaseActionInput(action: action), by: who, at: next)
                c = changed
                steps.append(s)
                now = next
                return true
            }
            let acceptor = principal(rng.pick(staff.acceptor), ["acceptor"]), dispatcher = principal(rng.pick(staff.dispatcher), ["dispatcher"])
            let leader = principal(CaseCentreStaff.shiftLeaders[0], ["shiftleader"])
            let verifier = principal(rng.pick(staff.supervisors), ["supervisor"])
            simulate: do {
                guard try step("accept", after: 3...40, by: acceptor) else { break simulate }
                if rng.chance(0.06) { _ = try step("reject", after: 5...30, by: acceptor); break simulate }
                guard try step("file", after: 3...45, by: acceptor) else { break simulate }
                if rng.chance(0.02) { _ = try step("void", after: 10...60, by: leader); break simulate }
                if rng.chance(0.015) { _ = try step("suspend", after: 10...60, by: leader); break simulate }
                let limit = c.handleLimitMinutes
                var dispatches = 0
                repeat {
                    dispatches += 1
                    guard try step("dispatch", after: 5...(rng.chance(0.12) ? 150 : 50), by: dispatcher) else { break simulate }
                    let department = principal("dept.\(c.department?.lowercased() ?? "")", ["dept.\(c.department ?? "")"])
                    if dispatches == 1 && rng.chance(0.03) {
                        guard try step("return", after: 10...90, by: department) else { break simulate }
                        continue
                    }
                    // Most departments say when they start (处置中).
                    if rng.chance(0.7) {
                        guard try step("start", after: 5...min(60, max(6, limit / 4)), by: department) else { break simulate }
                    }
                    if rng.chance(0.05) {
                        guard try step("extend", after: 30...120, by: leader, CaseActionInput(action: "extend", minutes: max(60, limit / 2))) else { break simulate }
                    }
                    // Most are handled within the limit; some run over, a few far over.
                    let fraction = rng.weighted([(rng.uniform(0.15, 0.95), 78.0), (rng.uniform(1.0, 1.8), 17), (rng.uniform(1.8, 4.0), 5)])
                    guard try step("feedback", after: max(5, Int(Double(limit) * fraction))...max(6, Int(Double(limit) * fraction) + 10), by: department) else { break simulate }
                    if rng.chance(0.07) {
                        guard try step("rework", after: 15...120, by: verifier) else { break simulate }
                        continue
                    }
                    break
                } while dispatches < 3
                guard try step("verify", after: 15...(rng.chance(0.1) ? 200 : 90), by: verifier) else { break simulate }
                _ = try step("close", after: 5...60, by: acceptor)
            }
            c.overdue = CaseWorkflow.state(c.state)?.stage != nil && (CaseService.date(c.stageDeadline).map { end > $0 } ?? false)
            batch.append((c, steps))
            if batch.count == 1000 || n == count - 1 {
                stored += try store.cases.insertCases(batch)
                log("  \(stored) cases")
                batch.removeAll()
            }
        }
        if !batch.isEmpty { stored += try store.cases.insertCases(batch) }
        try store.refresh()
        return stored
    }

    /// A random point inside a polygon (rejection sampling in its box).
    static func point(in polygon: Geometry, _ rng: inout SeededRandom, _ geos: GEOSContext) throws -> Coordinate {
        let box = polygon.boundingBox!
        let prepared = try geos.prepare(polygon)
        for _ in 0..<50 {
            let p = Coordinate(rng.uniform(box.minX, box.maxX), rng.uniform(box.minY, box.maxY))
            if try prepared.contains(p) { return p }
        }
        if case .point(let p) = try geos.pointOnSurface(polygon) { return p }
        return box.center
    }
}
