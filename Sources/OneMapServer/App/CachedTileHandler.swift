import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import OneMapStore
import Synchronization

/// The hot path of a tile server: a GET for a tile the memory cache holds is answered right in
/// the channel pipeline, on the connection's event loop, without the async request machinery
/// (which costs more than the lookup itself; Tools/bench/serve measured it). Everything else —
/// misses, stale entries, other routes, errors, callers with credentials — goes on to the router
/// unchanged, so the answers are the same either way; only the time differs.
///
/// Responses stay in request order: the fast path is only taken while no earlier request of the
/// connection is still with the router.
final class CachedTileHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let tiles: TileService
    private let metrics: ServerMetrics
    private let limits: RateLimits
    private let serverName: String
    /// Requests passed on whose responses have not ended yet.
    private var withRouter = 0
    /// The answer to the request being read (sent at its end), when the fast path took it.
    private var answer: (head: HTTPResponse, body: ByteBuffer?)?

    init(tiles: TileService, metrics: ServerMetrics, limits: RateLimits, serverName: String) {
        self.tiles = tiles
        self.metrics = metrics
        self.limits = limits
        self.serverName = serverName
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let request):
            // The same per-address limit as the router's: a client over it goes to the router,
            // which answers 429.
            if withRouter == 0, let answer = fastAnswer(request),
               limits.take(user: nil, address: context.channel.remoteAddress?.ipAddress ?? "local") == nil {
                self.answer = answer
                return
            }
            withRouter += 1
        case .body:
            if answer != nil { return }
        case .end:
            if let answer {
                self.answer = nil
                context.write(wrapOutboundOut(.head(answer.head)), promise: nil)
                if let body = answer.body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { withRouter = max(0, withRouter - 1) }
        context.write(data, promise: promise)
    }

    /// The response when the request is an anonymous GET of a tile in the memory cache.
    private func fastAnswer(_ request: HTTPRequest) -> (head: HTTPResponse, body: ByteBuffer?)? {
        guard request.method == .get, let path = request.path, path.hasPrefix("/tiles/"), !path.contains("?"),
              // Callers with credentials (a header, a cookie or a `token` parameter) go through the auth
              // middleware, cross-origin requests through the CORS one, and a closing connection
              // through the router, which closes it properly.
              request.headerFields[.authorization] == nil, request.headerFields[.cookie] == nil, request.headerFields[.origin] == nil,
              request.headerFields[.connection]?.lowercased() != "close"
        else { return nil }
        guard let (map, tms, tile, scale) = TileRoutes.parse(path: path[...]),
              let result = tiles.memoryTile(map: map, tms: tms, tile: tile, scale: scale, principal: .anonymous)
        else { return nil }
        let (status, fields) = TileRoutes.head(result, ifNoneMatch: request.headerFields[.ifNoneMatch], principal: .anonymous)
        var headers = fields
        headers[.server] = serverName
        headers[.date] = HTTPDate.now()
        metrics.request(route: TileRoutes.route, status: Int(status.code))
        guard status == .ok else {
            headers[.contentLength] = "0"
            return (HTTPResponse(status: status, headerFields: headers), nil)
        }
        headers[.contentLength] = String(result.buffer.readableBytes)
        return (HTTPResponse(status: status, headerFields: headers), result.buffer)
    }
}

/// The IMF-fixdate of the current second, formatted once per second.
enum HTTPDate {
    private static let cached = Mutex<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        let second = Int(Date().timeIntervalSince1970)
        return cached.withLock { c in
            if c.second != second {
                c = (second, format(second))
            }
            return c.text
        }
    }

    static func format(_ second: Int) -> String {
        var t = time_t(second)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return String(format: "%@, %02d %@ %04d %02d:%02d:%02d GMT", days[Int(parts.tm_wday)], Int(parts.tm_mday), months[Int(parts.tm_mon)],
                      Int(parts.tm_year) + 1900, Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
