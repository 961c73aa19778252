import OneMapImage

/// A square tile of elevation samples as Doubles (NaN = no data), as decoded from the store.
public struct ElevationTile: Sendable {
    public let size: Int
    public var values: [Double]

    public init(size: Int, values: [Double]) {
        self.size = size
        self.values = values
    }

    /// An all-NaN tile.
    public init(size: Int) { self.init(size: size, values: [Double](repeating: .nan, count: size * size)) }

    @inlinable
    public subscript(x: Int, y: Int) -> Double { values[y * size + x] }
}

/// The lossless DEM tile encoding: samples in little-endian `SampleType`, bytes shuffled
/// (all first bytes, then all second bytes, ...) so zlib sees the slowly varying high bytes
/// together, then deflated. No-data cells hold the layer's no-data value (NaN for floats
/// without one).
enum ElevationCodec {
    static func encode(_ tile: ElevationTile, type: SampleType, noData: Double?) throws -> [UInt8] {
        let n = tile.values.count
        let width = type.byteWidth
        var raw = [UInt8](repeating: 0, count: n * width)
        let fill = noData ?? .nan
        raw.withUnsafeMutableBytes { out in
            for i in 0..<n {
                let v = tile.values[i].isNaN ? fill : tile.values[i]
                var bytes: UInt64
                switch type {
                case .int16: bytes = UInt64(UInt16(bitPattern: Int16(clamping: Int(v.rounded()))))
                case .int32: bytes = UInt64(UInt32(bitPattern: Int32(clamping: Int(v.rounded()))))
                case .float32: bytes = UInt64(Float(v).bitPattern)
                case .float64: bytes = v.bitPattern
                }
                for b in 0..<width {
                    out[b * n + i] = UInt8(truncatingIfNeeded: bytes >> (8 * UInt64(b)))
                }
            }
        }
        return try raw.withUnsafeBytes { try ImageCodec.deflate($0) }
    }

    static func decode(_ data: UnsafeRawBufferPointer, size: Int, type: SampleType, noData: Double?) throws -> ElevationTile {
        let n = size * size
        let width = type.byteWidth
        let raw = try ImageCodec.inflate(data, count: n * width)
        var values = [Double](repeating: .nan, count: n)
        raw.withUnsafeBytes { src in
            for i in 0..<n {
                var bytes: UInt64 = 0
                for b in 0..<width { bytes |= UInt64(src[b * n + i]) << (8 * UInt64(b)) }
                let v: Double
                switch type {
                case .int16: v = Double(Int16(bitPattern: UInt16(truncatingIfNeeded: bytes)))
                case .int32: v = Double(Int32(bitPattern: UInt32(truncatingIfNeeded: bytes)))
                case .float32: v = Double(Float(bitPattern: UInt32(truncatingIfNeeded: bytes)))
                case .float64: v = Double(bitPattern: bytes)
                }
                values[i] = (noData != nil && v == noData!) ? .nan : v
            }
        }
        return ElevationTile(size: size, values: values)
    }
}
