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

    /// A geometry's header: its byte order (set on the reader), type and ordinates per vertex.
    static func header(_ r: inout BinaryReader) throws -> (GeometryType, Int) {
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
        return (type, dims)
    }

    /// The geometry type, from the header alone.
    public static func type(_ bytes: UnsafeRawBufferPointer) -> GeometryType? {
        var r = BinaryReader(bytes, format: "WKB")
        return try? header(&r).0
    }

    /// The bounding box, walking the vertices without building the geometry (nil when malformed
    /// or empty).
    public static func boundingBox(_ bytes: UnsafeRawBufferPointer) -> BoundingBox? {
        var r = BinaryReader(bytes, format: "WKB")
        var box = BoundingBox.empty
        func walk(_ r: inout BinaryReader) throws {
            let (type, dims) = try header(&r)
            func points() throws {
                let n = try r.count(minBytesEach: 8 * dims)
                for _ in 0..<n {
                    box.extend(Coordinate(try r.double(), try r.double()))
                    for _ in 2..<dims { _ = try r.double() }
                }
            }
            switch type {
            case .point:
                let c = Coordinate(try r.double(), try r.double())
                for _ in 2..<dims { _ = try r.double() }
                box.extend(c)
            case .lineString: try points()
            case .polygon: for _ in 0..<(try r.count(minBytesEach: 4)) { try points() }
            case .multiPoint, .multiLineString, .multiPolygon, .geometryCollection:
                for _ in 0..<(try r.count(minBytesEach: 5)) { try walk(&r) }
            }
        }
        guard (try? walk(&r)) != nil, !box.isEmpty else { return nil }
        return box
    }

    /// Decodes into a reusable flat geometry (cleared first), the vertices copied straight from
    /// the buffer when they are little-endian XY: the render path's decoding, without building a
    /// `Geometry` first. The result is what `FlatGeometry(decode(bytes))` gives.
    public static func decode(_ bytes: UnsafeRawBufferPointer, into flat: inout FlatGeometry) throws {
        flat.removeAll()
        var r = BinaryReader(bytes, format: "WKB")
        flat.type = try readFlat(&r, &flat, expected: nil)
        for c in flat.coordinates { flat.boundingBox.extend(c) }
    }

    static func readFlat(_ r: inout BinaryReader, _ flat: inout FlatGeometry, expected: GeometryType?) throws -> GeometryType {
        let (type, dims) = try header(&r)
        if let expected, type != expected { throw r.fail("\(type.name) inside \(expected.name)s") }
        func points() throws {
            let n = try r.count(minBytesEach: 8 * dims)
            if dims == 2 && r.littleEndian {
                let byteCount = n * 16
                guard r.offset + byteCount <= r.bytes.count else { throw r.fail("unexpected end") }
                let start = flat.coordinates.count
                flat.coordinates.append(contentsOf: repeatElement(Coordinate(0, 0), count: n))
                if n > 0 {
                    let source = r.bytes.baseAddress!.advanced(by: r.offset)
                    flat.coordinates.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: start * 16).copyMemory(from: source, byteCount: byteCount) }
                }
                r.offset += byteCount
            } else {
                for _ in 0..<n {
                    flat.coordinates.append(Coordinate(try r.double(), try r.double()))
                    for _ in 2..<dims { _ = try r.double() }
                }
            }
            flat.partEnds.append(flat.coordinates.count)
        }
        switch type {
        case .point:
            flat.coordinates.append(Coordinate(try r.double(), try r.double()))
            for _ in 2..<dims { _ = try r.double() }
            flat.partEnds.append(flat.coordinates.count)
        case .lineString: try points()
        case .polygon:
            for _ in 0..<(try r.count(minBytesEach: 4)) { try points() }
            flat.polygonEnds.append(flat.partEnds.count)
        case .multiPoint: for _ in 0..<(try r.count(minBytesEach: 5)) { _ = try readFlat(&r, &flat, expected: .point) }
        case .multiLineString: for _ in 0..<(try r.count(minBytesEach: 5)) { _ = try readFlat(&r, &flat, expected: .lineString) }
        case .multiPolygon: for _ in 0..<(try r.count(minBytesEach: 5)) { _ = try readFlat(&r, &flat, expected: .polygon) }
        case .geometryCollection: for _ in 0..<(try r.count(minBytesEach: 5)) { _ = try readFlat(&r, &flat, expected: nil) }
        }
        return type
    }

    static func readGeometry(_ r: inout BinaryReader) throws -> Geometry {
        let (type, dims) = try header(&r)
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
