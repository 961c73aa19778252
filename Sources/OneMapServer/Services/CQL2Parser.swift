import OneMapGeometry
import OneMapStore

/// A CQL2 text expression that does not parse; `position` counts characters from 1.
public struct CQL2Error: Error, Sendable, CustomStringConvertible {
    public let position: Int
    public let message: String
    public var description: String { "filter: \(message) at position \(position)" }
}

/// Parses CQL2 text (OGC 21-065) into a `FeatureFilter`: basic CQL2 (AND, OR, NOT, comparisons,
/// IS [NOT] NULL), advanced comparisons (LIKE, BETWEEN, IN), and the spatial functions with WKT
/// (or `BBOX(…)`) literals. Property names are checked later, against the layer.
///
///     try CQL2Parser.parse("landuse = '0701' AND area_m2 > 500 AND S_INTERSECTS(geometry, POINT(116.85 38.32))")
public struct CQL2Parser {
    /// The names a filter may use for the feature's geometry.
    static let geometryNames: Set<String> = ["geometry", "geom", "the_geom", "shape"]

    private let bytes: [UInt8]
    private var i = 0
    private let crs: CRS
    private let northFirst: Bool

    /// - Parameters:
    ///   - crs: the CRS of geometry literals (`filter-crs`; CQL2's default is CRS84).
    public static func parse(_ text: String, crs: CRS = .crs84) throws(CQL2Error) -> FeatureFilter {
        var p = CQL2Parser(bytes: Array(text.utf8), crs: crs, northFirst: crs.isNorthFirst)
        let f = try p.orExpression()
        p.skipSpace()
        guard p.i == p.bytes.count else { throw p.fail("unexpected '\(p.peekText)'") }
        return f
    }

    private init(bytes: [UInt8], crs: CRS, northFirst: Bool) {
        self.bytes = bytes
        self.crs = crs
        self.northFirst = northFirst
    }

    // MARK: boolean structure

    private mutating func orExpression() throws(CQL2Error) -> FeatureFilter {
        var parts = [try andExpression()]
        while acceptKeyword("OR") { parts.append(try andExpression()) }
        return parts.count == 1 ? parts[0] : .or(parts)
    }

