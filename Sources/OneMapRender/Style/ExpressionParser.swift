import OneMapGeometry

/// One problem in a style, at a JSON path.
public struct StyleProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Turns style JSON into typed `Expression`s, checking types against what the property expects.
enum ExpressionParser {
    static let operators: Set<String> = [
        "literal", "get", "has", "zoom", "geometry-type", "id", "elevation", "==", "!=", "<", "<=", ">", ">=", "!", "all", "any",
        "in", "match", "case", "coalesce", "concat", "to-string", "to-number", "to-boolean", "to-color", "+", "-", "*", "/", "%",
        "^", "min", "max", "interpolate", "step", "upcase", "downcase",
    ]

    /// Parses `json` where a value of type `expected` is required.
    static func parse(_ json: JSONValue, _ path: String, expected: ValueType) throws -> (Expression, ValueType) {
        let (e, t) = try parseAny(json, path, expected: expected)
        guard t.fits(expected) || (expected == .color && t == .string) else {
            throw StyleProblem(path, "expected \(expected) but found \(t)")
        }
        return (e, t == .value ? expected : t)
    }

    static func parseAny(_ json: JSONValue, _ path: String, expected: ValueType) throws -> (Expression, ValueType) {
        switch json {
        case .null: return (.literal(.null), .null)
        case .bool(let b): return (.literal(.bool(b)), .boolean)
        case .number(let d): return (.literal(.number(d)), .number)
        case .string(let s):
            if expected == .color {
                guard let c = Color(css: s) else { throw StyleProblem(path, "'\(s)' is not a colour") }
                return (.literal(.color(c)), .color)
            }
            return (.literal(.string(s)), .string)
        case .object: throw StyleProblem(path, "expected \(expected), found an object")
        case .array(let items):
            guard let op = items.first?.string, operators.contains(op) else {
                if let first = items.first?.string, expected != .array {
                    throw StyleProblem(path, "unknown expression operator '\(first)'")
                }
                guard expected == .array || expected == .value else {
                    throw StyleProblem(path, "expected \(expected), found an array (wrap literal arrays in [\"literal\", …])")
                }
                return (.literal(StyleValue(json)), .array)
            }
            return try parseOperator(op, Array(items.dropFirst()), path, expected: expected)
        }
    }

