/// A parsed JSON document that keeps what Foundation's JSONSerialization loses on Linux:
/// booleans distinct from numbers, object key order, and the line and column of a syntax error.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in document order.
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .null: h.combine(0)
        case .bool(let b): h.combine(b)
        case .number(let d): h.combine(d)
        case .string(let s): h.combine(s)
        case .array(let a): h.combine(a)
        case .object(let o):
            for (k, v) in o {
                h.combine(k)
                h.combine(v)
            }
        }
    }

    /// The value for `key` in an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var number: Double? { if case .number(let d) = self { d } else { nil } }
    /// A whole number that a double holds exactly (|n| ≤ 2⁵³), as an Int; nil for anything else,
    /// so that no conversion of an outside number can trap.
    public var integer: Int? {
        if case .number(let d) = self, d == d.rounded(), abs(d) <= 9_007_199_254_740_992 { Int(d) } else { nil }
    }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var object: [(String, JSONValue)]? { if case .object(let o) = self { o } else { nil } }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Parses a complete JSON text.
    /// - Throws: `GeometryError.malformed(format: "JSON", …)` with the line and column.
    public static func parse(_ text: String) throws -> JSONValue {
        try parse(Array(text.utf8))
    }

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = JSONParser(bytes: bytes)
        p.skip()
        let v = try p.value(depth: 0)
        p.skip()
        guard p.i == bytes.count else { throw p.fail("unexpected text after the JSON value") }
        return v
    }

    /// Serializes compactly (keys in stored order).
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): JSONValue.quote(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { out += "," }
                JSONValue.quote(k, into: &out)
                out += ":"
                v.write(to: &out)
            }
            out += "}"
        }
    }

    /// Appends `s` as a JSON string literal.
    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

struct JSONParser {
    let bytes: [UInt8]
    var i = 0

    func fail(_ message: String) -> GeometryError {
        var line = 1, column = 1
        for b in bytes[0..<min(i, bytes.count)] {
            if b == 0x0A {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return .malformed(format: "JSON", detail: "\(message) at line \(line), column \(column)")
    }

    mutating func skip() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw fail("nesting too deep") }
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case 0x7B:
            i += 1
            var pairs: [(String, JSONValue)] = []
            skip()
            if i < bytes.count, bytes[i] == 0x7D {
                i += 1
                return .object(pairs)
            }
            while true {
                skip()
                guard i < bytes.count, bytes[i] == 0x22 else { throw fail("expected a string key") }
                let key = try string()
                skip()
                guard i < bytes.count, bytes[i] == 0x3A else { throw fail("expected ':'") }
                i += 1
                skip()
                pairs.append((key, try value(depth: depth + 1)))
                skip()
                guard i < bytes.count else { throw fail("unexpected end of input") }
                if bytes[i] == 0x2C {
                    i += 1
                    continue
                }
                guard bytes[i] == 0x7D else { throw fail("expected ',' or '}'") }
                i += 1
                return .object(pairs)
            }
        case 0x5B:
            i += 1
            var items: [JSONValue] = []
            skip()
            if i < bytes.count, bytes[i] == 0x5D {
                i += 1
                return .array(items)
            }
            while true {
                skip()
                items.append(try value(depth: depth + 1))
                skip()
                guard i < bytes.count else { throw fail("unexpected end of input") }
                if bytes[i] == 0x2C {
                    i += 1
                    continue
                }
                guard bytes[i] == 0x5D else { throw fail("expected ',' or ']'") }
                i += 1
                return .array(items)
            }
        case 0x22: return .string(try string())
        case 0x74: try literal("true"); return .bool(true)
        case 0x66: try literal("false"); return .bool(false)
        case 0x6E: try literal("null"); return .null
        default: return .number(try number())
        }
    }

    mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw fail("unexpected character") }
        i += w.count
    }

    mutating func number() throws -> Double {
        let start = i
        while i < bytes.count {
            let b = bytes[i]
            if (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2B || b == 0x2E || b == 0x65 || b == 0x45 { i += 1 } else { break }
        }
        guard i > start, let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)), d.isFinite else {
            i = start
            throw fail("unexpected character")
        }
        return d
    }

    mutating func string() throws -> String {
        i += 1
        var out = [UInt8]()
        while true {
            guard i < bytes.count else { throw fail("unterminated string") }
            let b = bytes[i]
            if b == 0x22 {
                i += 1
                break
            }
            if b < 0x20 { throw fail("control character in string") }
            if b == 0x5C {
                i += 1
                guard i < bytes.count else { throw fail("unterminated string") }
                switch bytes[i] {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x2F: out.append(0x2F)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    var code = try hex4()
                    while code >= 0xD800 && code < 0xDC00, i + 2 < bytes.count, bytes[i + 1] == 0x5C, bytes[i + 2] == 0x75 {
                        i += 2
                        let next = try hex4()
                        if next >= 0xDC00 && next < 0xE000 {
                            code = 0x10000 + ((code - 0xD800) << 10) + (next - 0xDC00)
                        } else {
                            // A high surrogate without its low half: a replacement character,
                            // then the next escape read afresh (it may start a pair of its own).
                            out.append(contentsOf: Array("\u{FFFD}".utf8))
                            code = next
                        }
                    }
                    out.append(contentsOf: Array(String(UnicodeScalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
                default: throw fail("invalid escape")
                }
                i += 1
            } else {
                out.append(b)
                i += 1
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8 in string") }
        return s
    }

    mutating func hex4() throws -> UInt32 {
        guard i + 4 < bytes.count, let v = UInt32(String(decoding: bytes[(i + 1)...(i + 4)], as: UTF8.self), radix: 16) else {
            throw fail("invalid \\u escape")
        }
        i += 4
        return v
    }
}

extension JSONValue {
    /// An array of numbers.
    public static func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number($0) }) }
}
