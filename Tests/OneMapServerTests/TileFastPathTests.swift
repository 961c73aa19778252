import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOEmbedded
import NIOHTTP1
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapServer
@testable import OneMapStore

/// The fast path for cached tiles, through a real socket (`.live`): the same answers as the
/// router, in request order, and the router still takes everything else.
@Suite struct TileFastPathTests {
    /// Draws the z15 tile into the memory cache before the server starts (the live test client
    /// allows 20 s, which a draw on a loaded CI machine has overrun).
    static func warm(_ services: AppServices) async throws {
        _ = try await services.tiles.tile(map: "helsinki", tms: "WebMercatorQuad", tile: TileID(z: 15, x: 18654, y: 9484), scale: 1,
                                          principal: .anonymous)
    }

    @Test func cachedTilesAreAnsweredLikeTheRouterDoes() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        try await Self.warm(fixture.services)
        let app = buildApplication(fixture.services)
        let uri = "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png"
        let cacheHeader = HTTPField.Name("X-OneMap-Cache")!
        try await app.test(.live) { client in
            // A query string sends the request to the router (the tile is the same).
            let rendered = try await client.execute(uri: uri + "?v=2", method: .get)
            #expect(rendered.status == .ok && rendered.headers[cacheHeader] == "memory")
            let cached = try await client.execute(uri: uri, method: .get)
            #expect(cached.status == .ok && cached.headers[cacheHeader] == "memory")
            #expect(cached.bytes == rendered.bytes && cached.headers[.eTag] == rendered.headers[.eTag])
            for name in [HTTPField.Name.contentType, .cacheControl, .server] {
                #expect(cached.headers[name] == rendered.headers[name], "\(name)")
            }
            #expect(cached.headers[.date]?.hasSuffix(" GMT") == true && cached.headers[.contentLength] == String(rendered.bytes.count))
            let etag = try #require(rendered.headers[.eTag])
            let revalidated = try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: "\"other\", \(etag)"])
            #expect(revalidated.status == .notModified && revalidated.bytes.isEmpty && revalidated.headers[.eTag] == etag)
            // Cross-origin requests get the CORS headers (from the router's middleware).
            let crossOrigin = try await client.execute(uri: uri, method: .get, headers: [.origin: "https://portal.example.cn"])
            #expect(crossOrigin.headers[.accessControlAllowOrigin] == "*" && crossOrigin.bytes == rendered.bytes)
            // Not cached or not a tile: the router answers as before.
            #expect(try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/99/0/0.png", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/tiles/nosuch/WebMercatorQuad/15/0/0.png", method: .get).status == .notFound)
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains(#"onemap_http_requests_total{route="/tiles/{map}/{tms}/{z}/{x}/{y}",status="200"} 3"#), "\(metrics)")
            #expect(metrics.contains(#"onemap_http_requests_total{route="/tiles/{map}/{tms}/{z}/{x}/{y}",status="304"} 1"#))
            #expect(metrics.contains(#"onemap_tile_cache_total{result="memory"} 4"#))
            // Two of them (the plain GET and the revalidation) never reached the HTTP decoder.
            #expect(metrics.contains("onemap_tile_fast_path_total 2"), "\(metrics)")
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        try await Self.warm(fixture.services)
        let app = buildApplication(fixture.services)
        let cached = "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png"
        // Far from the first tile's metatile, so it has to be rendered (slowly) by the router.
        let uncached = "/tiles/helsinki/WebMercatorQuad/17/74608/37928.png"
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // Three requests in one write: the slow one first; the cached tile must not overtake it.
            let text = try await RawHTTP.exchange(port: port, requests: [
                "GET \(uncached) HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "GET \(cached) HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            ])
            let lower = text.lowercased()
            let render = try #require(lower.range(of: "x-onemap-cache: render"))
            let memory = try #require(lower.range(of: "x-onemap-cache: memory"))
            let health = try #require(lower.range(of: "\"status\":\"ok\""))
            #expect(render.lowerBound < memory.lowerBound && memory.lowerBound < health.lowerBound)
            #expect(lower.components(separatedBy: "http/1.1 200 ok").count == 4)
        }
    }
}

