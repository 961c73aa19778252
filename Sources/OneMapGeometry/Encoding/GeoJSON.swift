import Foundation

/// GeoJSON geometry objects (RFC 7946): writing to UTF-8 bytes, reading from parsed JSON.
public enum GeoJSON {
    /// Appends the geometry object `{"type":...,"coordinates":...}` to `out`.
    /// - Parameter precision: decimals per coordinate (7 ≈ 1 cm in degrees; 3 for metres).
    public static func write(_ g: Geometry, precision: Int, to out: inout [UInt8]) {
        func coord(_ c: Coordinate) {
            out.append(0x5B)
            NumberWriter.append(c.x, precision: precision, to: &out)
            out.append(0x2C)
            NumberWriter.append(c.y, precision: precision, to: &out)
            out.append(0x5D)
        }
        func list(_ cs: [Coordinate]) {
            out.append(0x5B)
            for (i, c) in cs.enumerated() {
                if i > 0 { out.append(0x2C) }
                coord(c)
            }
            out.append(0x5D)
        }
        func rings(_ rs: [[Coordinate]]) {
            out.append(0x5B)
            for (i, r) in rs.enumerated() {
                if i > 0 { out.append(0x2C) }
                list(r)
            }
            out.append(0x5D)
        }
        out.append(contentsOf: Array("{\"type\":\"\(g.type.name)\",".utf8))
        switch g {
        case .collection(let parts):
            out.append(contentsOf: Array("\"geometries\":[".utf8))
            for (i, p) in parts.enumerated() {
                if i > 0 { out.append(0x2C) }
                write(p, precision: precision, to: &out)
            }
            out.append(0x5D)
        default:
            out.append(contentsOf: Array("\"coordinates\":".utf8))
            switch g {
            case .point(let c): coord(c)
            case .lineString(let cs), .multiPoint(let cs): list(cs)
            case .polygon(let rs), .multiLineString(let rs): rings(rs)
            case .multiPolygon(let ps):
                out.append(0x5B)
                for (i, p) in ps.enumerated() {
                    if i > 0 { out.append(0x2C) }
                    rings(p)
                }
                out.append(0x5D)
            case .collection: break
            }
        }
        out.append(0x7D)
    }

    /// The geometry as a GeoJSON string.
    public static func string(_ g: Geometry, precision: Int = 7) -> String {
        var out = [UInt8]()
        write(g, precision: precision, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The geometry object as a JSON value, coordinates rounded to `precision` decimals like
    /// `write` (for responses assembled as `JSONValue` trees).
    public static func value(_ g: Geometry, precision: Int = 7) -> JSONValue {
        let scale = pow(10, Double(precision))
        func coord(_ c: Coordinate) -> JSONValue { .array([.number((c.x * scale).rounded() / scale), .number((c.y * scale).rounded() / scale)]) }
        func list(_ cs: [Coordinate]) -> JSONValue { .array(cs.map(coord)) }
        func rings(_ rs: [[Coordinate]]) -> JSONValue { .array(rs.map(list)) }
        let body: (String, JSONValue)
        switch g {
        case .point(let c): body = ("coordinates", coord(c))
        case .lineString(let cs), .multiPoint(let cs): body = ("coordinates", list(cs))
        case .polygon(let rs), .multiLineString(let rs): body = ("coordinates", rings(rs))
        case .multiPolygon(let ps): body = ("coordinates", .array(ps.map(rings)))
        case .collection(let parts): body = ("geometries", .array(parts.map { value($0, precision: precision) }))
        }
        return .object([("type", .string(g.type.name)), body])
    }

    /// Reads a geometry from a parsed GeoJSON geometry object (`[String: Any]` from JSONSerialization).
    /// - Throws: `GeometryError.malformed` naming the JSON path of the problem.
    public static func geometry(from object: Any, path: String = "geometry") throws -> Geometry {
        guard let dict = object as? [String: Any] else { throw bad(path, "is not an object") }
        guard let typeName = dict["type"] as? String, let type = GeometryType(name: typeName),
            type.name == typeName
        else { throw bad("\(path).type", "is not a GeoJSON geometry type") }
        if type == .geometryCollection {
            guard let parts = dict["geometries"] as? [Any] else { throw bad("\(path).geometries", "is missing") }
            return .collection(try parts.enumerated().map { try geometry(from: $1, path: "\(path).geometries[\($0)]") })
        }
        guard let coordinates = dict["coordinates"] else { throw bad("\(path).coordinates", "is missing") }
        let cpath = "\(path).coordinates"
        switch type {
        case .point: return .point(try position(coordinates, cpath))
        case .lineString: return .lineString(try positions(coordinates, cpath))
        case .multiPoint: return .multiPoint(try positions(coordinates, cpath))
        case .polygon: return .polygon(try ringsOf(coordinates, cpath))
        case .multiLineString: return .multiLineString(try ringsOf(coordinates, cpath))
        case .multiPolygon:
            guard let array = coordinates as? [Any] else { throw bad(cpath, "is not an array") }
            return .multiPolygon(try array.enumerated().map { try ringsOf($1, "\(cpath)[\($0)]") })
        case .geometryCollection: return .collection([])
        }
    }

    static func bad(_ path: String, _ message: String) -> GeometryError {
        .malformed(format: "GeoJSON", detail: "\(path) \(message)")
    }

    static func number(_ any: Any) -> Double? {
        if let d = any as? Double { return d }
        if let i = any as? Int { return Double(i) }
        return nil
    }

    static func position(_ any: Any, _ path: String) throws -> Coordinate {
        guard let array = any as? [Any], array.count >= 2, let x = number(array[0]), let y = number(array[1]),
            x.isFinite, y.isFinite
        else { throw bad(path, "is not a position [x, y]") }
        return Coordinate(x, y)
    }

    static func positions(_ any: Any, _ path: String) throws -> [Coordinate] {
        guard let array = any as? [Any] else { throw bad(path, "is not an array") }
        return try array.enumerated().map { try position($1, "\(path)[\($0)]") }
    }

    static func ringsOf(_ any: Any, _ path: String) throws -> [[Coordinate]] {
        guard let array = any as? [Any] else { throw bad(path, "is not an array") }
        return try array.enumerated().map { try positions($1, "\(path)[\($0)]") }
    }
}

extension JSONValue {
    /// The value as Foundation objects (for readers written against JSONSerialization output).
    public var foundationObject: Any {
        switch self {
        case .null: NSNull()
        case .bool(let b): b
        case .number(let d): d
        case .string(let s): s
        case .array(let a): a.map(\.foundationObject)
        case .object(let o): Dictionary(o.map { ($0, $1.foundationObject) }, uniquingKeysWith: { a, _ in a })
        }
    }
}

extension GeoJSON {
    /// Reads a geometry from a parsed GeoJSON geometry (or a Feature's geometry).
    /// - Throws: `GeometryError.malformed` naming the JSON path of the problem.
    public static func geometry(_ value: JSONValue, path: String = "geometry") throws -> Geometry {
        if value["type"]?.string == "Feature" {
            guard let g = value["geometry"], g != .null else { throw bad("\(path).geometry", "is missing") }
            return try geometry(from: g.foundationObject, path: "\(path).geometry")
        }
        return try geometry(from: value.foundationObject, path: path)
    }
}
