import Foundation
import OneMapGeometry
import OneMapStore

extension CaseService {
    /// A case as the API shows it: its fields, state and stage with the deadline, how far over it
    /// is (超时倍数), the light (绿/黄/红), the department's name and the actions the caller may take.
    public func json(_ c: CaseRecord, steps: [CaseStep]? = nil, attachments: [CaseAttachment]? = nil, for principal: Principal, now: Date = Date()) -> JSONValue {
        func opt(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        let ratio = CaseWorkflow.state(c.state)?.isOpen == true ? overdueRatio(c, now: now) : c.overdueRatio
        let light = c.state == "closed" || c.state == "rejected" || c.state == "voided" ? "none"
            : (ratio ?? -1) > 0 ? "red" : (ratio ?? -1) >= rules.yellowFrom - 1 ? "yellow" : "green"
        var fields: [(String, JSONValue)] = [
            ("id", .number(Double(c.id))), ("number", .string(c.number)), ("source", .string(c.source)), ("kind", .string(c.kind)),
            ("class", .object([("code", .string(c.classCode)), ("name", .string(c.className)), ("major", .string(c.majorName))])),
            ("description", .string(c.description)), ("address", .string(c.address)), ("location", .numbers([c.location.x, c.location.y])),
            ("grid", .object([("code", .string(c.gridCode))])),
            ("community", .object([("code", .string(c.communityCode)), ("name", .string(c.communityName))])),
            ("street", .object([("code", .string(c.streetCode)), ("name", .string(c.streetName))])),
            ("componentCode", opt(c.componentCode)),
            ("department", c.department.map { d in .object([("code", .string(d)), ("name", .string(rules.department(d)?.name ?? d))]) } ?? .null),
            ("state", .string(c.state)), ("stateName", .string(CaseWorkflow.state(c.state)?.name ?? c.state)), ("urgent", .bool(c.urgent)),
            ("reporter", .string(c.reporter)), ("reportedAt", .string(c.reportedAt)), ("filedAt", opt(c.filedAt)), ("dispatchedAt", opt(c.dispatchedAt)),
            ("feedbackAt", opt(c.feedbackAt)), ("closedAt", opt(c.closedAt)),
            ("stage", .object([("name", .string(c.stage)), ("startedAt", .string(c.stageStartedAt)), ("deadline", opt(c.stageDeadline))])),
            ("handleLimitMinutes", .number(Double(c.handleLimitMinutes))), ("extensionMinutes", .number(Double(c.extensionMinutes))),
            ("overdue", .bool(c.overdue)), ("overdueRatio", ratio.map { .number(($0 * 1000).rounded() / 1000) } ?? .null), ("light", .string(light)),
            ("reworkCount", .number(Double(c.reworkCount))), ("returnCount", .number(Double(c.returnCount))), ("version", .number(Double(c.version))),
        ]
        if c.state == "filed" || c.state == "dispatched" {
            fields.append(("suggestedDepartment", opt(suggestedDepartment(c, for: principal))))
        }
        fields.append(("actions", .array(allowedActions(c, for: principal).map { a in .object([("action", .string(a.id)), ("name", .string(a.name))]) })))
        if let steps {
            fields.append(("history", .array(steps.map { s in
                .object([("action", .string(s.action)), ("name", .string(CaseWorkflow.action(s.action)?.name ?? "上报")), ("from", opt(s.fromState)),
                         ("to", .string(s.toState)), ("actor", .string(s.actor)), ("role", .string(s.role)), ("at", .string(s.at)), ("note", opt(s.note)),
                         ("department", opt(s.department)), ("deadline", opt(s.deadline))])
            })))
        }
        if let attachments {
            fields.append(("attachments", .array(attachments.map { a in
                .object([("id", .number(Double(a.id))), ("name", .string(a.name)), ("mediaType", .string(a.mediaType)), ("size", .number(Double(a.size))),
                         ("at", .string(a.at)), ("actor", .string(a.actor))])
            })))
        }
        return .object(fields)
    }
}

extension CaseService {
    /// Whether `principal` may see cases at all (the case layer's access).
    /// - Throws: `CaseError.forbidden`.
    public func checkCaseAccess(_ principal: Principal) throws { try checkRead(principal) }

    /// What a case form and list need from the city's rules: sources, classes with their limits,
    /// departments, the workflow's states and actions.
    public var rulesJSON: JSONValue {
        func limit(_ l: TimeLimit?) -> JSONValue {
            l.map { .object([("minutes", .number(Double($0.minutes))), ("text", .string($0.text))]) } ?? .null
        }
        return .object([
            ("sources", .array(rules.sources.map { .string($0) })),
            ("classes", .array(rules.classes.map { c in
                .object([("kind", .string(c.kind)), ("code", .string(c.code)), ("major", .string(c.major)), ("name", .string(c.name)),
                         ("handle", limit(c.handle)), ("urgentHandle", limit(c.urgentHandle)),
                         ("department", c.department.map { .string($0) } ?? .null)])
            })),
            ("departments", .array(rules.departments.map { .object([("code", .string($0.code)), ("name", .string($0.name))]) })),
            ("states", .array(CaseWorkflow.states.map { .object([("id", .string($0.id)), ("name", .string($0.name)), ("open", .bool($0.isOpen))]) })),
            ("actions", .array(CaseWorkflow.actions.map { a in
                .object([("id", .string(a.id)), ("name", .string(a.name)), ("roles", .array(a.roles.map { .string($0.rawValue) })),
                         ("from", .array(a.from.map { .string($0) }))])
            })),
            ("stageLimits", .object(rules.stageLimits.sorted { $0.key < $1.key }.map { ($0.key, limit($0.value)) })),
            ("yellowFrom", .number(rules.yellowFrom)),
        ])
    }
}