@Suite struct TileFastPathConnectionTests {
    let cached = "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png"

    /// A server with the z15 tile in its memory cache. The tile is drawn before the server starts:
    /// through the test client it would have 20 s, which a loaded CI machine has overrun.
    func withWarmServer(_ body: @escaping @Sendable (Int, HTTPFields, AppServices) async throws -> Void) async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        let services = fixture.services
        let warm = try await services.tiles.tile(map: "helsinki", tms: "WebMercatorQuad", tile: TileID(z: 15, x: 18654, y: 9484), scale: 1,
                                                 principal: .anonymous)
        let headers: HTTPFields = [.eTag: warm.etag]
        let app = buildApplication(services)
        try await app.test(.live) { client in
            try await body(try #require(client.port), headers, services)
        }
    }

    @Test func headsSplitAcrossPacketsAreAnswered() async throws {
        try await withWarmServer { port, _, services in
            let text = try await RawHTTP.exchange(port: port, chunks: [
                "GET \(cached) HTT", "P/1.1\r\nHost: loc", "alhost\r\n", "\r\nGET /health HTTP/1.1\r\nConnection: close\r\n\r\n",
            ])
            #expect(text.lowercased().contains("x-onemap-cache: memory"), "\(text.prefix(400))")
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
            #expect(String(decoding: services.metrics.text(), as: UTF8.self).contains("onemap_tile_fast_path_total 1"))
        }
    }

