import OneMapGeometry

/// SpatiaLite's internal geometry BLOB format (https://www.gaia-gis.it/gaia-sins/BLOB-Geometry.html).
///
/// Written and read in Swift so bulk import and rendering skip a SQL function call per row:
/// `0x00, byte order, SRID, MBR (4 doubles), 0x7C, class, body, 0xFE`; collection members are
/// prefixed with 0x69 and their own class. Reading accepts XY, XYZ, XYM, XYZM and the compressed
/// variants SpatiaLite writes; writing is uncompressed XY.
public enum SpatiaLiteBlob {
    /// Encodes a geometry with its SRID.
    public static func encode(_ g: Geometry, srid: Int32) -> [UInt8] {
        var w = BinaryWriter(capacity: 48 + g.coordinateCount * 16)
        let box = g.boundingBox ?? BoundingBox(minX: 0, minY: 0, maxX: 0, maxY: 0)
        w.byte(0x00)
        w.byte(0x01)
        w.uint32(UInt32(bitPattern: srid))
        w.double(box.minX)
        w.double(box.minY)
        w.double(box.maxX)
        w.double(box.maxY)
        w.byte(0x7C)
        w.uint32(UInt32(g.type.rawValue))
        body(g, &w)
        w.byte(0xFE)
        return w.bytes
    }

    static func body(_ g: Geometry, _ w: inout BinaryWriter) {
        WKB.writeBody(g, to: &w) { member, w in entity(member, &w) }
    }

    static func entity(_ g: Geometry, _ w: inout BinaryWriter) {
        w.byte(0x69)
        w.uint32(UInt32(g.type.rawValue))
        body(g, &w)
    }

    /// The bounding box stored in the header, without decoding the body.
    @inlinable
    public static func boundingBox(_ bytes: UnsafeRawBufferPointer) -> BoundingBox? {
        guard bytes.count >= 44, bytes[0] == 0, bytes[38] == 0x7C else { return nil }
        let little = bytes[1] == 1
        func d(_ o: Int) -> Double {
            let raw = bytes.loadUnaligned(fromByteOffset: o, as: UInt64.self)
            return Double(bitPattern: little ? UInt64(littleEndian: raw) : UInt64(bigEndian: raw))
        }
        return BoundingBox(minX: d(6), minY: d(14), maxX: d(22), maxY: d(30))
    }

