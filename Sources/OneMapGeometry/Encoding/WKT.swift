import Foundation

/// Well-Known Text, 2D (Z and M ordinates are read and dropped).
public enum WKT {
    /// Parses a whole WKT string.
    /// - Throws: `GeometryError.malformed` naming the character position of the problem.
    public static func parse(_ text: String) throws -> Geometry {
        var parser = Parser(Array(text.utf8))
        let g = try parser.geometry()
        parser.skipSpace()
        guard parser.position == parser.bytes.count else { throw parser.fail("unexpected text after geometry") }
        return g
    }

    /// Parses one WKT geometry starting at `position` in `bytes` (UTF-8), for embedding in other
    /// grammars such as CQL2; returns the geometry and the position just after it.
    public static func parse(_ bytes: [UInt8], at position: Int) throws -> (Geometry, Int) {
        var parser = Parser(bytes)
        parser.position = position
        let g = try parser.geometry()
        return (g, parser.position)
    }

    struct Parser {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ message: String) -> GeometryError {
            .malformed(format: "WKT", detail: "\(message) at position \(position + 1)")
        }

        mutating func skipSpace() {
            while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09
                || bytes[position] == 0x0A || bytes[position] == 0x0D
            {
                position += 1
            }
        }

        mutating func word() -> String {
            skipSpace()
            let start = position
            while position < bytes.count, (bytes[position] | 0x20) >= 0x61, (bytes[position] | 0x20) <= 0x7A {
                position += 1
            }
            return String(decoding: bytes[start..<position], as: UTF8.self).uppercased()
        }

        mutating func expect(_ ch: UInt8) throws {
            skipSpace()
            guard position < bytes.count, bytes[position] == ch else {
                throw fail("expected '\(Character(UnicodeScalar(ch)))'")
            }
            position += 1
        }

        mutating func accept(_ ch: UInt8) -> Bool {
            skipSpace()
            if position < bytes.count, bytes[position] == ch {
                position += 1
                return true
            }
            return false
        }