    @Test func aRequestWithABodyHandsTheConnectionToTheDecoder() async throws {
        try await withWarmServer { port, _, _ in
            // Cached tile, a POST with a body (not a route: 404 from the router), the cached tile
            // again: three answers, in order, the body not taken for a request.
            let body = "GET /health HTTP/1.1\r\n\r\n"
            let statuses = try await RawHTTP.statuses(port: port, requests: [
                "GET \(cached) HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "POST /tiles/helsinki HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)",
                "GET \(cached) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            ])
            #expect(statuses == ["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"])
        }
    }

    @Test func http10WithoutKeepAliveIsClosedAfterItsAnswer() async throws {
        try await withWarmServer { port, _, _ in
            // Cached or not, fast path or router: answered, then closed (RFC 9112 §9.3).
            for target in [cached, "/health"] {
                let statuses = try await RawHTTP.statuses(port: port, requests: ["GET \(target) HTTP/1.0\r\n\r\n"])
                #expect(statuses == ["HTTP/1.1 200 OK"], "\(target)")
            }
        }
    }

    @Test func revalidationAnswers304WithoutABody() async throws {
        try await withWarmServer { port, headers, services in
            let etag = try #require(headers[.eTag])
            let requests = [
                "GET \(cached) HTTP/1.1\r\nIf-None-Match: W/\(etag)\r\n\r\n",
                "GET \(cached) HTTP/1.1\r\nif-none-match: *\r\n\r\n",
                "GET \(cached) HTTP/1.1\r\nIf-None-Match: \"other\"\r\nConnection: close\r\n\r\n",
            ]
            // (statuses(…) frames 304s without a body: were one sent, the next status would be garbage.)
            #expect(try await RawHTTP.statuses(port: port, requests: requests) == ["HTTP/1.1 304 Not Modified", "HTTP/1.1 304 Not Modified", "HTTP/1.1 200 OK"])
            let text = try await RawHTTP.exchange(port: port, requests: requests)
            #expect(text.contains("\r\n\r\nHTTP/1.1 304 Not Modified\r\n") && text.contains("\r\n\r\nHTTP/1.1 200 OK\r\n"))
            // The 304s came from the fast path (the last request, with Connection: close, from the router).
            #expect(String(decoding: services.metrics.text(), as: UTF8.self).contains("onemap_tile_fast_path_total 4"))
        }
    }

    @Test func otherRequestsOnTheConnectionGoToTheRouter() async throws {
        try await withWarmServer { port, _, _ in
            let statuses = try await RawHTTP.statuses(port: port, requests: [
                "GET \(cached)?v=1 HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "GET \(cached.replacingOccurrences(of: "helsinki", with: "hel%73inki")) HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "GET \(cached) HTTP/1.1\r\nAuthorization: Bearer om_nosuchtoken\r\n\r\n",
                "GET \(cached) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            ])
            // The router does not decode escapes in paths (a map named "hel%73inki" does not exist).
            #expect(statuses == ["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 401 Unauthorized", "HTTP/1.1 200 OK"])
        }
    }
}

/// The front handler alone, on an embedded channel: what it answers, what it passes on.
@Suite struct RawTileHandlerTests {
    /// A fixture with the z15 tile in its memory cache, and the fast path over it.
    func warmFastPath() async throws -> (ServerFixture, TileFastPath) {
        let fixture = try await OwnThread.build { try ServerFixture() }
        let services = fixture.services
        _ = try await services.tiles.tile(map: "helsinki", tms: "WebMercatorQuad", tile: TileID(z: 15, x: 18654, y: 9484), scale: 1,
                                         principal: .anonymous)
        return (fixture, TileFastPath(tiles: services.tiles, metrics: services.metrics, limits: services.limits, serverName: "OneMap"))
    }

    @Test func answersFromTheCacheOnlyWhileTheSocketTakesWrites() async throws {
        let (fixture, fastPath) = try await warmFastPath()
        defer { withExtendedLifetime(fixture) {} }
        let responses = RouterResponses()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RawTileHandler(fastPath: fastPath, responses: responses))
        let request = "GET /tiles/helsinki/WebMercatorQuad/15/18654/9484.png HTTP/1.1\r\nHost: x\r\n\r\n"

        // Cached, split in two reads: answered here (head, then the PNG), nothing passed on.
        try channel.writeInbound(ByteBuffer(string: String(request.prefix(20))))
        try channel.writeInbound(ByteBuffer(string: String(request.dropFirst(20))))
        channel.pipeline.fireChannelReadComplete()
        let head = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(String(buffer: head).hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"))
        let body = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(body.readableBytesView.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)

        // The socket is full: the request goes to the router, and so does the next one while the
        // router's answer is unfinished.
        channel.isWritable = false
        try channel.writeInbound(ByteBuffer(string: request))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == request)
        channel.isWritable = true
        try channel.writeInbound(ByteBuffer(string: request))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == request)
        #expect(responses.unfinished == 2)
        channel.pipeline.fireChannelReadComplete()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)

        // A request with a body hands everything after it to the decoder, cached tiles included.
        let post = "POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nab"
        responses.unfinished = 0
        try channel.writeInbound(ByteBuffer(string: post + request))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == post + request)
        try channel.writeInbound(ByteBuffer(string: request))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == request)
        _ = try channel.finish()
    }

    @Test func aClientOverItsRateLimitGoesToTheRouter() async throws {
        let (fixture, _) = try await warmFastPath()
        defer { withExtendedLifetime(fixture) {} }
        let services = fixture.services
        // An embedded channel has no address ("local"), limited like any remote client.
        let fastPath = TileFastPath(tiles: services.tiles, metrics: services.metrics,
                                    limits: RateLimits(requestsPerSecond: 0.001, burst: 2, failuresPerMinute: 10), serverName: "OneMap")
        let responses = RouterResponses()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RawTileHandler(fastPath: fastPath, responses: responses))
        let request = "GET /tiles/helsinki/WebMercatorQuad/15/18654/9484.png HTTP/1.1\r\n\r\n"
        try channel.writeInbound(ByteBuffer(string: request + request + request))
        channel.pipeline.fireChannelReadComplete()
        var heads = 0
        while let part = try channel.readOutbound(as: ByteBuffer.self) {
            if part.readableBytesView.starts(with: "HTTP/1.1 200 OK".utf8) { heads += 1 }
        }
        #expect(heads == 2)
        // The third, over the limit, is the router's (which answers 429).
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == request)
        _ = try channel.finish()
    }

    @Test func aConnectionThatEndsIsLeftToTheDecoder() async throws {
        let (fixture, fastPath) = try await warmFastPath()
        defer { withExtendedLifetime(fixture) {} }
        let request = "GET /tiles/helsinki/WebMercatorQuad/15/18654/9484.png HTTP/1.1\r\n\r\n"
        func channel() throws -> (EmbeddedChannel, RouterResponses) {
            let responses = RouterResponses()
            let channel = EmbeddedChannel()
            try channel.pipeline.syncOperations.addHandler(RawTileHandler(fastPath: fastPath, responses: responses))
            try channel.pipeline.syncOperations.addHandler(responses)
            return (channel, responses)
        }

        // After a request that closes the connection, even once it is answered, a cached tile
        // pipelined behind it goes to the decoder (which will not read it).
        let (closing, closingResponses) = try channel()
        try closing.writeInbound(ByteBuffer(string: "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n" + request))
        closingResponses.unfinished = 0
        try closing.writeInbound(ByteBuffer(string: request))
        closing.pipeline.fireChannelReadComplete()
        #expect(try closing.readOutbound(as: ByteBuffer.self) == nil)
        _ = try closing.finish()

        // After a decoder error (here: one fired into the pipeline), likewise.
        let (failed, _) = try channel()
        failed.pipeline.fireErrorCaught(HTTPParserError.invalidHeaderToken)
        _ = try? failed.throwIfErrorCaught()
        try failed.writeInbound(ByteBuffer(string: request))
        failed.pipeline.fireChannelReadComplete()
        #expect(try failed.readOutbound(as: ByteBuffer.self) == nil)
        _ = try? failed.finish()

        // When the server quiesces, likewise (the connection handler is about to close it).
        let (quiescing, _) = try channel()
        quiescing.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        _ = try quiescing.readOutbound(as: ByteBuffer.self)  // the empty write it waits for
        try quiescing.writeInbound(ByteBuffer(string: request))
        quiescing.pipeline.fireChannelReadComplete()
        #expect(try quiescing.readOutbound(as: ByteBuffer.self) == nil)
        #expect(try quiescing.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == request)
        _ = try quiescing.finish()

        // The start of a head already read goes to the decoder with the rest, whatever ends the
        // fast path's part: a decoder error, the input closing, or the server quiescing.
        let (split, _) = try channel()
        try split.writeInbound(ByteBuffer(string: String(request.prefix(20))))
        #expect(try split.readInbound(as: ByteBuffer.self) == nil)
        split.pipeline.fireErrorCaught(HTTPParserError.invalidHeaderToken)
        _ = try? split.throwIfErrorCaught()
        try split.writeInbound(ByteBuffer(string: String(request.dropFirst(20))))
        var passed = ""
        while let part = try split.readInbound(as: ByteBuffer.self) { passed += String(buffer: part) }
        #expect(passed == request)
        _ = try? split.finish()
        for quiesce in [false, true] {
            let (ended, _) = try channel()
            try ended.writeInbound(ByteBuffer(string: "GET /tiles/helsinki/WebMer"))
            if quiesce {
                ended.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            } else {
                ended.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            }
            #expect(try ended.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "GET /tiles/helsinki/WebMer", "quiesce: \(quiesce)")
            _ = try? ended.finish()
        }
    }
}

