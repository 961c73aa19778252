import OneMapGeometry

/// A value an expression produces.
public enum StyleValue: Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case color(Color)
    case array([StyleValue])

    public var description: String {
        switch self {
        case .null: ""
        case .bool(let b): b ? "true" : "false"
        case .number(let d): formatNumber(d, precision: 10)
        case .string(let s): s
        case .color(let c): c.description
        case .array(let a): a.map(\.description).joined(separator: ",")
        }
    }

    public var type: ValueType {
        switch self {
        case .null: .null
        case .bool: .boolean
        case .number: .number
        case .string: .string
        case .color: .color
        case .array: .array
        }
    }

    public var number: Double? { if case .number(let d) = self { d } else { nil } }
    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var array: [StyleValue]? { if case .array(let a) = self { a } else { nil } }

    /// The colour, converting strings that are CSS colours.
    public var color: Color? {
        switch self {
        case .color(let c): c
        case .string(let s): Color(css: s)
        default: nil
        }
    }

    public var numbers: [Double]? {
        guard case .array(let items) = self else { return nil }
        let ds = items.compactMap(\.number)
        return ds.count == items.count ? ds : nil
    }

    /// JSON (for literals read from the style) to a value.
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let d): self = .number(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(StyleValue.init))
        case .object: self = .null
        }
    }

    /// Truthiness for `!`, `all`, `any` and filters: only `true` is true.
    public var isTrue: Bool { self == .bool(true) }
}

/// The types the style loader checks expressions against.
public enum ValueType: Hashable, Sendable, CustomStringConvertible {
    case number, string, boolean, color, array, null
    /// Anything: known only when evaluated (feature properties).
    case value

    public var description: String {
        switch self {
        case .number: "number"
        case .string: "string"
        case .boolean: "boolean"
        case .color: "color"
        case .array: "array"
        case .null: "null"
        case .value: "value"
        }
    }

    /// Whether a value of type `self` may stand where `expected` is required (checked again at run time for `value`).
    func fits(_ expected: ValueType) -> Bool {
        self == expected || self == .value || expected == .value || (expected == .string && self == .null)
    }
}
