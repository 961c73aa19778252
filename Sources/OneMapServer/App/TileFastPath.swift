import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import OneMapStore
import Prometheus
import OneMapTiles

/// The hot path of a tile server: an anonymous GET for a tile the memory cache holds is answered
/// from the connection's bytes, on its event loop, before NIO's HTTP decoder and Hummingbird's
/// request machinery (which together cost several times the lookup; Tools/bench/serve measures
/// it). Everything else — misses, stale entries, other routes, callers with credentials, odd
/// requests — goes on to the router unchanged, so the answers are the same either way; only the
/// time differs.
struct TileFastPath: Sendable {
    let tiles: TileService
    let limits: RateLimits
    let serverName: String
    private let answered: Counter
    private let notModified: Counter
    private let fastTiles: Counter
    private let closedSlowHead: Counter
    private let closedIdle: Counter

    init(tiles: TileService, metrics: ServerMetrics, limits: RateLimits, serverName: String) {
        self.tiles = tiles
        self.limits = limits
        self.serverName = serverName
        answered = metrics.requestCounter(route: TileRoutes.route, status: 200)
        notModified = metrics.requestCounter(route: TileRoutes.route, status: 304)
        fastTiles = metrics.fastTiles
        closedSlowHead = metrics.connectionsClosed(reason: "header_timeout")
        closedIdle = metrics.connectionsClosed(reason: "idle_timeout")
    }

    enum Timeout { case header, idle }

    /// Counts a connection closed for a timeout.
    func timedOut(_ timeout: Timeout) {
        (timeout == .header ? closedSlowHead : closedIdle).increment()
    }

    /// The response, head bytes and body, when `head` asks for a tile the memory cache holds.
    func answer(_ head: RawRequestHead, address: String, allocator: ByteBufferAllocator) -> (head: ByteBuffer, body: ByteBuffer?)? {
        guard let target = head.fastTarget, let (map, tms, tile, scale) = TileRoutes.parse(path: target[...]),
              let result = tiles.memoryTile(map: map, tms: tms, tile: tile, scale: scale, principal: .anonymous),
              // Over the per-address limit: the router answers (429).
              limits.take(user: nil, address: address) == nil
        else { return nil }
        let unchanged = head.ifNoneMatch.map { TileRoutes.ifNoneMatch($0, matches: result.etag) } ?? false
        var out = allocator.buffer(capacity: 320)
        out.writeStaticString(unchanged ? "HTTP/1.1 304 Not Modified\r\n" : "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n")
        out.writeStaticString("ETag: ")
        out.writeString(result.etag)
        out.writeStaticString("\r\nCache-Control: ")
        out.writeString(TileRoutes.publicCacheControl)
        if !unchanged {
            out.writeStaticString("\r\nX-OneMap-Cache: memory\r\nContent-Length: ")
            out.writeString(String(result.buffer.readableBytes))
        }
        out.writeStaticString("\r\nServer: ")
        out.writeString(serverName)
        out.writeStaticString("\r\nDate: ")
        out.writeString(HTTPDate.now())
        out.writeStaticString("\r\n\r\n")
        (unchanged ? notModified : answered).increment()
        fastTiles.increment()
        return (out, unchanged ? nil : result.buffer)
    }
}

/// HTTP/1.1 set up as Hummingbird's `HTTP1Channel` does it, with the tile fast path in front of
/// the HTTP decoder and a counter of the router's unfinished responses behind it.
struct TileHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>
    let responder: HTTPChannelHandler.Responder
    let fastPath: TileFastPath
    let timeouts: ConnectionTimeouts
    let connections: ConnectionLimit

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            // Over the limit: a short 503 and the connection is closed (its file descriptor is
            // given back at once, so idle crowds cannot use them all up).
            if !connections.open(channel) {
                try pipeline.addHandler(ConnectionLimit.Refusal())
            }
            let responses = RouterResponses()
            try pipeline.addHandler(RawTileHandler(fastPath: fastPath, responses: responses, timeouts: timeouts))
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = 80 * 1024
            limits.maxHeaderListSize = 80 * 1024
            limits.maxHeaderFieldCount = 1000
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(RouterResponses.Heads(responses))
            try pipeline.addHandler(responses)
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