    static func parseOperator(_ op: String, _ args: [JSONValue], _ path: String, expected: ValueType) throws -> (Expression, ValueType) {
        func arg(_ i: Int, _ type: ValueType) throws -> Expression { try parse(args[i], "\(path)[\(i + 1)]", expected: type).0 }
        func typed(_ i: Int, _ type: ValueType) throws -> (Expression, ValueType) { try parse(args[i], "\(path)[\(i + 1)]", expected: type) }
        func count(_ n: ClosedRange<Int>) throws {
            guard n.contains(args.count) else {
                throw StyleProblem(path, "'\(op)' takes \(n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound)–\(n.upperBound)") argument\(n.upperBound == 1 ? "" : "s"), found \(args.count)")
            }
        }
        func name() throws -> String {
            try count(1...1)
            guard let s = args[0].string else { throw StyleProblem("\(path)[1]", "expected a property name string") }
            return s
        }
        switch op {
        case "literal":
            try count(1...1)
            let v = StyleValue(args[0])
            if expected == .color, let s = v.string {
                guard let c = Color(css: s) else { throw StyleProblem("\(path)[1]", "'\(s)' is not a colour") }
                return (.literal(.color(c)), .color)
            }
            return (.literal(v), v.type)
        case "get": return (.get(try name()), .value)
        case "has": return (.has(try name()), .boolean)
        case "zoom":
            try count(0...0)
            return (.zoom, .number)
        case "geometry-type":
            try count(0...0)
            return (.geometryType, .string)
        case "id":
            try count(0...0)
            return (.id, .value)
        case "elevation":
            try count(0...0)
            return (.elevation, .number)
        case "==", "!=", "<", "<=", ">", ">=":
            try count(2...2)
            let (a, ta) = try typed(0, .value), (b, tb) = try typed(1, .value)
            if ta != .value && tb != .value && ta != tb && ta != .null && tb != .null {
                throw StyleProblem(path, "cannot compare \(ta) with \(tb)")
            }
            if ["<", "<=", ">", ">="].contains(op), ![ValueType.number, .string, .value].contains(ta) {
                throw StyleProblem("\(path)[1]", "'\(op)' compares numbers or strings, not \(ta)")
            }
            return (.compare(Expression.CompareOp(rawValue: op)!, a, b), .boolean)
        case "!":
            try count(1...1)
            return (.not(try arg(0, .boolean)), .boolean)
        case "all", "any":
            let es = try args.indices.map { try arg($0, .boolean) }
            return (op == "all" ? .all(es) : .any(es), .boolean)
        case "in":
            try count(2...2)
            let needle = try arg(0, .value)
            let haystack: Expression
            if case .array(let items) = args[1], items.first?.string.map({ !operators.contains($0) }) ?? true {
                haystack = .literal(StyleValue(args[1]))
            } else {
                haystack = try arg(1, .value)
            }
            return (.inArray(needle, haystack), .boolean)
        case "match":
            guard args.count >= 4, args.count % 2 == 0 else { throw StyleProblem(path, "'match' takes an input, label/output pairs and a fallback") }
            let input = try arg(0, .value)
            var cases: [([StyleValue], Expression)] = []
            var types: [ValueType] = []
            var seen = Set<StyleValue>()
            for k in stride(from: 1, to: args.count - 1, by: 2) {
                let labels: [StyleValue]
                switch args[k] {
                case .string, .number: labels = [StyleValue(args[k])]
                case .array(let items) where items.allSatisfy({ $0.string != nil || $0.number != nil }): labels = items.map(StyleValue.init)
                default: throw StyleProblem("\(path)[\(k + 1)]", "match labels must be strings, numbers or arrays of them")
                }
                for l in labels where !seen.insert(l).inserted { throw StyleProblem("\(path)[\(k + 1)]", "label '\(l)' appears twice") }
                let (o, t) = try typed(k + 1, expected)
                cases.append((labels, o))
                types.append(t)
            }
            let (fallback, ft) = try typed(args.count - 1, expected)
            return (.match(input, cases, fallback), common(types + [ft]))
        case "case":
            guard args.count >= 3, args.count % 2 == 1 else { throw StyleProblem(path, "'case' takes condition/output pairs and a fallback") }
            var branches: [(Expression, Expression)] = []
            var types: [ValueType] = []
            for k in stride(from: 0, to: args.count - 1, by: 2) {
                let (o, t) = try typed(k + 1, expected)
                branches.append((try arg(k, .boolean), o))
                types.append(t)
            }
            let (fallback, ft) = try typed(args.count - 1, expected)
            return (.caseOf(branches, fallback), common(types + [ft]))
        case "coalesce":
            guard !args.isEmpty else { throw StyleProblem(path, "'coalesce' needs arguments") }
            let parsed = try args.indices.map { try typed($0, expected) }
            return (.coalesce(parsed.map(\.0)), common(parsed.map(\.1)))
        case "concat":
            return (.concat(try args.indices.map { try arg($0, .value) }), .string)
        case "to-string":
            try count(1...1)
            return (.toString(try arg(0, .value)), .string)
        case "to-number":
            guard !args.isEmpty else { throw StyleProblem(path, "'to-number' needs an argument") }
            return (.toNumber(try args.indices.map { try arg($0, .value) }), .number)
        case "to-boolean":
            try count(1...1)
            return (.toBoolean(try arg(0, .value)), .boolean)
        case "to-color":
            guard !args.isEmpty else { throw StyleProblem(path, "'to-color' needs an argument") }
            return (.toColor(try args.indices.map { try arg($0, .value) }), .color)
        case "+", "*", "min", "max":
            guard args.count >= 2 else { throw StyleProblem(path, "'\(op)' takes at least 2 arguments") }
            return (.arithmetic(Expression.ArithmeticOp(rawValue: op)!, try args.indices.map { try arg($0, .number) }), .number)
        case "-":
            try count(1...2)
            return (.arithmetic(.sub, try args.indices.map { try arg($0, .number) }), .number)
        case "/", "%", "^":
            try count(2...2)
            return (.arithmetic(Expression.ArithmeticOp(rawValue: op)!, try args.indices.map { try arg($0, .number) }), .number)
        case "upcase", "downcase":
            try count(1...1)
            let e = try arg(0, .string)
            return (op == "upcase" ? .upcase(e) : .downcase(e), .string)
        case "interpolate":
            guard args.count >= 4, args.count % 2 == 0 else { throw StyleProblem(path, "'interpolate' takes a type, an input and stop/output pairs") }
            guard let kind = args[0].array, let kindName = kind.first?.string else {
                throw StyleProblem("\(path)[1]", "expected [\"linear\"] or [\"exponential\", base]")
            }
            let interpolation: Expression.Interpolation
            switch kindName {
            case "linear": interpolation = .linear
            case "exponential":
                guard kind.count == 2, let base = kind[1].number, base > 0 else { throw StyleProblem("\(path)[1]", "exponential needs a positive base") }
                interpolation = .exponential(base)
            default: throw StyleProblem("\(path)[1]", "unsupported interpolation '\(kindName)' (use linear or exponential)")
            }
            guard [ValueType.number, .color, .array, .value].contains(expected) else {
                throw StyleProblem(path, "\(expected) values cannot be interpolated; use 'step'")
            }
            let input = try arg(1, .number)
            let stops = try stopPairs(args, from: 2, path: path, expected: expected)
            return (.interpolate(interpolation, input, stops.map { ($0.0, $0.1) }), common(stops.map(\.2)))
        case "step":
            guard args.count >= 2, args.count % 2 == 0 else { throw StyleProblem(path, "'step' takes an input, a first output and stop/output pairs") }
            let input = try arg(0, .number)
            let (first, ft) = try typed(1, expected)
            let stops = try stopPairs(args, from: 2, path: path, expected: expected)
            return (.step(input, first, stops.map { ($0.0, $0.1) }), common([ft] + stops.map(\.2)))
        default:
            throw StyleProblem(path, "unsupported expression operator '\(op)'")
        }
    }

