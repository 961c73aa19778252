import OneMapGeometry

/// A filter over a vector layer's features: the parsed form of a CQL2 expression or of
/// `property=value` parameters. Property names are checked against the layer when the filter is
/// compiled to SQL; values are always bound as parameters, never spliced into SQL text.
public indirect enum FeatureFilter: Sendable, Hashable {
    case and([FeatureFilter])
    case or([FeatureFilter])
    case not(FeatureFilter)
    case compare(FilterOperand, ComparisonOperator, FilterOperand)
    case isNull(FilterOperand)
    /// `LIKE` with CQL2's wildcards: `%` any run, `_` one character, `\` escapes.
    case like(FilterOperand, pattern: String)
    case between(FilterOperand, FilterOperand, FilterOperand)
    case inList(FilterOperand, [FilterOperand])
    /// A spatial predicate between the feature's geometry and a literal geometry in `crs`.
    case spatial(SpatialPredicate, Geometry, crs: CRS)
    case literal(Bool)

    public enum ComparisonOperator: String, Sendable, CaseIterable {
        case equal = "="
        case notEqual = "<>"
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }

    /// CQL2 spatial functions: "feature RELATION literal", evaluated by `SpatialTest`.
    public enum SpatialPredicate: String, Sendable, CaseIterable {
        case intersects = "S_INTERSECTS"
        case within = "S_WITHIN"
        case contains = "S_CONTAINS"
        case disjoint = "S_DISJOINT"
        case equals = "S_EQUALS"
        case touches = "S_TOUCHES"
        case crosses = "S_CROSSES"
        case overlaps = "S_OVERLAPS"
    }

    /// All of `filters` (nil when there are none).
    public static func all(_ filters: [FeatureFilter]) -> FeatureFilter? {
        switch filters.count {
        case 0: nil
        case 1: filters[0]
        default: .and(filters)
        }
    }
}

/// One side of a comparison: a feature property (or `id`) or a literal value.
public enum FilterOperand: Sendable, Hashable {
    case property(String)
    case value(FeatureValue)
}

extension FeatureFilter {
    /// A comparison of a property with a literal of another type (`area_m2 = 'abc'`, `code = 5`),
    /// which SQL would answer with "nothing" instead of an error; nil when every one fits.
    func typeMismatch(on layer: Layer) -> String? {
        func shown(_ v: FeatureValue) -> String { if case .text(let t) = v { "'\(t)'" } else { v.description } }
        func check(_ a: FilterOperand, _ others: [FilterOperand]) -> String? {
            guard case .property(let name) = a, let field = layer.attribute(name) else { return nil }
            for case .value(let v) in others {
                switch (field.type, v) {
                case (_, .null), (.integer, .integer), (.integer, .real), (.real, .integer), (.real, .real), (.text, .text), (.date, .text):
                    continue
                case (.integer, _), (.real, _):
                    return "\(name) is a number; \(shown(v)) is not"
                case (.text, _), (.date, _):
                    return "\(name) is \(field.type == .date ? "a date" : "text"); compare it with a quoted value, not \(shown(v))"
                }
            }
            return nil
        }
        switch self {
        case .and(let fs), .or(let fs): return fs.lazy.compactMap { $0.typeMismatch(on: layer) }.first
        case .not(let f): return f.typeMismatch(on: layer)
        case .compare(let a, _, let b): return check(a, [b]) ?? check(b, [a])
        case .between(let a, let low, let high): return check(a, [low, high])
        case .inList(let a, let list): return check(a, list)
        case .isNull, .like, .spatial, .literal: return nil
        }
    }
}
