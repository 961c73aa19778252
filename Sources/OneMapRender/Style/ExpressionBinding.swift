/// Per-feature cache of shared sub-expression values; `next()` starts a new feature.
final class ExpressionMemo {
    var values: [StyleValue]
    var generations: [Int]
    var generation = 1

    init(slots: Int) {
        values = Array(repeating: .null, count: slots)
        generations = Array(repeating: 0, count: slots)
    }

    func next() { generation += 1 }
}

extension Expression {
    /// The expression with property names replaced by column indices of `index`, so evaluation
    /// reads an array slot instead of hashing a string.
    func bound(to index: [String: Int]) -> Expression {
        func b(_ e: Expression) -> Expression { e.bound(to: index) }
        switch self {
        case .get(let name): return index[name].map { .column($0) } ?? .literal(.null)
        case .has(let name): return index[name].map { .hasColumn($0) } ?? .literal(.bool(false))
        case .literal, .zoom, .geometryType, .id, .elevation, .column, .hasColumn: return self
        case .compare(let op, let x, let y): return .compare(op, b(x), b(y))
        case .inArray(let x, let y): return .inArray(b(x), b(y))
        case .not(let e): return .not(b(e))
        case .toString(let e): return .toString(b(e))
        case .toBoolean(let e): return .toBoolean(b(e))
        case .upcase(let e): return .upcase(b(e))
        case .downcase(let e): return .downcase(b(e))
        case .all(let es): return .all(es.map(b))
        case .any(let es): return .any(es.map(b))
        case .coalesce(let es): return .coalesce(es.map(b))
        case .concat(let es): return .concat(es.map(b))
        case .toNumber(let es): return .toNumber(es.map(b))
        case .toColor(let es): return .toColor(es.map(b))
        case .arithmetic(let op, let es): return .arithmetic(op, es.map(b))
        case .match(let input, let cases, let fallback): return .match(b(input), cases.map { ($0.0, b($0.1)) }, b(fallback))
        case .caseOf(let branches, let fallback): return .caseOf(branches.map { (b($0.0), b($0.1)) }, b(fallback))
        case .interpolate(let kind, let input, let stops): return .interpolate(kind, b(input), stops.map { ($0.0, b($0.1)) })
        case .step(let input, let first, let stops): return .step(b(input), b(first), stops.map { ($0.0, b($0.1)) })
        case .memo(let slot, let e): return .memo(slot, b(e))
        }
    }

    /// The branching sub-expressions (case, match, coalesce) inside, by their text.
    func branches(into counts: inout [String: Int]) {
        switch self {
        case .caseOf, .match, .coalesce:
            counts[String(describing: self), default: 0] += 1
        default: break
        }
        switch self {
        case .compare(_, let x, let y), .inArray(let x, let y):
            x.branches(into: &counts)
            y.branches(into: &counts)
        case .not(let e): e.branches(into: &counts)
        case .all(let es), .any(let es): es.forEach { $0.branches(into: &counts) }
        default: break
        }
    }

    /// Wraps sub-expressions whose text is in `slots` in `.memo`.
    func memoized(_ slots: [String: Int]) -> Expression {
        if let slot = slots[String(describing: self)] { return .memo(slot, self) }
        switch self {
        case .compare(let op, let x, let y): return .compare(op, x.memoized(slots), y.memoized(slots))
        case .inArray(let x, let y): return .inArray(x.memoized(slots), y.memoized(slots))
        case .not(let e): return .not(e.memoized(slots))
        case .all(let es): return .all(es.map { $0.memoized(slots) })
        case .any(let es): return .any(es.map { $0.memoized(slots) })
        default: return self
        }
    }
}

/// The filters of the style layers drawing one source layer, bound to its columns, with
/// sub-expressions they share (a road-class `case` used by a dozen layers) evaluated once.
struct BoundFilters {
    let filters: [Expression?]
    let memo: ExpressionMemo

    init(_ filters: [Expression?], index: [String: Int]) {
        let bound = filters.map { $0?.bound(to: index) }
        var counts: [String: Int] = [:]
        for f in bound { f?.branches(into: &counts) }
        var slots: [String: Int] = [:]
        for (text, n) in counts where n > 1 { slots[text] = slots.count }
        self.filters = slots.isEmpty ? bound : bound.map { $0?.memoized(slots) }
        memo = ExpressionMemo(slots: slots.count)
    }
}
