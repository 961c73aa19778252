/// Appends decimal numbers to a UTF-8 byte buffer without Foundation formatting, which is the
/// hot spot when writing thousands of GeoJSON coordinates per response.
public enum NumberWriter {
    @usableFromInline static let powers: [Double] = (0...15).map { p in (0..<p).reduce(1.0) { r, _ in r * 10 } }

    /// Appends `value` rounded to `precision` decimals, trailing zeros dropped ("116.8452425", "3", "-0.5").
    @inlinable
    public static func append(_ value: Double, precision: Int, to out: inout [UInt8]) {
        guard value.isFinite else {
            out.append(contentsOf: Array("null".utf8))
            return
        }
        let p = Swift.min(Swift.max(precision, 0), 15)
        let scale = powers[p]
        let scaled = (Swift.abs(value) * scale).rounded()
        guard scaled < 9.0e18 else {
            out.append(contentsOf: Array(String(value).utf8))
            return
        }
        var units = UInt64(scaled)
        if units == 0 {
            out.append(0x30)
            return
        }
        if value < 0 { out.append(0x2D) }
        let divisor = UInt64(scale)
        let integer = units / divisor
        var fraction = units % divisor
        appendInteger(integer, to: &out)
        if fraction != 0 {
            var digits = p
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            out.append(0x2E)
            // Leading zeros of the fraction.
            var width = 1
            var f = fraction
            while f >= 10 {
                f /= 10
                width += 1
            }
            for _ in 0..<(digits - width) { out.append(0x30) }
            appendInteger(fraction, to: &out)
        }
        units = 0
    }

    /// Appends a non-negative integer.
    @inlinable
    public static func appendInteger(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(0x30 + UInt8(value))
            return
        }
        var v = value
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { buf in
            while v > 0 {
                buf[n] = 0x30 + UInt8(v % 10)
                v /= 10
                n += 1
            }
            for i in stride(from: n - 1, through: 0, by: -1) { out.append(buf[i]) }
        }
    }

    /// Appends a signed integer.
    @inlinable
    public static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 {
            out.append(0x2D)
            appendInteger(UInt64(value.magnitude), to: &out)
        } else {
            appendInteger(UInt64(value), to: &out)
        }
    }
}