/// First in the pipeline: frames requests on the raw bytes, answers cached tiles, passes every
/// other request on to the decoder whole.
///
/// Responses stay in request order: a request is answered here only while no earlier request of
/// the connection is still with the router (and the socket takes writes). A request this handler
/// does not frame (one with a body, an upgrade, anything odd), one that ends the connection, a
/// decoder error, a closed output or the server quiescing hand the connection to the decoder for
/// good: from then on it behaves exactly as without this handler.
final class RawTileHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let fastPath: TileFastPath
    private let responses: RouterResponses
    /// The start of a head that has not ended yet, and the scan of it so far.
    private var pending: ByteBuffer?
    private var scanner = RawRequestHead.Scanner()
    private var decoderOnly = false
    private var unflushed = false
    private var address: String?
    private let timeouts: ConnectionTimeouts
    /// When bytes last came in, and when the request head still unfinished began.
    private var lastRead = NIODeadline.now()
    private var headStarted: NIODeadline?
    private var check: Scheduled<Void>?

    init(fastPath: TileFastPath, responses: RouterResponses, timeouts: ConnectionTimeouts = ConnectionTimeouts()) {
        self.fastPath = fastPath
        self.responses = responses
        self.timeouts = timeouts
    }

    // MARK: timeouts (slow and idle clients)

    func handlerAdded(context: ChannelHandlerContext) {
        lastRead = .now()
        if context.channel.isActive { scheduleCheck(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        lastRead = .now()
        scheduleCheck(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
    }

    /// Closes a connection whose request head has taken longer than the header timeout to
    /// arrive (a slowloris trickle), or that has sent nothing for the idle timeout while no
    /// answer is being made or written.
    private func scheduleCheck(_ context: ChannelHandlerContext) {
        guard check == nil, context.channel.isActive else { return }
        let every = TimeAmount.nanoseconds(max(100_000_000, min(timeouts.header, timeouts.idle).nanoseconds / 4))
        check = context.eventLoop.assumeIsolated().scheduleTask(in: every) { [self] in
            check = nil
            let now = NIODeadline.now()
            let slowHead = headStarted.map { now - $0 > timeouts.header } ?? false
            let idle = headStarted == nil && responses.inProgress == 0 && responses.unfinished == 0
                && now - max(lastRead, responses.lastEnded) > timeouts.idle
            if slowHead || idle {
                fastPath.timedOut(slowHead ? .header : .idle)
                context.close(promise: nil)
            } else {
                scheduleCheck(context)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        guard !decoderOnly, !responses.closing else {
            handOver(context)
            return context.fireChannelRead(data)
        }
        var buffer = unwrapInboundIn(data)
        // The unfinished head kept from earlier reads is this handler's own buffer: the new bytes
        // are appended to it, and it is kept as it is while the head goes on (a trickled head is
        // copied once, not once per read).
        let ownBuffer = pending != nil
        if var earlier = pending {
            pending = nil
            earlier.writeBuffer(&buffer)
            buffer = earlier
        }
        while buffer.readableBytes > 0 {
            switch buffer.withUnsafeReadableBytes({ scanner.scan($0) }) {
            case .incomplete:
                if headStarted == nil { headStarted = lastRead }
                if ownBuffer {
                    // Heads answered from this buffer are dropped, or a connection that keeps
                    // ending its reads inside a head would keep every request it ever sent.
                    if buffer.readerIndex > 0 { buffer.discardReadBytes() }
                    pending = buffer
                } else {
                    // A copy of just the head's bytes: the read buffer goes back to NIO's pool.
                    var head = context.channel.allocator.buffer(capacity: max(buffer.readableBytes * 2, 1024))
                    head.writeBuffer(&buffer)
                    pending = head
                }
                return
            case .other:
                headStarted = nil
                decoderOnly = true
                return context.fireChannelRead(wrapInboundOut(buffer))
            case .head(let head, let length):
                headStarted = nil
                scanner = RawRequestHead.Scanner()
                // A client that does not read its answers gets the router's, which wait for the
                // socket (and stop reading from it) instead of queueing here without bound.
                if responses.unfinished == 0, context.channel.isWritable,
                   let answer = fastPath.answer(head, address: clientAddress(context), allocator: context.channel.allocator) {
                    buffer.moveReaderIndex(forwardBy: length)
                    context.write(wrapOutboundOut(answer.head), promise: nil)
                    if let body = answer.body { context.write(wrapOutboundOut(body), promise: nil) }
                    unflushed = true
                } else {
                    responses.unfinished += 1
                    if head.closesConnection {
                        decoderOnly = true
                        responses.closeWhenAnswered = true
                    }
                    context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: length)!))
                    if decoderOnly, buffer.readableBytes > 0 { return context.fireChannelRead(wrapInboundOut(buffer)) }
                }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            // The connection handler closes an idle connection at once, which would cut off
            // answers of this handler still being written: pass the event on once they are out
            // (writes complete in order, so after an empty one).
            handOver(context)
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in context.fireUserInboundEventTriggered(event) }
        case ChannelEvent.inputClosed, ChannelEvent.outputClosed:
            handOver(context)
            context.fireUserInboundEventTriggered(event)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Leaves the connection to the decoder for good, with the start of a head read so far: the
    /// decoder must see every byte the client sent, in order.
    private func handOver(_ context: ChannelHandlerContext) {
        decoderOnly = true
        headStarted = nil
        if let earlier = pending {
            pending = nil
            context.fireChannelRead(wrapInboundOut(earlier))
        }
    }

    private func clientAddress(_ context: ChannelHandlerContext) -> String {
        if let address { return address }
        let known = context.channel.remoteAddress?.ipAddress ?? "local"
        address = known
        return known
    }
}

/// After the HTTP codec: counts the requests passed to the router whose responses have not
/// ended, for `RawTileHandler`'s ordering rule, and notes when the connection is ending (a
/// decoder error, or a response that closes it).
final class RouterResponses: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart
    var unfinished = 0
    /// Requests the decoder has read whose responses have not ended (fast path or not, framed
    /// here or not): while there are any, the connection is not idle.
    fileprivate(set) var inProgress = 0
    /// When the last response ended: a connection is idle from then, not from its last request
    /// (which a slow answer may have taken longer than the idle timeout to make).
    private(set) var lastEnded = NIODeadline.uptimeNanoseconds(0)
    private(set) var closing = false
    /// Close the connection once the requests passed on are answered (the last of them ends it:
    /// HTTP/1.0 without keep-alive, which the router's handler does not close by itself).
    var closeWhenAnswered = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closing = true
        context.fireErrorCaught(error)
    }

    /// Counts the decoded request heads (right after the codec, where parts are typed).
    final class Heads: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart
        let responses: RouterResponses
        init(_ responses: RouterResponses) { self.responses = responses }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head = unwrapInboundIn(data) { responses.inProgress += 1 }
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response) where response.headerFields[.connection]?.lowercased() == "close": closing = true
        case .end:
            unfinished = max(0, unfinished - 1)
            inProgress = max(0, inProgress - 1)
            lastEnded = .now()
            if unfinished == 0 && closeWhenAnswered {
                context.writeAndFlush(data, promise: promise)
                context.close(promise: nil)
                return
            }
        default: break
        }
        context.write(data, promise: promise)
    }
}