    private mutating func andExpression() throws(CQL2Error) -> FeatureFilter {
        var parts = [try notExpression()]
        while acceptKeyword("AND") { parts.append(try notExpression()) }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    private mutating func notExpression() throws(CQL2Error) -> FeatureFilter {
        if acceptKeyword("NOT") { return .not(try notExpression()) }
        return try primary()
    }

    private mutating func primary() throws(CQL2Error) -> FeatureFilter {
        skipSpace()
        if accept("(") {
            let inner = try orExpression()
            try expect(")")
            return inner
        }
        let start = i
        let word = peekWord.uppercased()
        if let predicate = FeatureFilter.SpatialPredicate(rawValue: word) {
            i += word.utf8.count
            return try spatial(predicate)
        }
        if word.hasPrefix("S_") || word.hasPrefix("T_") || word.hasPrefix("A_") {
            throw fail("unsupported function \(word) (supported: \(FeatureFilter.SpatialPredicate.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let left = try scalar()
        skipSpace()
        let negated = acceptKeyword("NOT")
        if acceptKeyword("LIKE") {
            skipSpace()
            let patternStart = i
            guard case .value(.text(let pattern)) = try scalar() else {
                i = patternStart
                throw fail("LIKE needs a string pattern")
            }
            return negate(.like(left, pattern: pattern), negated)
        }
        if acceptKeyword("BETWEEN") {
            let low = try scalar()
            guard acceptKeyword("AND") else { throw fail("expected AND in BETWEEN") }
            let high = try scalar()
            return negate(.between(left, low, high), negated)
        }
        if acceptKeyword("IN") {
            try expect("(")
            var list = [try scalar()]
            while accept(",") { list.append(try scalar()) }
            try expect(")")
            return negate(.inList(left, list), negated)
        }
        if negated { throw fail("expected LIKE, BETWEEN or IN after NOT") }
        if acceptKeyword("IS") {
            let not = acceptKeyword("NOT")
            guard acceptKeyword("NULL") else { throw fail("expected NULL after IS") }
            return negate(.isNull(left), not)
        }
        if let op = comparisonOperator() {
            return .compare(left, op, try scalar())
        }
        // A lone boolean literal is a predicate of its own.
        if case .value(.integer(let b)) = left, ["TRUE", "FALSE"].contains(word) { return .literal(b == 1) }
        i = max(i, start)
        throw fail(atEnd ? "the expression ends too early" : "expected a comparison operator, LIKE, BETWEEN, IN or IS NULL")
    }

    private func negate(_ f: FeatureFilter, _ yes: Bool) -> FeatureFilter { yes ? .not(f) : f }

    private mutating func comparisonOperator() -> FeatureFilter.ComparisonOperator? {
        skipSpace()
        for (text, op) in [("<>", FeatureFilter.ComparisonOperator.notEqual), ("!=", .notEqual), ("<=", .lessOrEqual), (">=", .greaterOrEqual),
                           ("=", .equal), ("<", .less), (">", .greater)] where hasPrefix(text) {
            i += text.utf8.count
            return op
        }
        return nil
    }

    // MARK: operands

    private mutating func scalar() throws(CQL2Error) -> FilterOperand {
        skipSpace()
        guard let c = current else { throw fail("the expression ends too early") }
        if c == UInt8(ascii: "'") { return .value(.text(try stringLiteral())) }
        if c == UInt8(ascii: "\"") { return .property(try quotedIdentifier()) }
        if c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || (c >= 0x30 && c <= 0x39) { return .value(try number()) }
        let word = peekWord
        guard !word.isEmpty else { throw fail("unexpected '\(peekText)'") }
        switch word.uppercased() {
        case "TRUE":
            i += 4
            return .value(.integer(1))
        case "FALSE":
            i += 5
            return .value(.integer(0))
        case "DATE", "TIMESTAMP":
            i += word.utf8.count
            try expect("(")
            skipSpace()
            let text = try stringLiteral()
            try expect(")")
            return .value(.text(text))
        case "AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL":
            throw fail("expected a property or a value, found \(word.uppercased())")
        default:
            i += word.utf8.count
            skipSpace()
            if current == UInt8(ascii: "(") { throw fail("unsupported function \(word)") }
            return .property(word)
        }
    }

    /// A single-quoted string literal; `''` inside stands for one `'`.
    private mutating func stringLiteral() throws(CQL2Error) -> String {
        try delimited(by: UInt8(ascii: "'"), what: "string")
    }

    /// A double-quoted property name; `""` inside stands for one `"`.
    private mutating func quotedIdentifier() throws(CQL2Error) -> String {
        try delimited(by: UInt8(ascii: "\""), what: "quoted property name")
    }

    /// The text between `quote` at the cursor and the matching one, doubled quotes unescaped.
    private mutating func delimited(by quote: UInt8, what: String) throws(CQL2Error) -> String {
        let start = i
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            if bytes[i] == quote {
                if i + 1 < bytes.count && bytes[i + 1] == quote {
                    out.append(quote)
                    i += 2
                    continue
                }
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            out.append(bytes[i])
            i += 1
        }
        i = start
        throw fail("unterminated \(what)")
    }

    private mutating func number() throws(CQL2Error) -> FeatureValue {
        let start = i
        if current == UInt8(ascii: "-") || current == UInt8(ascii: "+") { i += 1 }
        var isReal = false
        while let c = current, (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
            || ((c == UInt8(ascii: "-") || c == UInt8(ascii: "+")) && (bytes[i - 1] | 0x20) == UInt8(ascii: "e"))
        {
            if c == UInt8(ascii: ".") || (c | 0x20) == UInt8(ascii: "e") { isReal = true }
            i += 1
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if !isReal, let n = Int64(text) { return .integer(n) }
        guard let d = Double(text), d.isFinite else {
            i = start
            throw fail("'\(text)' is not a number")
        }
        return .real(d)
    }

    // MARK: spatial

    private mutating func spatial(_ predicate: FeatureFilter.SpatialPredicate) throws(CQL2Error) -> FeatureFilter {
        try expect("(")
        let first = try spatialOperand()
        try expect(",")
        let second = try spatialOperand()
        try expect(")")
        switch (first, second) {
        case (nil, .some(let g)): return .spatial(predicate, g, crs: crs)
        case (.some(let g), nil):
            // The literal comes first: within and contains trade places.
            let flipped: FeatureFilter.SpatialPredicate = predicate == .within ? .contains : predicate == .contains ? .within : predicate
            return .spatial(flipped, g, crs: crs)
        default: throw fail("\(predicate.rawValue) needs the geometry property and one geometry literal")
        }
    }

    /// nil for the feature's geometry property, else the literal.
    private mutating func spatialOperand() throws(CQL2Error) -> Geometry? {
        skipSpace()
        let word = peekWord
        if Self.geometryNames.contains(word.lowercased()) {
            i += word.utf8.count
            return nil
        }
        if current == UInt8(ascii: "\"") {
            let name = try quotedIdentifier()
            guard Self.geometryNames.contains(name.lowercased()) else { throw fail("'\(name)' is not the geometry property (use geometry)") }
            return nil
        }
        var g: Geometry
        if word.uppercased() == "BBOX" || word.uppercased() == "ENVELOPE" {
            i += word.utf8.count
            try expect("(")
            var n: [Double] = []
            repeat {
                skipSpace()
                switch try number() {
                case .integer(let v): n.append(Double(v))
                case .real(let v): n.append(v)
                default: break
                }
            } while accept(",")
            try expect(")")
            guard n.count == 4 else { throw fail("BBOX needs 4 numbers") }
            g = BoundingBox(minX: n[0], minY: n[1], maxX: n[2], maxY: n[3]).polygon
        } else {
            do {
                let (parsed, end) = try WKT.parse(bytes, at: i)
                g = parsed
                i = end
            } catch {
                throw CQL2Error(position: characterPosition(i), message: "not a geometry literal (\(error))")
            }
        }
        if northFirst { g = g.mapCoordinates { Coordinate($0.y, $0.x) } }
        return g
    }

    // MARK: lexing

    private var atEnd: Bool { i >= bytes.count }
    private var current: UInt8? { i < bytes.count ? bytes[i] : nil }
    private var peekText: String { String(decoding: bytes[i..<min(bytes.count, i + 12)], as: UTF8.self) }

    /// The identifier at the cursor (letters, digits, `_`, `.`, `:` and any non-ASCII character).
    private var peekWord: String {
        var j = i
        while j < bytes.count {
            let c = bytes[j]
            let ok = c >= 0x80 || (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c == UInt8(ascii: "_") || (j > i && ((c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") || c == UInt8(ascii: ":")))
            if !ok { break }
            j += 1
        }
        return String(decoding: bytes[i..<j], as: UTF8.self)
    }

    private mutating func skipSpace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1 }
    }

    private func hasPrefix(_ s: String) -> Bool {
        let u = Array(s.utf8)
        return i + u.count <= bytes.count && Array(bytes[i..<i + u.count]) == u
    }

    private mutating func accept(_ s: String) -> Bool {
        skipSpace()
        if hasPrefix(s) {
            i += s.utf8.count
            return true
        }
        return false
    }

    private mutating func expect(_ s: String) throws(CQL2Error) {
        guard accept(s) else { throw fail(atEnd ? "expected '\(s)' but the expression ends" : "expected '\(s)'") }
    }

    private mutating func acceptKeyword(_ k: String) -> Bool {
        skipSpace()
        guard peekWord.uppercased() == k else { return false }
        i += k.utf8.count
        return true
    }

    private func characterPosition(_ byte: Int) -> Int {
        String(decoding: bytes[0..<min(byte, bytes.count)], as: UTF8.self).count + 1
    }

    private func fail(_ message: String) -> CQL2Error {
        CQL2Error(position: characterPosition(i), message: message)
    }
}