        mutating func number() throws -> Double {
            skipSpace()
            let start = position
            while position < bytes.count {
                let b = bytes[position]
                if (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2D || b == 0x2B || b == 0x65 || b == 0x45 {
                    position += 1
                } else {
                    break
                }
            }
            guard position > start, let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)),
                value.isFinite
            else {
                position = start
                throw fail("expected a number")
            }
            return value
        }

        /// One position: two to four numbers; only x and y are kept.
        mutating func coordinate(dimensions: Int) throws -> Coordinate {
            let c = Coordinate(try number(), try number())
            for _ in 2..<dimensions { _ = try number() }
            return c
        }

        mutating func coordinateList(dimensions: Int) throws -> [Coordinate] {
            if emptyKeyword() { return [] }
            try expect(0x28)
            var cs = [try coordinate(dimensions: dimensions)]
            while accept(0x2C) { cs.append(try coordinate(dimensions: dimensions)) }
            try expect(0x29)
            return cs
        }

        mutating func ringList(dimensions: Int) throws -> [[Coordinate]] {
            if emptyKeyword() { return [] }
            try expect(0x28)
            var rings = [try coordinateList(dimensions: dimensions)]
            while accept(0x2C) { rings.append(try coordinateList(dimensions: dimensions)) }
            try expect(0x29)
            return rings
        }

        mutating func emptyKeyword() -> Bool {
            let save = position
            if word() == "EMPTY" { return true }
            position = save
            return false
        }

        mutating func geometry() throws -> Geometry {
            let start = position
            let name = word()
            guard !name.isEmpty else { throw fail("expected a geometry type") }
            var dimensions = 2
            var typeName = name
            for suffix in ["ZM", "Z", "M"] where typeName.hasSuffix(suffix) && typeName.count > suffix.count {
                if GeometryType(name: String(typeName.dropLast(suffix.count))) != nil {
                    typeName = String(typeName.dropLast(suffix.count))
                    dimensions += suffix.count
                    break
                }
            }
            let save = position
            switch word() {
            case "ZM": dimensions += 2
            case "Z", "M": dimensions += 1
            default: position = save
            }
            guard let type = GeometryType(name: typeName) else {
                position = start
                throw fail("unknown geometry type '\(name)'")
            }
            switch type {
            case .point:
                if emptyKeyword() { return .point(Coordinate(.nan, .nan)) }
                try expect(0x28)
                let c = try coordinate(dimensions: dimensions)
                try expect(0x29)
                return .point(c)
            case .lineString: return .lineString(try coordinateList(dimensions: dimensions))
            case .polygon: return .polygon(try ringList(dimensions: dimensions))
            case .multiPoint:
                if emptyKeyword() { return .multiPoint([]) }
                try expect(0x28)
                var cs = [Coordinate]()
                repeat {
                    // Both MULTIPOINT((1 2),(3 4)) and MULTIPOINT(1 2, 3 4) occur in the wild.
                    if accept(0x28) {
                        cs.append(try coordinate(dimensions: dimensions))
                        try expect(0x29)
                    } else {
                        cs.append(try coordinate(dimensions: dimensions))
                    }
                } while accept(0x2C)
                try expect(0x29)
                return .multiPoint(cs)
            case .multiLineString: return .multiLineString(try ringList(dimensions: dimensions))
            case .multiPolygon:
                if emptyKeyword() { return .multiPolygon([]) }
                try expect(0x28)
                var polygons = [try ringList(dimensions: dimensions)]
                while accept(0x2C) { polygons.append(try ringList(dimensions: dimensions)) }
                try expect(0x29)
                return .multiPolygon(polygons)
            case .geometryCollection:
                if emptyKeyword() { return .collection([]) }
                try expect(0x28)
                var parts = [try geometry()]
                while accept(0x2C) { parts.append(try geometry()) }
                try expect(0x29)
                return .collection(parts)
            }
        }
    }

    /// Writes a geometry as WKT with up to `precision` decimals.
    public static func write(_ g: Geometry, precision: Int = 8) -> String {
        var out = ""
        func num(_ v: Double) -> String { formatNumber(v, precision: precision) }
        func coord(_ c: Coordinate) -> String { "\(num(c.x)) \(num(c.y))" }
        func list(_ cs: [Coordinate]) -> String { cs.isEmpty ? "EMPTY" : "(" + cs.map(coord).joined(separator: ",") + ")" }
        func rings(_ rs: [[Coordinate]]) -> String { rs.isEmpty ? "EMPTY" : "(" + rs.map(list).joined(separator: ",") + ")" }
        switch g {
        case .point(let c): out = c.x.isNaN ? "POINT EMPTY" : "POINT(\(coord(c)))"
        case .lineString(let cs): out = "LINESTRING" + list(cs)
        case .polygon(let rs): out = "POLYGON" + rings(rs)
        case .multiPoint(let cs): out = "MULTIPOINT" + (cs.isEmpty ? " EMPTY" : "(" + cs.map { "(\(coord($0)))" }.joined(separator: ",") + ")")
        case .multiLineString(let ls): out = "MULTILINESTRING" + rings(ls)
        case .multiPolygon(let ps): out = "MULTIPOLYGON" + (ps.isEmpty ? " EMPTY" : "(" + ps.map(rings).joined(separator: ",") + ")")
        case .collection(let parts): out = "GEOMETRYCOLLECTION" + (parts.isEmpty ? " EMPTY" : "(" + parts.map { write($0, precision: precision) }.joined(separator: ",") + ")")
        }
        return out
    }
}

/// Formats a number with at most `precision` decimals and no trailing zeros ("116.5", "-3", "0.000001").
public func formatNumber(_ value: Double, precision: Int) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    var s = String(format: "%.\(precision)f", value)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    if s == "-0" { s = "0" }
    return s
}
