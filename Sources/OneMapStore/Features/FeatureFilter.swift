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
