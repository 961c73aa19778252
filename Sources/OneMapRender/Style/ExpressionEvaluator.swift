import Foundation
import OneMapStore

/// A feature's data as expressions see it: attribute values by name, geometry type and id.
public struct FeatureData {
    /// Attribute name → index into `values` (shared by all features of a source layer).
    public let index: [String: Int]
    public let values: [FeatureValue]
    /// `Point`, `LineString` or `Polygon` (multi types report their single type, as in MapLibre).
    public let geometryType: String
    public let id: Int64

    public init(index: [String: Int], values: [FeatureValue], geometryType: String, id: Int64) {
        self.index = index
        self.values = values
        self.geometryType = geometryType
        self.id = id
    }

    @inline(__always)
    func property(_ name: String) -> StyleValue {
        guard let i = index[name], i < values.count else { return .null }
        return value(at: i)
    }

    @inline(__always)
    func value(at i: Int) -> StyleValue {
        guard i < values.count else { return .null }
        switch values[i] {
        case .null: return .null
        case .integer(let n): return .number(Double(n))
        case .real(let d): return .number(d)
        case .text(let s): return .string(s)
        }
    }
}

/// What an expression is evaluated against.
public struct EvaluationContext {
    public var zoom: Double
    public var feature: FeatureData?
    public var elevation: Double = 0
    /// Values of shared sub-expressions for the current feature.
    var memo: ExpressionMemo?

    public init(zoom: Double, feature: FeatureData? = nil) {
        self.zoom = zoom
        self.feature = feature
    }
}

