/// ISO Well-Known Binary, 2D. Reading accepts either byte order and ISO or EWKB Z/M flags
/// (extra ordinates are dropped); writing is little-endian XY.
public enum WKB {
    /// Decodes one geometry.
    /// - Throws: `GeometryError.malformed` on truncated or unknown input.
    public static func decode(_ bytes: [UInt8]) throws -> Geometry {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    /// Decodes one geometry from raw memory (no copy).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> Geometry {
        var reader = BinaryReader(bytes, format: "WKB")
        return try readGeometry(&reader)
    }

    static func readGeometry(_ r: inout BinaryReader) throws -> Geometry {
        let order = try r.byte()
        guard order <= 1 else { throw r.fail("bad byte order \(order)") }
        r.littleEndian = order == 1
        var code = try r.uint32()
        var dims = 2
        // EWKB flags (PostGIS): Z 0x80000000, M 0x40000000, SRID 0x20000000.
        if code & 0x2000_0000 != 0 { _ = try r.uint32() }
        if code & 0x8000_0000 != 0 { dims += 1 }
        if code & 0x4000_0000 != 0 { dims += 1 }
        code &= 0x0FFF_FFFF
        // ISO: 1000 Z, 2000 M, 3000 ZM.
        switch code / 1000 {
        case 1, 2: dims += 1
        case 3: dims += 2
        default: break
        }
        guard let type = GeometryType(rawValue: Int(code % 1000)) else { throw r.fail("unknown type \(code)") }
        func point() throws -> Coordinate {
            let c = Coordinate(try r.double(), try r.double())
            for _ in 2..<dims { _ = try r.double() }
            return c
        }
        func points() throws -> [Coordinate] {
            let n = try r.count(minBytesEach: 8 * dims)
            var cs = [Coordinate]()
            cs.reserveCapacity(n)
            for _ in 0..<n { cs.append(try point()) }
            return cs
        }
        func rings() throws -> [[Coordinate]] {
            let n = try r.count(minBytesEach: 4)
            var rs = [[Coordinate]]()
            rs.reserveCapacity(n)
            for _ in 0..<n { rs.append(try points()) }
            return rs
        }
        func children(_ expected: GeometryType?) throws -> [Geometry] {
            let n = try r.count(minBytesEach: 5)
            var gs = [Geometry]()
            gs.reserveCapacity(n)
            for _ in 0..<n {
                let g = try readGeometry(&r)
                if let expected, g.type != expected { throw r.fail("\(g.type.name) inside \(type.name)") }
                gs.append(g)
            }
            return gs
        }
        switch type {
        case .point: return .point(try point())
        case .lineString: return .lineString(try points())
        case .polygon: return .polygon(try rings())
        case .multiPoint:
            return .multiPoint(try children(.point).map { if case .point(let c) = $0 { c } else { Coordinate(0, 0) } })
        case .multiLineString:
            return .multiLineString(try children(.lineString).map { if case .lineString(let cs) = $0 { cs } else { [] } })
        case .multiPolygon:
            return .multiPolygon(try children(.polygon).map { if case .polygon(let rs) = $0 { rs } else { [] } })
        case .geometryCollection: return .collection(try children(nil))
        }
    }

    /// Encodes a geometry as little-endian 2D ISO WKB.
    public static func encode(_ geometry: Geometry) -> [UInt8] {
        var w = BinaryWriter(capacity: 16 + geometry.coordinateCount * 16)
        write(geometry, to: &w)
        return w.bytes
    }

    static func write(_ g: Geometry, to w: inout BinaryWriter) {
        w.byte(1)
        w.uint32(UInt32(g.type.rawValue))
        writeBody(g, to: &w) { member, w in write(member, to: &w) }
    }

    /// What follows a geometry's type code, the same in WKB and in SpatiaLite's blob format:
    /// counts and coordinates; `member` writes each member of a multi-geometry or collection
    /// with its own header (which is where the two formats differ).
    public static func writeBody(_ g: Geometry, to w: inout BinaryWriter, member: (Geometry, inout BinaryWriter) -> Void) {
        switch g {
        case .point(let c):
            w.double(c.x)
            w.double(c.y)
        case .lineString(let cs):
            w.uint32(UInt32(cs.count))
            w.coordinates(cs)
        case .polygon(let rings):
            w.uint32(UInt32(rings.count))
            for ring in rings {
                w.uint32(UInt32(ring.count))
                w.coordinates(ring)
            }
        case .multiPoint(let cs):
            w.uint32(UInt32(cs.count))
            for c in cs { member(.point(c), &w) }
        case .multiLineString(let lines):
            w.uint32(UInt32(lines.count))
            for l in lines { member(.lineString(l), &w) }
        case .multiPolygon(let polygons):
            w.uint32(UInt32(polygons.count))
            for p in polygons { member(.polygon(p), &w) }
        case .collection(let parts):
            w.uint32(UInt32(parts.count))
            for p in parts { member(p, &w) }
        }
    }
}
