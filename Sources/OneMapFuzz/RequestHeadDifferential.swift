import NIOCore
import NIOEmbedded
import NIOHTTP1
import OneMapServer

/// The tile fast path's head scanner against NIO's decoder (llhttp) on the same bytes. The fast
/// path may answer a request itself only where the decoder would have read the very same request:
/// every head the scanner frames must be a request the decoder decodes, without a body, ending at
/// the same byte, and a head it would answer must have the decoder's method, target and keep-alive.
/// The scanner may always decline (`.other`): the connection then goes to the decoder.
enum RequestHeadDifferential {
    static func check(_ bytes: [UInt8]) {
        let decoded = decode(bytes)
        var offset = 0
        var index = 0
        while offset < bytes.count {
            let rest = Array(bytes[offset...])
            let scan = ServerParsers.scanRequestHead(rest)
            // Fed in pieces, as a trickling client sends it, the scanner must say the same.
            for piece in [1, 7] where ServerParsers.scanRequestHead(rest, pieceSize: piece) != scan {
                fail("pieces of \(piece) bytes scan as \(ServerParsers.scanRequestHead(rest, pieceSize: piece)), at once as \(scan)", bytes)
            }
            guard case .head(let length, let fastTarget, _, let closes) = scan else { return }
            guard index < decoded.requests.count else {
                fail("the scanner framed request \(index + 1) of \(length) bytes; the decoder read \(decoded.requests.count)"
                     + (decoded.error.map { " and failed: \($0)" } ?? ""), bytes)
            }
            let request = decoded.requests[index]
            if request.hasBody { fail("request \(index + 1) has a body for the decoder", bytes) }
            // The decoder must see the request end exactly where the scanner does.
            let end = offset + length
            if decode(Array(bytes[..<end])).completed != index + 1 || decode(Array(bytes[..<(end - 1)])).completed != index {
                fail("request \(index + 1) ends at byte \(end) for the scanner, elsewhere for the decoder", bytes)
            }
            if let fastTarget {
                if request.head.method != .GET || request.head.version != .http1_1 || request.head.uri != fastTarget {
                    fail("fast target \(fastTarget) is \(request.head.method) \(request.head.uri) \(request.head.version) for the decoder", bytes)
                }
                if closes == request.head.isKeepAlive { fail("the scanner says close=\(closes), the decoder keep-alive=\(request.head.isKeepAlive)", bytes) }
            }
            offset += length
            index += 1
            if closes { return }
        }
    }

    struct Decoded {
        struct Request {
            var head: HTTPRequestHead
            var hasBody = false
        }
        var requests: [Request] = []
        /// Requests read to their end.
        var completed = 0
        var error: (any Error)?
    }

    /// The requests NIO's decoder reads from `bytes`, fed at once.
    static func decode(_ bytes: [UInt8]) -> Decoded {
        var out = Decoded()
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        do {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
        } catch {
            out.error = error
        }
        while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
            switch part {
            case .head(let head): out.requests.append(.init(head: head))
            case .body: if !out.requests.isEmpty { out.requests[out.requests.count - 1].hasBody = true }
            case .end: out.completed += 1
            }
        }
        return out
    }

    private static func fail(_ message: String, _ bytes: [UInt8]) -> Never {
        let shown = String(decoding: bytes.prefix(300), as: UTF8.self).debugDescription
        fatalError("request-head differential: \(message)\ninput: \(shown)")
    }
}