    static func stopPairs(_ args: [JSONValue], from start: Int, path: String, expected: ValueType) throws -> [(Double, Expression, ValueType)] {
        var out: [(Double, Expression, ValueType)] = []
        for k in stride(from: start, to: args.count, by: 2) {
            guard let stop = args[k].number else { throw StyleProblem("\(path)[\(k + 1)]", "stop inputs must be number literals") }
            if let last = out.last, stop <= last.0 { throw StyleProblem("\(path)[\(k + 1)]", "stop inputs must be in ascending order") }
            let (e, t) = try parse(args[k + 1], "\(path)[\(k + 2)]", expected: expected)
            out.append((stop, e, t))
        }
        return out
    }

    static func common(_ types: [ValueType]) -> ValueType {
        let concrete = Set(types.filter { $0 != .value && $0 != .null })
        return concrete.count == 1 ? concrete.first! : .value
    }

    // MARK: legacy syntax

    /// Whether a filter uses expression syntax (MapLibre's rule), else it is a legacy filter.
    static func isExpressionFilter(_ f: JSONValue) -> Bool {
        if case .bool = f { return true }
        guard let items = f.array, let op = items.first?.string else { return false }
        switch op {
        case "has": return items.count >= 2 && items[1].string != "$id" && items[1].string != "$type"
        case "in": return items.count >= 3 && (items[1].string == nil || items[2].array != nil)
        case "!in", "!has", "none": return false
        case "==", "!=", ">", ">=", "<", "<=": return items.count != 3 || items[1].array != nil || items[2].array != nil
        case "any", "all": return items.dropFirst().allSatisfy { isExpressionFilter($0) || $0.bool != nil }
        default: return true
        }
    }