@Suite struct RawRequestHeadTests {
    func scan(_ text: String) -> RawRequestHead.Scan {
        Array(text.utf8).withUnsafeBytes { RawRequestHead.scan($0) }
    }

    func fastTarget(_ text: String) -> String? {
        if case .head(let head, _) = scan(text) { return head.fastTarget }
        return nil
    }

    @Test func framesHeadsOfRequestsWithoutABody() {
        let get = "GET /tiles/a/b/1/2/3.png HTTP/1.1\r\nHost: x\r\nIf-None-Match:  \"ab\" \r\n\r\n"
        #expect(scan(get + "GET /next") == .head(RawRequestHead(fastTarget: "/tiles/a/b/1/2/3.png", ifNoneMatch: "\"ab\""), length: get.utf8.count))
        #expect(scan("GET /tiles/a/b/1/2/3.png HTTP/1.1\r\nHost: x\r\n") == .incomplete)
        #expect(scan("GET /tiles/a") == .incomplete)
        let delete = "DELETE /ogc/collections/a/items/1 HTTP/1.1\r\n\r\n"
        #expect(scan(delete) == .head(RawRequestHead(), length: delete.utf8.count))
    }

    @Test func onlyPlainAnonymousGetsAreFast() {
        #expect(fastTarget("GET /tiles/a.png HTTP/1.1\r\nConnection: Keep-Alive\r\n\r\n") == "/tiles/a.png")
        for text in ["GET /tiles/a.png?x=1 HTTP/1.1\r\n\r\n", "GET /tiles/%61.png HTTP/1.1\r\n\r\n", "HEAD /tiles/a.png HTTP/1.1\r\n\r\n",
                     "GET /tiles/a.png HTTP/1.0\r\n\r\n",
                     "GET /tiles/a.png HTTP/1.1\r\nAuthorization: Bearer x\r\n\r\n", "GET /tiles/a.png HTTP/1.1\r\nCOOKIE: a=b\r\n\r\n",
                     "GET /tiles/a.png HTTP/1.1\r\nOrigin: https://a.cn\r\n\r\n", "GET /tiles/a.png HTTP/1.1\r\nconnection: close\r\n\r\n",
                     "GET /tiles/a.png HTTP/1.1\r\nIf-None-Match: a\r\nIf-None-Match: b\r\n\r\n"] {
            #expect(fastTarget(text) == nil, "\(text)")
            #expect(scan(text) != .other && scan(text) != .incomplete, "\(text)")
        }
    }