extension Expression {
    /// Evaluates the expression; type errors at run time give `null` (the property's default then applies).
    public func evaluate(_ ctx: EvaluationContext) -> StyleValue {
        switch self {
        case .literal(let v): return v
        case .get(let name): return ctx.feature?.property(name) ?? .null
        case .has(let name): return .bool(ctx.feature.map { $0.index[name] != nil && $0.property(name) != .null } ?? false)
        case .zoom: return .number(ctx.zoom)
        case .geometryType: return .string(ctx.feature?.geometryType ?? "")
        case .id: return ctx.feature.map { .number(Double($0.id)) } ?? .null
        case .elevation: return .number(ctx.elevation)
        case .compare(let op, let a, let b): return .bool(Self.compare(op, a.evaluate(ctx), b.evaluate(ctx)))
        case .not(let e): return .bool(!e.evaluate(ctx).isTrue)
        case .all(let es):
            for e in es where !e.evaluate(ctx).isTrue { return .bool(false) }
            return .bool(true)
        case .any(let es):
            for e in es where e.evaluate(ctx).isTrue { return .bool(true) }
            return .bool(false)
        case .inArray(let needle, let haystack):
            let n = needle.evaluate(ctx)
            switch haystack.evaluate(ctx) {
            case .array(let items): return .bool(items.contains(n))
            case .string(let s): return .bool(n.string.map { s.contains($0) } ?? false)
            default: return .bool(false)
            }
        case .match(let input, let cases, let fallback):
            let v = input.evaluate(ctx)
            for (labels, output) in cases where labels.contains(v) { return output.evaluate(ctx) }
            return fallback.evaluate(ctx)
        case .caseOf(let branches, let fallback):
            for (condition, output) in branches where condition.evaluate(ctx).isTrue { return output.evaluate(ctx) }
            return fallback.evaluate(ctx)
        case .coalesce(let es):
            for e in es {
                let v = e.evaluate(ctx)
                if v != .null { return v }
            }
            return .null
        case .concat(let es): return .string(es.map { $0.evaluate(ctx).description }.joined())
        case .toString(let e): return .string(e.evaluate(ctx).description)
        case .toNumber(let es):
            for e in es {
                switch e.evaluate(ctx) {
                case .number(let d): return .number(d)
                case .string(let s): if let d = Double(s.trimmingCharacters(in: .whitespaces)) { return .number(d) }
                case .bool(let b): return .number(b ? 1 : 0)
                default: continue
                }
            }
            return .null
        case .toBoolean(let e):
            switch e.evaluate(ctx) {
            case .bool(let b): return .bool(b)
            case .number(let d): return .bool(d != 0 && !d.isNaN)
            case .string(let s): return .bool(!s.isEmpty)
            case .null: return .bool(false)
            default: return .bool(true)
            }
        case .toColor(let es):
            for e in es { if let c = e.evaluate(ctx).color { return .color(c) } }
            return .null
        case .arithmetic(let op, let es):
            let ds = es.map { $0.evaluate(ctx).number }
            guard ds.allSatisfy({ $0 != nil }) else { return .null }
            let xs = ds.map { $0! }
            switch op {
            case .add: return .number(xs.reduce(0, +))
            case .mul: return .number(xs.reduce(1, *))
            case .sub: return .number(xs.count == 1 ? -xs[0] : xs[0] - xs[1])
            case .div: return .number(xs[0] / xs[1])
            case .mod: return .number(xs[0].truncatingRemainder(dividingBy: xs[1]))
            case .pow: return .number(pow(xs[0], xs[1]))
            case .min: return .number(xs.min() ?? .nan)
            case .max: return .number(xs.max() ?? .nan)
            }
        case .interpolate(let kind, let input, let stops):
            guard let x = input.evaluate(ctx).number, let first = stops.first, let last = stops.last else { return .null }
            if x <= first.0 { return first.1.evaluate(ctx) }
            if x >= last.0 { return last.1.evaluate(ctx) }
            var k = 1
            while stops[k].0 < x { k += 1 }
            let (x0, e0) = stops[k - 1], (x1, e1) = stops[k]
            let t: Double
            switch kind {
            case .linear: t = (x - x0) / (x1 - x0)
            case .exponential(let base):
                t = base == 1 ? (x - x0) / (x1 - x0) : (pow(base, x - x0) - 1) / (pow(base, x1 - x0) - 1)
            }
            return Self.blend(e0.evaluate(ctx), e1.evaluate(ctx), t)
        case .step(let input, let first, let stops):
            guard let x = input.evaluate(ctx).number else { return first.evaluate(ctx) }
            var chosen = first
            for (threshold, output) in stops {
                if x >= threshold { chosen = output } else { break }
            }
            return chosen.evaluate(ctx)
        case .column(let i): return ctx.feature?.value(at: i) ?? .null
        case .hasColumn(let i): return .bool(ctx.feature.map { $0.value(at: i) != .null } ?? false)
        case .memo(let slot, let e):
            guard let memo = ctx.memo else { return e.evaluate(ctx) }
            if memo.generations[slot] == memo.generation { return memo.values[slot] }
            let v = e.evaluate(ctx)
            memo.values[slot] = v
            memo.generations[slot] = memo.generation
            return v
        case .upcase(let e): return .string(e.evaluate(ctx).description.uppercased())
        case .downcase(let e): return .string(e.evaluate(ctx).description.lowercased())
        }
    }

    static func compare(_ op: CompareOp, _ a: StyleValue, _ b: StyleValue) -> Bool {
        switch op {
        case .eq: return a == b
        case .ne: return a != b
        default: break
        }
        let ordered: Bool? = switch (a, b) {
        case (.number(let x), .number(let y)): op == .lt ? x < y : op == .le ? x <= y : op == .gt ? x > y : x >= y
        case (.string(let x), .string(let y)): op == .lt ? x < y : op == .le ? x <= y : op == .gt ? x > y : x >= y
        default: nil
        }
        return ordered ?? false
    }

    static func blend(_ a: StyleValue, _ b: StyleValue, _ t: Double) -> StyleValue {
        switch (a, b) {
        case (.number(let x), .number(let y)): return .number(x + (y - x) * t)
        case _ where a.color != nil && b.color != nil: return .color(a.color!.mix(b.color!, t))
        case (.array(let xs), .array(let ys)) where xs.count == ys.count:
            return .array(zip(xs, ys).map { blend($0, $1, t) })
        default: return t < 0.5 ? a : b
        }
    }
}