    /// Converts a legacy filter to the expression it means.
    static func convertLegacyFilter(_ f: JSONValue, _ path: String) throws -> JSONValue {
        guard let items = f.array, let op = items.first?.string else { throw StyleProblem(path, "a filter must be an array") }
        func getter(_ key: JSONValue) -> JSONValue {
            switch key.string {
            case "$type": .array([.string("geometry-type")])
            case "$id": .array([.string("id")])
            default: .array([.string("get"), key])
            }
        }
        switch op {
        case "all", "any": return .array([.string(op)] + (try items.dropFirst().enumerated().map { try convertLegacyFilter($1, "\(path)[\($0 + 1)]") }))
        case "none": return .array([.string("!"), .array([.string("any")] + (try items.dropFirst().enumerated().map { try convertLegacyFilter($1, "\(path)[\($0 + 1)]") }))])
        case "has": return .array([.string("has"), items[1]])
        case "!has": return .array([.string("!"), .array([.string("has"), items[1]])])
        case "in", "!in":
            guard items.count >= 2 else { throw StyleProblem(path, "'\(op)' needs a key") }
            let test = JSONValue.array([.string("in"), getter(items[1]), .array([.string("literal"), .array(Array(items.dropFirst(2)))])])
            return op == "in" ? test : .array([.string("!"), test])
        case "==", "!=", "<", "<=", ">", ">=":
            guard items.count == 3 else { throw StyleProblem(path, "'\(op)' takes a key and a value") }
            return .array([.string(op), getter(items[1]), items[2]])
        default: throw StyleProblem(path, "unknown filter operator '\(op)'")
        }
    }

    /// Converts a legacy function (`{"stops": …}`) to an expression.
    static func convertFunction(_ f: JSONValue, _ path: String, interpolatable: Bool) throws -> JSONValue {
        guard let stops = f["stops"]?.array, !stops.isEmpty else { throw StyleProblem("\(path).stops", "missing") }
        let property = f["property"]?.string
        let type = f["type"]?.string ?? (property != nil && !interpolatable ? "categorical" : interpolatable ? "exponential" : "interval")
        let input: JSONValue = property.map { .array([.string("get"), .string($0)]) } ?? .array([.string("zoom")])
        var pairs: [(JSONValue, JSONValue)] = []
        for (i, s) in stops.enumerated() {
            guard let pair = s.array, pair.count == 2 else { throw StyleProblem("\(path).stops[\(i)]", "expected [input, output]") }
            if case .object = pair[0] { throw StyleProblem("\(path).stops[\(i)]", "zoom-and-property functions are unsupported; use an expression") }
            pairs.append((pair[0], pair[1]))
        }
        switch type {
        case "identity":
            guard let property else { throw StyleProblem(path, "identity functions need a property") }
            return .array([.string("get"), .string(property)])
        case "categorical":
            var out: [JSONValue] = [.string("match"), input]
            for (k, v) in pairs { out += [k, v] }
            out.append(f["default"] ?? .null)
            return .array(out)
        case "interval":
            var out: [JSONValue] = [.string("step"), input, pairs[0].1]
            for (k, v) in pairs.dropFirst() { out += [k, v] }
            return .array(out)
        case "exponential":
            guard interpolatable else { throw StyleProblem("\(path).type", "exponential functions need a number, colour or array property") }
            var out: [JSONValue] = [.string("interpolate"), .array([.string("exponential"), .number(f["base"]?.number ?? 1)]), input]
            for (k, v) in pairs { out += [k, v] }
            return .array(out)
        default: throw StyleProblem("\(path).type", "unknown function type '\(type)'")
        }
    }
}
