/// One attribute value of a feature.
public enum FeatureValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var description: String {
        switch self {
        case .null: ""
        case .integer(let i): String(i)
        case .real(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .text(let s): s
        }
    }

    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The value converted to a column type, or nil when it does not convert ("abc" → integer).
    public func converted(to type: AttributeType) -> FeatureValue? {
        switch (self, type) {
        case (.null, _): return .null
        case (.integer, .integer), (.real, .real), (.text, .text), (.text, .date): return self
        case (.integer(let i), .real): return .real(Double(i))
        case (.real(let d), .integer):
            return d == d.rounded() && abs(d) < 9e18 ? .integer(Int64(d)) : nil
        case (.integer, .text), (.real, .text): return .text(description)
        case (.text(let s), .integer): return Int64(s.trimmingCharacters(in: .whitespaces)).map { .integer($0) }
        case (.text(let s), .real): return Double(s.trimmingCharacters(in: .whitespaces)).map { .real($0) }
        case (.integer, .date), (.real, .date): return nil
        }
    }
}

import Foundation
