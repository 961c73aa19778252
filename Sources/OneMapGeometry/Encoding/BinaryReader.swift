/// A bounds-checked little/big-endian reader over a byte buffer, shared by the WKB and
/// SpatiaLite blob decoders. Every read throws instead of trapping on short input.
public struct BinaryReader {
    public let bytes: UnsafeRawBufferPointer
    public var offset: Int
    public var littleEndian: Bool
    public let format: String

    public init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0, format: String) {
        self.bytes = bytes
        self.offset = offset
        self.littleEndian = true
        self.format = format
    }

    public func fail(_ detail: String) -> GeometryError {
        .malformed(format: format, detail: "\(detail) at byte \(offset)")
    }

    @inlinable
    public mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw fail("unexpected end") }
        defer { offset += 1 }
        return bytes[offset]
    }

    @inlinable
    public mutating func uint32() throws -> UInt32 {
        guard offset + 4 <= bytes.count else { throw fail("unexpected end") }
        let raw = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset += 4
        return littleEndian ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw)
    }

    @inlinable
    public mutating func int32() throws -> Int32 { Int32(bitPattern: try uint32()) }

    @inlinable
    public mutating func double() throws -> Double {
        guard offset + 8 <= bytes.count else { throw fail("unexpected end") }
        let raw = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset += 8
        return Double(bitPattern: littleEndian ? UInt64(littleEndian: raw) : UInt64(bigEndian: raw))
    }

    @inlinable
    public mutating func float() throws -> Float {
        guard offset + 4 <= bytes.count else { throw fail("unexpected end") }
        let raw = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset += 4
        return Float(bitPattern: littleEndian ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw))
    }

    /// A count that must fit in the remaining bytes at `minBytesEach`, so a corrupt count cannot
    /// make a decoder reserve gigabytes.
    @inlinable
    public mutating func count(minBytesEach: Int) throws -> Int {
        let n = Int(try uint32())
        guard n <= (bytes.count - offset) / Swift.max(minBytesEach, 1) else { throw fail("count \(n) too large") }
        return n
    }
}

/// Appends little-endian binary values to a byte array.
public struct BinaryWriter {
    public var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable
    public mutating func byte(_ b: UInt8) { bytes.append(b) }

    @inlinable
    public mutating func uint32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable
    public mutating func double(_ v: Double) {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable
    public mutating func coordinates(_ cs: [Coordinate]) {
        // Coordinate is two Doubles laid out contiguously; on little-endian hosts this is one copy.
        cs.withUnsafeBytes { raw in bytes.append(contentsOf: raw) }
    }
}
