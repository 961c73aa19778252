/// The 数字城管 case workflow as an explicit state machine: every state a case can be in, and
/// every action, who may take it (by role) and from which states.
///
///     上报 reported → 受理 accepted → 立案 filed → 派遣 dispatched → 处置中 handling → 处置反馈 feedback
///       → 核查通过 verified → 结案 closed
///     accepted → 不予立案 rejected; reported/accepted/filed → 作废 voided
///     dispatched → 回退 (back to filed, for another department)
///     feedback → 返工 (核查不通过: back to dispatched, the handling clock restarts)
///     dispatched/handling → 延期 (the deadline moves); any open state ↔ 挂账 suspended (the clock stands)
public enum CaseWorkflow {
    public struct State: Sendable, Hashable {
        public let id: String
        public let name: String
        /// The stage whose clock runs in this state (nil: no clock).
        public let stage: String?
        public let isOpen: Bool
    }

    public static let states: [State] = [
        State(id: "reported", name: "待受理", stage: "accept", isOpen: true),
        State(id: "accepted", name: "待立案", stage: "file", isOpen: true),
        State(id: "filed", name: "待派遣", stage: "dispatch", isOpen: true),
        State(id: "dispatched", name: "待处置", stage: "handle", isOpen: true),
        State(id: "handling", name: "处置中", stage: "handle", isOpen: true),
        State(id: "feedback", name: "待核查", stage: "verify", isOpen: true),
        State(id: "verified", name: "待结案", stage: "close", isOpen: true),
        State(id: "closed", name: "已结案", stage: nil, isOpen: false),
        State(id: "rejected", name: "不予立案", stage: nil, isOpen: false),
        State(id: "voided", name: "已作废", stage: nil, isOpen: false),
        State(id: "suspended", name: "挂账", stage: nil, isOpen: true),
    ]

    public static func state(_ id: String) -> State? { states.first { $0.id == id } }

    /// The roles of the centre, as OneMap role names. A department's users hold `dept.<code>`.
    public enum Role: String, Sendable, CaseIterable {
        case supervisor, acceptor, dispatcher, shiftleader, department

        public var chinese: String {
            switch self {
            case .supervisor: "监督员"
            case .acceptor: "受理员"
            case .dispatcher: "派遣员"
            case .shiftleader: "值班长"
            case .department: "处置部门"
            }
        }
    }

    public struct Action: Sendable, Hashable {
        public let id: String
        public let name: String
        public let roles: [Role]
        public let from: [String]
        /// The state after it (nil: stays; `resume` returns to the state before 挂账).
        public let to: String?
    }

    static let openIDs = ["reported", "accepted", "filed", "dispatched", "handling", "feedback", "verified"]

    public static let actions: [Action] = [
        Action(id: "accept", name: "受理", roles: [.acceptor, .shiftleader], from: ["reported"], to: "accepted"),
        Action(id: "file", name: "立案", roles: [.acceptor, .shiftleader], from: ["accepted"], to: "filed"),
        Action(id: "reject", name: "不予立案", roles: [.acceptor, .shiftleader], from: ["accepted"], to: "rejected"),
        Action(id: "void", name: "作废", roles: [.shiftleader], from: ["reported", "accepted", "filed"], to: "voided"),
        Action(id: "dispatch", name: "派遣", roles: [.dispatcher, .shiftleader], from: ["filed"], to: "dispatched"),
        Action(id: "start", name: "开始处置", roles: [.department], from: ["dispatched"], to: "handling"),
        Action(id: "feedback", name: "处置反馈", roles: [.department], from: ["dispatched", "handling"], to: "feedback"),
        Action(id: "return", name: "回退", roles: [.department], from: ["dispatched"], to: "filed"),
        Action(id: "verify", name: "核查通过", roles: [.supervisor], from: ["feedback"], to: "verified"),
        Action(id: "rework", name: "核查不通过（返工）", roles: [.supervisor], from: ["feedback"], to: "dispatched"),
        Action(id: "close", name: "结案", roles: [.acceptor, .shiftleader], from: ["verified"], to: "closed"),
        Action(id: "extend", name: "延期", roles: [.shiftleader], from: ["dispatched", "handling"], to: nil),
        Action(id: "suspend", name: "挂账", roles: [.shiftleader], from: openIDs, to: "suspended"),
        Action(id: "resume", name: "解除挂账", roles: [.shiftleader], from: ["suspended"], to: nil),
    ]

    public static func action(_ id: String) -> Action? { actions.first { $0.id == id } }

    /// The workflow roles a principal holds (and the department, for department users).
    public static func roles(of roleNames: [String]) -> (roles: Set<Role>, department: String?) {
        var roles = Set<Role>()
        var department: String?
        for name in roleNames {
            if let r = Role(rawValue: name), r != .department { roles.insert(r) }
            if name.hasPrefix("dept.") {
                roles.insert(.department)
                department = String(name.dropFirst(5))
            }
        }
        return (roles, department)
    }
}