    @Test func whatItDoesNotFrameGoesToTheDecoder() {
        for text in ["POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nab", "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                     "GET /a HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", "GET /a HTTP/1.1\nHost: x\n\n", "GET /a HTTP/1.1\r\n folded\r\n\r\n",
                     "GET /a HTTP/1.1\r\nno colon\r\n\r\n", "\r\nGET /a HTTP/1.1\r\n\r\n",
                     // What strict llhttp refuses (a 400), which a proxy might read another way:
                     // here it must not be framed, let alone answered.
                     "GET /tiles/a.png HTTP/1.1\r\nContent-Length : 4\r\n\r\nGET /", "GET /a HTTP/1.1\r\nTransfer-Encoding\t: chunked\r\n\r\n",
                     "GET /a HTTP/1.1\r\nX: a\rb\r\n\r\n", "GET /a HTTP/1.1\r\nX: a\u{0}b\r\n\r\n", "GET /a HTTP/1.1\r\nX(y): 1\r\n\r\n",
                     "GET /tiles/a\u{7f}.png HTTP/1.1\r\n\r\n", "GET /a HTTP/2.0\r\n\r\n", "GET /a HTTP/1.1 x\r\n\r\n", "GET  /a HTTP/1.1\r\n\r\n",
                     "CONNECT a.cn:443 HTTP/1.1\r\n\r\n",
                     // A method llhttp does not know (found by the differential fuzz target).
                     "GETi /a HTTP/1.1\r\n\r\n", "BREW /pot HTTP/1.1\r\n\r\n",
                     // A target llhttp cannot read as a URL, and one it reads as absolute.
                     "GET 6894/1.png HTTP/1.1\r\n\r\n", "GET http://x/tiles/a.png HTTP/1.1\r\n\r\n",
                     "GET /a HTTP/1.1\r\nX: " + String(repeating: "a", count: RawRequestHead.limit),
                     "GET /a HTTP/1.1\r\nX: " + String(repeating: "a", count: RawRequestHead.limit) + "\r\n\r\n"] {
            #expect(scan(text) == .other, "\(text.prefix(60))")
        }
    }

    @Test func headsThatEndTheConnectionAreMarked() {
        func closes(_ text: String) -> Bool? {
            if case .head(let head, _) = scan(text) { return head.closesConnection }
            return nil
        }
        #expect(closes("GET /a HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n") == true)
        #expect(closes("GET /a HTTP/1.0\r\n\r\n") == true)
        #expect(closes("GET /a HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") == false)
        #expect(closes("GET /a HTTP/1.1\r\nConnection: keep-alive\r\n\r\n") == false)
        #expect(closes("GET /a HTTP/1.1\r\nX-Connection: close\r\n\r\n") == false)
    }

