import Foundation

/// A time limit as the rules write it: working minutes, working hours (工作时) or working days (工作日).
public struct TimeLimit: Sendable, Hashable {
    public var minutes: Int
    public var text: String

    /// Working minutes for a calendar (a working day is the calendar's working minutes a day).
    static func read(_ node: RuleFile.Node, perDay: Int) -> TimeLimit? {
        // At most 2,000 working days: the work calendar counts deadlines over 3,000 calendar days,
        // and a longer limit is a typing mistake.
        func minutes(_ key: String, _ value: Double, _ factor: Double) -> Int? {
            let m = value * factor
            guard m >= 1, m <= 2000 * Double(max(perDay, 1)) else {
                node.problem("must be at least one working minute and at most 2,000 working days", key: key)
                return nil
            }
            return Int(m)
        }
        if let m = node.optionalNumber("minutes") { return minutes("minutes", m, 1).map { TimeLimit(minutes: $0, text: "\($0) 工作分钟") } }
        if let h = node.optionalNumber("hours") { return minutes("hours", h, 60).map { TimeLimit(minutes: $0, text: "\(Self.number(h)) 工作时") } }
        if let d = node.optionalNumber("days") { return minutes("days", d, Double(perDay)).map { TimeLimit(minutes: $0, text: "\(Self.number(d)) 工作日") } }
        node.problem("needs minutes, hours or days")
        return nil
    }

    static func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }
}

/// The 数字城管 rules of one city (`Layers/rules/cases.json`): sources, classes with their handling
/// limits and departments, stage limits, who dispatches what, attachment limits.
public struct CaseRules: Sendable {
    public struct CaseClass: Sendable, Hashable {
        public var kind: String
        public var code: String
        public var major: String
        public var name: String
        public var handle: TimeLimit
        public var urgentHandle: TimeLimit?
        public var department: String?
    }

    public struct Department: Sendable, Hashable {
        public var code: String
        public var name: String
    }

    public struct DispatchRule: Sendable {
        var kind: String?
        var code: String?
        var major: String?
        var street: String?
        var department: String
    }

    public var sources: [String]
    /// Stage limits by stage (accept, file, dispatch, verify, close).
    public var stageLimits: [String: TimeLimit]
    public var classes: [CaseClass]
    public var departments: [Department]
    public var dispatch: [DispatchRule]
    public var maxAttachmentBytes: Int
    public var maxAttachments: Int
    public var attachmentTypes: [String]
    /// The denominators that differ between cities: "closed" or "filed", "dispatched" or "filed".
    public var reworkRateOf: String
    public var extensionRateOf: String
    /// The share of a stage's limit used from which its light turns yellow (黄灯); red is past it.
    public var yellowFrom: Double
    /// The most working time one extension (延期) may grant.
    public var maxExtension: TimeLimit

    public static func file(in layersDirectory: String) -> String {
        (layersDirectory as NSString).appendingPathComponent("rules/cases.json")
    }

