import Foundation

/// A compiled style expression (https://maplibre.org/maplibre-style-spec/expressions/, the subset
/// DESIGN.md lists plus a few arithmetic helpers), with its result type.
public indirect enum Expression: Sendable, Hashable {
    case literal(StyleValue)
    case get(String)
    case has(String)
    case zoom
    case geometryType
    case id
    /// The elevation being coloured (`color-relief` only).
    case elevation
    case compare(CompareOp, Expression, Expression)
    case not(Expression)
    case all([Expression])
    case any([Expression])
    case inArray(Expression, Expression)
    case match(Expression, [([StyleValue], Expression)], Expression)
    case caseOf([(Expression, Expression)], Expression)
    case coalesce([Expression])
    case concat([Expression])
    case toString(Expression)
    case toNumber([Expression])
    case toBoolean(Expression)
    case toColor([Expression])
    case arithmetic(ArithmeticOp, [Expression])
    case interpolate(Interpolation, Expression, [(Double, Expression)])
    case step(Expression, Expression, [(Double, Expression)])
    case upcase(Expression)
    case downcase(Expression)
    /// `get` bound to a column of the features being drawn (see `bound(to:)`).
    case column(Int)
    case hasColumn(Int)
    /// A sub-expression shared by several layers' filters, evaluated once per feature.
    case memo(Int, Expression)

    public enum CompareOp: String, Sendable, Hashable { case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=" }
    public enum ArithmeticOp: String, Sendable, Hashable { case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", min, max }
    public enum Interpolation: Sendable, Hashable {
        case linear
        case exponential(Double)
    }

    public static func == (a: Expression, b: Expression) -> Bool { String(describing: a) == String(describing: b) }
    public func hash(into h: inout Hasher) { h.combine(String(describing: self)) }

    /// Whether the value depends on the feature (and so must be evaluated per feature).
    public var isFeatureDependent: Bool {
        switch self {
        case .get, .has, .geometryType, .id, .column, .hasColumn: return true
        case .literal, .zoom, .elevation: return false
        case .memo(_, let e): return e.isFeatureDependent
        case .compare(_, let a, let b), .inArray(let a, let b): return a.isFeatureDependent || b.isFeatureDependent
        case .not(let e), .toString(let e), .toBoolean(let e), .upcase(let e), .downcase(let e): return e.isFeatureDependent
        case .all(let es), .any(let es), .coalesce(let es), .concat(let es), .toNumber(let es), .toColor(let es), .arithmetic(_, let es):
            return es.contains { $0.isFeatureDependent }
        case .match(let input, let cases, let fallback):
            return input.isFeatureDependent || fallback.isFeatureDependent || cases.contains { $0.1.isFeatureDependent }
        case .caseOf(let branches, let fallback):
            return fallback.isFeatureDependent || branches.contains { $0.0.isFeatureDependent || $0.1.isFeatureDependent }
        case .interpolate(_, let input, let stops), .step(let input, _, let stops):
            if case .step(_, let first, _) = self, first.isFeatureDependent { return true }
            return input.isFeatureDependent || stops.contains { $0.1.isFeatureDependent }
        }
    }

    /// Whether the value depends on the zoom level.
    public var isZoomDependent: Bool {
        switch self {
        case .zoom: return true
        case .literal, .get, .has, .geometryType, .id, .elevation, .column, .hasColumn: return false
        case .memo(_, let e): return e.isZoomDependent
        case .compare(_, let a, let b), .inArray(let a, let b): return a.isZoomDependent || b.isZoomDependent
        case .not(let e), .toString(let e), .toBoolean(let e), .upcase(let e), .downcase(let e): return e.isZoomDependent
        case .all(let es), .any(let es), .coalesce(let es), .concat(let es), .toNumber(let es), .toColor(let es), .arithmetic(_, let es):
            return es.contains { $0.isZoomDependent }
        case .match(let input, let cases, let fallback):
            return input.isZoomDependent || fallback.isZoomDependent || cases.contains { $0.1.isZoomDependent }
        case .caseOf(let branches, let fallback):
            return fallback.isZoomDependent || branches.contains { $0.0.isZoomDependent || $0.1.isZoomDependent }
        case .interpolate(_, let input, let stops): return input.isZoomDependent || stops.contains { $0.1.isZoomDependent }
        case .step(let input, let first, let stops): return input.isZoomDependent || first.isZoomDependent || stops.contains { $0.1.isZoomDependent }
        }
    }

    /// Every feature property the expression reads.
    public var properties: Set<String> {
        var out = Set<String>()
        func walk(_ e: Expression) {
            switch e {
            case .get(let n), .has(let n): out.insert(n)
            case .literal, .zoom, .geometryType, .id, .elevation, .column, .hasColumn: break
            case .memo(_, let e): walk(e)
            case .compare(_, let a, let b), .inArray(let a, let b):
                walk(a)
                walk(b)
            case .not(let x), .toString(let x), .toBoolean(let x), .upcase(let x), .downcase(let x): walk(x)
            case .all(let es), .any(let es), .coalesce(let es), .concat(let es), .toNumber(let es), .toColor(let es), .arithmetic(_, let es):
                es.forEach(walk)
            case .match(let input, let cases, let fallback):
                walk(input)
                cases.forEach { walk($0.1) }
                walk(fallback)
            case .caseOf(let branches, let fallback):
                branches.forEach {
                    walk($0.0)
                    walk($0.1)
                }
                walk(fallback)
            case .interpolate(_, let input, let stops):
                walk(input)
                stops.forEach { walk($0.1) }
            case .step(let input, let first, let stops):
                walk(input)
                walk(first)
                stops.forEach { walk($0.1) }
            }
        }
        walk(self)
        return out
    }
}