    /// The geometry type in the header, without decoding the body.
    @inlinable
    public static func geometryType(_ bytes: UnsafeRawBufferPointer) -> GeometryType? {
        guard bytes.count >= 44 else { return nil }
        let raw = bytes.loadUnaligned(fromByteOffset: 39, as: UInt32.self)
        let cls = Int(bytes[1] == 1 ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw))
        return GeometryType(rawValue: (cls % 1_000_000) % 1000)
    }

    /// Decodes a blob into a `Geometry`.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws -> Geometry {
        var flat = FlatGeometry()
        try decode(bytes, into: &flat)
        return flat.geometry
    }

    public static func decode(_ bytes: [UInt8]) throws -> Geometry {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    /// Decodes a blob into a reusable flat geometry (cleared first).
    public static func decode(_ bytes: UnsafeRawBufferPointer, into flat: inout FlatGeometry) throws {
        flat.removeAll()
        guard bytes.count >= 44, bytes[0] == 0, bytes[38] == 0x7C, bytes[bytes.count - 1] == 0xFE else {
            throw GeometryError.malformed(format: "SpatiaLite blob", detail: "bad header or trailer")
        }
        var r = BinaryReader(bytes, offset: 39, format: "SpatiaLite blob")
        r.littleEndian = bytes[1] == 1
        let cls = Int(try r.uint32())
        guard let (type, layout) = classify(cls) else { throw r.fail("unknown class \(cls)") }
        flat.type = type
        try readBody(type, layout, &r, &flat)
        for c in flat.coordinates { flat.boundingBox.extend(c) }
    }

    /// Ordinate layout of a class: dimensions and whether intermediate vertices are compressed.
    struct Layout {
        var dims: Int
        var hasZ: Bool
        var hasM: Bool
        var compressed: Bool
    }

    static func classify(_ cls: Int) -> (GeometryType, Layout)? {
        let compressed = cls >= 1_000_000
        let base = cls % 1_000_000
        let variant = base / 1000
        guard let type = GeometryType(rawValue: base % 1000), variant <= 3 else { return nil }
        let hasZ = variant == 1 || variant == 3
        let hasM = variant == 2 || variant == 3
        return (type, Layout(dims: 2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0), hasZ: hasZ, hasM: hasM, compressed: compressed))
    }

    static func readBody(_ type: GeometryType, _ layout: Layout, _ r: inout BinaryReader, _ flat: inout FlatGeometry) throws {
        switch type {
        case .point:
            flat.coordinates.append(try point(layout, &r))
            flat.partEnds.append(flat.coordinates.count)
        case .lineString:
            try line(layout, &r, &flat)
        case .polygon:
            let rings = try r.count(minBytesEach: 4)
            for _ in 0..<rings { try line(layout, &r, &flat) }
            flat.polygonEnds.append(flat.partEnds.count)
        case .multiPoint, .multiLineString, .multiPolygon, .geometryCollection:
            let n = try r.count(minBytesEach: 5)
            for _ in 0..<n {
                guard try r.byte() == 0x69 else { throw r.fail("missing entity marker") }
                guard let (childType, childLayout) = classify(Int(try r.uint32())) else { throw r.fail("unknown entity class") }
                if type != .geometryCollection && childType != type.singular { throw r.fail("\(childType.name) inside \(type.name)") }
                try readBody(childType, childLayout, &r, &flat)
            }
        }
    }

    @inline(__always)
    static func point(_ layout: Layout, _ r: inout BinaryReader) throws -> Coordinate {
        let c = Coordinate(try r.double(), try r.double())
        for _ in 2..<layout.dims { _ = try r.double() }
        return c
    }

    static func line(_ layout: Layout, _ r: inout BinaryReader, _ flat: inout FlatGeometry) throws {
        let n = try r.count(minBytesEach: layout.compressed ? 4 * layout.dims : 8 * layout.dims)
        if !layout.compressed || n <= 2 {
            if layout.dims == 2 && r.littleEndian && !layout.compressed {
                // Fast path: the vertices are already laid out like [Coordinate].
                let byteCount = n * 16
                guard r.offset + byteCount <= r.bytes.count else { throw r.fail("unexpected end") }
                let start = flat.coordinates.count
                flat.coordinates.append(contentsOf: repeatElement(Coordinate(0, 0), count: n))
                flat.coordinates.withUnsafeMutableBytes { dst in
                    dst.baseAddress!.advanced(by: start * 16).copyMemory(from: r.bytes.baseAddress!.advanced(by: r.offset), byteCount: byteCount)
                }
                r.offset += byteCount
            } else {
                for _ in 0..<n { flat.coordinates.append(try point(layout, &r)) }
            }
        } else {
            // Compressed: first and last vertices in doubles, the others as float offsets from the previous one.
            // In XYZM the M of intermediate vertices stays a double.
            var last = try point(layout, &r)
            flat.coordinates.append(last)
            for _ in 1..<(n - 1) {
                let dx = Double(try r.float())
                let dy = Double(try r.float())
                if layout.hasZ { _ = try r.float() }
                if layout.hasM { if layout.hasZ { _ = try r.double() } else { _ = try r.float() } }
                last = Coordinate(last.x + dx, last.y + dy)
                flat.coordinates.append(last)
            }
            flat.coordinates.append(try point(layout, &r))
        }
        flat.partEnds.append(flat.coordinates.count)
    }
}