    public static func load(path: String, calendar: WorkCalendar) throws -> CaseRules {
        let file = try RuleFile(path: path)
        let top = try file.top()
        let perDay = calendar.minutesPerWorkingDay
        var stageLimits: [String: TimeLimit] = [:]
        if let stages = top.object("stageLimits") {
            for stage in ["accept", "file", "dispatch", "verify", "close"] {
                if let node = stages.object(stage), let limit = TimeLimit.read(node, perDay: perDay) { stageLimits[stage] = limit }
            }
        }
        let departments = top.objects("departments").map { Department(code: $0.string("code") ?? "", name: $0.string("name") ?? "") }
        let known = Set(departments.map(\.code))
        var classes: [CaseClass] = []
        for node in top.objects("classes") {
            let kind = node.string("kind") ?? ""
            if kind != "event" && kind != "component" { node.problem("must be event or component", key: "kind") }
            let code = node.string("code") ?? ""
            if code.count != 4 || !code.allSatisfy(\.isASCII) || Int(code) == nil { node.problem("must be four digits (大类 and 小类)", key: "code") }
            let department = node.optionalString("department")
            if let department, !known.contains(department) { node.problem("'\(department)' is not a department", key: "department") }
            guard let handleNode = node.object("handle"), let handle = TimeLimit.read(handleNode, perDay: perDay) else { continue }
            let urgent = node.object("urgentHandle", required: false).flatMap { TimeLimit.read($0, perDay: 60 * 24) }
            classes.append(CaseClass(kind: kind, code: code, major: node.string("major") ?? "", name: node.string("name") ?? "", handle: handle,
                                     urgentHandle: urgent, department: department))
        }
        var seen = Set<String>()
        for c in classes where !seen.insert(c.kind + c.code).inserted { top.problem("class \(c.kind) \(c.code) is listed twice") }
        let dispatch = top.objects("dispatch", required: false).map { n -> DispatchRule in
            let d = n.string("department") ?? ""
            if !known.contains(d) { n.problem("'\(d)' is not a department", key: "department") }
            return DispatchRule(kind: n.optionalString("kind"), code: n.optionalString("code"), major: n.optionalString("major"), street: n.optionalString("street"), department: d)
        }
        let attachments = top.object("attachments")
        let evaluation = top.object("evaluation", required: false)
        let lights = top.object("lights", required: false)
        let yellowFrom = lights?.optionalNumber("yellowFrom") ?? 0.75
        if !(0 < yellowFrom && yellowFrom < 1) { top.problem("lights.yellowFrom must be between 0 and 1") }
        let maxExtension = top.object("extensions", required: false)?.object("max").flatMap { TimeLimit.read($0, perDay: perDay) }
            ?? TimeLimit(minutes: 20 * perDay, text: "20 工作日")
        func count(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) -> Int {
            guard let n = attachments?.number(key) else { return fallback }
            guard n == n.rounded(), n >= Double(range.lowerBound), n <= Double(range.upperBound) else {
                attachments?.problem("must be a whole number \(range.lowerBound)–\(range.upperBound)", key: key)
                return fallback
            }
            return Int(n)
        }
        let rules = CaseRules(
            sources: top.strings("sources", required: true), stageLimits: stageLimits, classes: classes, departments: departments, dispatch: dispatch,
            maxAttachmentBytes: count("maxBytes", 2_097_152, 1...1 << 30), maxAttachments: count("maxPerCase", 10, 0...1000),
            attachmentTypes: attachments?.strings("mediaTypes", required: true) ?? ["image/jpeg", "image/png"],
            reworkRateOf: evaluation?.optionalString("reworkRateOf") ?? "closed", extensionRateOf: evaluation?.optionalString("extensionRateOf") ?? "dispatched",
            yellowFrom: yellowFrom, maxExtension: maxExtension)
        if !["closed", "filed"].contains(rules.reworkRateOf) { top.problem("evaluation.reworkRateOf must be closed or filed") }
        if !["dispatched", "filed"].contains(rules.extensionRateOf) { top.problem("evaluation.extensionRateOf must be dispatched or filed") }
        try file.finish()
        return rules
    }

    public func caseClass(kind: String, code: String) -> CaseClass? { classes.first { $0.kind == kind && $0.code == code } }

    public func department(_ code: String) -> Department? { departments.first { $0.code == code } }

    /// The department a case goes to: a dispatch rule for its class and street, else the
    /// component's own department (its owner), else its class's.
    public func suggestedDepartment(kind: String, code: String, street: String, componentDepartment: String?) -> String? {
        let matching = dispatch.filter { r in
            (r.kind == nil || r.kind == kind) && (r.code == nil || r.code == code) && (r.major == nil || code.hasPrefix(r.major!))
                && (r.street == nil || r.street == street)
        }
        // The most specific rule wins.
        if let rule = matching.max(by: { specificity($0) < specificity($1) }) { return rule.department }
        if let d = componentDepartment, department(d) != nil { return d }
        return caseClass(kind: kind, code: code)?.department
    }

    func specificity(_ r: DispatchRule) -> Int {
        (r.code != nil ? 4 : 0) + (r.major != nil ? 2 : 0) + (r.street != nil ? 1 : 0)
    }
}
