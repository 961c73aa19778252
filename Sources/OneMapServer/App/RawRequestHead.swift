/// A request head read straight from the connection's bytes, for the tile fast path: just enough
/// of HTTP/1.1 to frame requests without a body and to tell a plain anonymous tile GET.
///
/// It never decides what a request means beyond that: anything unusual (a body, an upgrade,
/// bare LF line ends, folded headers, a head over `limit`) is `.other`, and the connection is
/// left to NIO's decoder from then on, which answers it exactly as it would have.
struct RawRequestHead: Equatable {
    /// The origin-form target when the request is a GET over HTTP/1.1 the fast path may answer:
    /// a path of plain characters (no query, no percent escapes) and no credentials, cookies,
    /// `Origin` (the CORS middleware's), `Expect` or `Connection` other than keep-alive.
    var fastTarget: String?
    var ifNoneMatch: String?

    enum Scan: Equatable {
        /// The head has not ended yet.
        case incomplete
        /// A whole head of `length` bytes, of a request without a body.
        case head(RawRequestHead, length: Int)
        /// Not something this scanner frames.
        case other
    }

    static let limit = 16 * 1024

    static func scan(_ bytes: UnsafeRawBufferPointer) -> Scan {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var head = RawRequestHead()
        var fast = true
        var lineStart = 0, lineNumber = 0
        var i = 0
        while i < bytes.count {
            defer { i += 1 }
            guard bytes[i] == lf else { continue }
            guard i > lineStart, bytes[i - 1] == cr else { return .other }
            let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<(i - 1)])
            lineStart = i + 1
            lineNumber += 1
            if line.isEmpty {
                if lineNumber == 1 { return .other }
                if !fast { head.fastTarget = nil }
                return .head(head, length: i + 1)
            }
            if lineNumber == 1 {
                head.fastTarget = fastTarget(requestLine: line)
                continue
            }
            guard line[0] != UInt8(ascii: " "), line[0] != UInt8(ascii: "\t"),
                  let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0
            else { return .other }
            let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
            let value = trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]))
            switch Header(name) {
            case .body, .upgrade: return .other
            case .private: fast = false
            case .connection: if !equalsIgnoringCase(value, "keep-alive") { fast = false }
            case .ifNoneMatch:
                if head.ifNoneMatch != nil { fast = false }
                head.ifNoneMatch = String(decoding: value, as: UTF8.self)
            case .other: break
            }
        }
        return bytes.count > limit ? .other : .incomplete
    }

    /// The headers the fast path looks at.
    private enum Header {
        case body, upgrade, `private`, connection, ifNoneMatch, other

        init(_ name: UnsafeRawBufferPointer) {
            func named(_ lowercase: StaticString) -> Bool { RawRequestHead.equalsIgnoringCase(name, lowercase) }
            switch name.count {
            case 6 where named("cookie") || named("origin") || named("expect"): self = .private
            case 7 where named("upgrade"): self = .upgrade
            case 10 where named("connection"): self = .connection
            case 13 where named("authorization"): self = .private
            case 13 where named("if-none-match"): self = .ifNoneMatch
            case 14 where named("content-length"): self = .body
            case 17 where named("transfer-encoding"): self = .body
            default: self = .other
            }
        }
    }

    /// "GET /tiles/… HTTP/1.1" → the target, when it is plain enough to answer without decoding.
    private static func fastTarget(requestLine line: UnsafeRawBufferPointer) -> String? {
        let prefix = "GET /".utf8, suffix = " HTTP/1.1".utf8
        guard line.count > prefix.count + suffix.count, line.starts(with: prefix), line.suffix(suffix.count).elementsEqual(suffix)
        else { return nil }
        let target = UnsafeRawBufferPointer(rebasing: line[(prefix.count - 1)..<(line.count - suffix.count)])
        for b in target where b <= 0x20 || b >= 0x7f || b == UInt8(ascii: "?") || b == UInt8(ascii: "%") || b == UInt8(ascii: "#") {
            return nil
        }
        return String(decoding: target, as: UTF8.self)
    }

    private static func trimmed(_ value: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0, end = value.count
        while start < end, value[start] == 0x20 || value[start] == 0x09 { start += 1 }
        while end > start, value[end - 1] == 0x20 || value[end - 1] == 0x09 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: value[start..<end])
    }

    /// ASCII case-insensitive comparison with a lowercase literal.
    fileprivate static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for k in 0..<bytes.count {
            var b = bytes[k]
            if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") { b |= 0x20 }
            if b != expected[k] { return false }
        }
        return true
    }
}
