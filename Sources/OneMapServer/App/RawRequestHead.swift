/// A request head read straight from the connection's bytes, for the tile fast path: just enough
/// of HTTP/1.1 to frame requests without a body and to tell a plain anonymous tile GET.
///
/// It never decides what a request means beyond that. Anything NIO's decoder (llhttp, strict)
/// might read differently — a body, an upgrade or CONNECT, bare LF or CR, folded headers,
/// characters outside the grammar, a head over `limit` — is `.other`, and the connection is left
/// to the decoder from then on, which answers it exactly as it would have. Both must agree on
/// where each request ends, or bytes the decoder takes for a body could be answered here as a
/// request of their own.
struct RawRequestHead: Equatable {
    /// The origin-form target when the request is a GET over HTTP/1.1 the fast path may answer:
    /// a path of plain characters (no query, no percent escapes) and no credentials, cookies,
    /// `Origin` (the CORS middleware's), `Expect` or `Connection` other than keep-alive.
    var fastTarget: String?
    var ifNoneMatch: String?
    /// The connection ends with this request (`Connection: close`, or HTTP/1.0 without keep-alive):
    /// nothing after it may be answered here, and it is closed once the request is answered.
    var closesConnection = false

    enum Scan: Equatable {
        /// The head has not ended yet.
        case incomplete
        /// A whole head of `length` bytes, of a request without a body.
        case head(RawRequestHead, length: Int)
        /// Not something this scanner frames.
        case other
    }

    static let limit = 16 * 1024

    /// Scans a head from the start of `bytes`.
    static func scan(_ bytes: UnsafeRawBufferPointer) -> Scan {
        var scanner = Scanner()
        return scanner.scan(bytes)
    }

    /// A scan that resumes where it stopped when more bytes of the same head arrive (a head
    /// trickled in byte by byte costs one pass, not one per read). `bytes` must start at the
    /// head's first byte each time.
    struct Scanner {
        private var position = 0
        private var lineStart = 0
        private var lineNumber = 0
        private var head = RawRequestHead()
        private var fast = true
        /// HTTP/1.0 closes after each request unless the client asks to keep the connection.
        private var isHTTP10 = false
        private var keepAlive = false

        mutating func scan(_ bytes: UnsafeRawBufferPointer) -> Scan {
            let lf = UInt8(ascii: "\n")
            while position < bytes.count {
                let i = position
                position += 1
                if i >= RawRequestHead.limit { return .other }
                guard bytes[i] == lf else { continue }
                guard i > lineStart, bytes[i - 1] == UInt8(ascii: "\r") else { return .other }
                let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<(i - 1)])
                lineStart = i + 1
                lineNumber += 1
                if line.isEmpty {
                    if lineNumber == 1 { return .other }
                    if !fast { head.fastTarget = nil }
                    if isHTTP10 && !keepAlive { head.closesConnection = true }
                    return .head(head, length: i + 1)
                }
                let understood = lineNumber == 1 ? requestLine(line) : headerLine(line)
                if !understood { return .other }
            }
            return .incomplete
        }

        static let framedMethods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

        /// "METHOD target HTTP/1.x"; false when the decoder might read it otherwise.
        private mutating func requestLine(_ line: UnsafeRawBufferPointer) -> Bool {
            guard let firstSpace = line.firstIndex(of: 0x20), firstSpace > 0,
                  let secondSpace = line[(firstSpace + 1)...].firstIndex(of: 0x20), secondSpace > firstSpace + 1
            else { return false }
            let method = UnsafeRawBufferPointer(rebasing: line[..<firstSpace])
            let target = UnsafeRawBufferPointer(rebasing: line[(firstSpace + 1)..<secondSpace])
            let version = UnsafeRawBufferPointer(rebasing: line[(secondSpace + 1)...])
            // Only methods llhttp knows are framed here (it refuses others outright, and a head
            // it refuses must not be framed, or what follows could be answered); CONNECT
            // switches protocols in llhttp, like an upgrade.
            // Only an origin-form target ("/…") or "*": llhttp refuses a target it cannot read as a
            // URL (one starting with a digit, say), and other forms are left to it.
            guard Self.framedMethods.contains(where: { method.elementsEqual($0.utf8) }), target.allSatisfy({ $0 > 0x20 && $0 < 0x7f }),
                  target.first == UInt8(ascii: "/") || target.elementsEqual("*".utf8)
            else { return false }
            if version.elementsEqual("HTTP/1.1".utf8) {
                if method.elementsEqual("GET".utf8), target.first == UInt8(ascii: "/"),
                   !target.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "#") }) {
                    head.fastTarget = String(decoding: target, as: UTF8.self)
                }
            } else if version.elementsEqual("HTTP/1.0".utf8) {
                isHTTP10 = true
            } else {
                return false
            }
            return true
        }

        /// "name: value"; false when the decoder might read it otherwise, or it gives the request
        /// a body or another protocol.
        private mutating func headerLine(_ line: UnsafeRawBufferPointer) -> Bool {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return false }
            let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
            let rawValue = UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])
            guard name.allSatisfy(Grammar.isTokenCharacter), rawValue.allSatisfy(Grammar.isValueCharacter) else { return false }
            let value = Grammar.trimmed(rawValue)
            switch Header(name) {
            case .body, .upgrade: return false
            case .private: fast = false
            case .connection:
                if Grammar.listContains(value, "close") { head.closesConnection = true }
                if Grammar.listContains(value, "keep-alive") { keepAlive = true }
                if !Grammar.equalsIgnoringCase(value, "keep-alive") { fast = false }
            case .ifNoneMatch:
                if head.ifNoneMatch != nil { fast = false }
                head.ifNoneMatch = String(decoding: value, as: UTF8.self)
            case .other: break
            }
            return true
        }
    }

    /// The headers the fast path looks at.
    private enum Header {
        case body, upgrade, `private`, connection, ifNoneMatch, other

        init(_ name: UnsafeRawBufferPointer) {
            func named(_ lowercase: StaticString) -> Bool { Grammar.equalsIgnoringCase(name, lowercase) }
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
}

/// RFC 9110's character classes, as llhttp's strict mode applies them.
private enum Grammar {
    /// tchar: ALPHA, DIGIT and !#$%&'*+-.^_`|~
    static func isTokenCharacter(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(b)
        }
    }

    /// field-content: VCHAR, obs-text, SP and HTAB (no CR, NUL or other controls).
    static func isValueCharacter(_ b: UInt8) -> Bool {
        b == 0x09 || (b >= 0x20 && b != 0x7f)
    }

    static func trimmed(_ value: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0, end = value.count
        while start < end, value[start] == 0x20 || value[start] == 0x09 { start += 1 }
        while end > start, value[end - 1] == 0x20 || value[end - 1] == 0x09 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: value[start..<end])
    }

    /// Whether a comma-separated list holds `token` (case-insensitively).
    static func listContains(_ value: UnsafeRawBufferPointer, _ token: StaticString) -> Bool {
        var start = 0
        for end in 0...value.count where end == value.count || value[end] == UInt8(ascii: ",") {
            if equalsIgnoringCase(trimmed(UnsafeRawBufferPointer(rebasing: value[start..<end])), token) { return true }
            start = end + 1
        }
        return false
    }

    /// ASCII case-insensitive comparison with a lowercase literal.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
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