    @Test func aHeadTrickledInScansLikeOneSentWhole() {
        let text = "GET /tiles/a/b/1/2/3.png HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"ab\"\r\n\r\n"
        let bytes = Array(text.utf8)
        var scanner = RawRequestHead.Scanner()
        var results: [RawRequestHead.Scan] = []
        for n in 1...bytes.count {
            results.append(bytes[..<n].withUnsafeBytes { scanner.scan($0) })
        }
        #expect(results.dropLast().allSatisfy { $0 == .incomplete })
        #expect(results.last == scan(text) && results.last != .incomplete)
    }

    @Test func entityTagsMatchWeaklyAndByStar() {
        #expect(TileRoutes.ifNoneMatch("\"a\"", matches: "\"a\""))
        #expect(TileRoutes.ifNoneMatch(" \"x\" ,W/\"a\"\t", matches: "\"a\""))
        #expect(TileRoutes.ifNoneMatch("*", matches: "\"a\""))
        #expect(!TileRoutes.ifNoneMatch("\"b\", \"ab\"", matches: "\"a\""))
        #expect(!TileRoutes.ifNoneMatch("", matches: "\"a\""))
    }

    @Test func tilePathsParse() {
        #expect(TileRoutes.parse(path: "/tiles/m/t/15/1/2@2x.png")! == ("m", "t", TileID(z: 15, x: 1, y: 2), 2))
        #expect(TileRoutes.parse(path: "/tiles/m/t/15/1/2.png")! == ("m", "t", TileID(z: 15, x: 1, y: 2), 1))
        for path in ["/tiles/m/t/15/1/2.jpg", "/tiles/m/t/15/1/2/3.png", "/tiles/m/t/a/1/2.png", "/tiles/m/15/1/2.png", "/maps/m/t/1/2/3.png"] {
            #expect(TileRoutes.parse(path: Substring(path)) == nil, "\(path)")
        }
    }
}

/// Writes raw HTTP/1.1 requests on one connection and reads until the server closes it (an error
/// when it does not within a minute).
enum RawHTTP {
    static func exchange(port: Int, requests: [String]) async throws -> String {
        try await exchange(port: port, chunks: [requests.joined()])
    }

    /// Sends each chunk in its own write, a little apart (a head split across packets). The
    /// blocking socket calls run on a thread of their own: on the concurrency pool (two threads
    /// here) they would starve the in-process server they talk to.
    static func exchange(port: Int, chunks: [String]) async throws -> String {
        String(decoding: try await bytes(port: port, chunks: chunks), as: UTF8.self)
    }

    /// The status lines of the responses, framed by their Content-Length (none for 304s).
    static func statuses(port: Int, requests: [String]) async throws -> [String] {
        let bytes = try await bytes(port: port, chunks: [requests.joined()])
        var statuses: [String] = []
        var start = 0
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while start < bytes.count {
            guard let cut = (start...(bytes.count - end.count)).first(where: { bytes[$0..<($0 + end.count)].elementsEqual(end) }) else { break }
            let head = String(decoding: bytes[start..<cut], as: UTF8.self).split(separator: "\r\n").map(String.init)
            statuses.append(head[0])
            let length = head.first { $0.lowercased().hasPrefix("content-length:") }.flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) }
            start = cut + end.count + (head[0].contains(" 304 ") ? 0 : length ?? 0)
        }
        return statuses
    }

    private static func bytes(port: Int, chunks: [String]) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try blockingExchange(port: port, chunks: chunks) }) }.start()
        }
    }

    private static func blockingExchange(port: Int, chunks: [String]) throws -> [UInt8] {
        let fd = try TestSocket.connect(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        for (k, chunk) in chunks.enumerated() {
            if k > 0 { usleep(50_000) }
            let bytes = Array(chunk.utf8)
            guard send(fd, bytes, bytes.count, 0) == bytes.count else { throw POSIXError(.EIO) }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return received }
            // Every exchange ends with a request that closes the connection: a timeout is a hang.
            guard n > 0 else { throw POSIXError(.ETIMEDOUT) }
            received += buffer[0..<n]
        }
    }
}
