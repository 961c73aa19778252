import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapGeometry
import Testing

@testable import OneMapServer
@testable import OneMapStore

/// The pipeline's fast path for cached tiles, through a real socket (`.live`): the same answers
/// as the router, in request order, and the router still takes everything else.
@Suite struct CachedTileHandlerTests {
    @Test func cachedTilesAreAnsweredLikeTheRouterDoes() async throws {
        let fixture = try ServerFixture()
        let app = buildApplication(fixture.services)
        let uri = "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png"
        let cacheHeader = HTTPField.Name("X-OneMap-Cache")!
        try await app.test(.live) { client in
            let rendered = try await client.execute(uri: uri, method: .get)
            #expect(rendered.status == .ok && rendered.headers[cacheHeader] == "render")
            let cached = try await client.execute(uri: uri, method: .get)
            #expect(cached.status == .ok && cached.headers[cacheHeader] == "memory")
            #expect(cached.bytes == rendered.bytes && cached.headers[.eTag] == rendered.headers[.eTag])
            for name in [HTTPField.Name.contentType, .cacheControl, .server] {
                #expect(cached.headers[name] == rendered.headers[name], "\(name)")
            }
            #expect(cached.headers[.date]?.hasSuffix(" GMT") == true && cached.headers[.contentLength] == String(rendered.bytes.count))
            // A query string does not change the tile.
            #expect(try await client.execute(uri: uri + "?v=2", method: .get).bytes == rendered.bytes)
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
            #expect(metrics.contains(#"onemap_http_requests_total{route="/tiles/{map}/{tms}/{z}/{x}/{y}",status="200"} 4"#), "\(metrics)")
            #expect(metrics.contains(#"onemap_http_requests_total{route="/tiles/{map}/{tms}/{z}/{x}/{y}",status="304"} 1"#))
            #expect(metrics.contains(#"onemap_tile_cache_total{result="memory"} 4"#))
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let fixture = try ServerFixture()
        let app = buildApplication(fixture.services)
        let cached = "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png"
        // Far from the first tile's metatile, so it has to be rendered (slowly) by the router.
        let uncached = "/tiles/helsinki/WebMercatorQuad/17/74608/37928.png"
        try await app.test(.live) { client in
            _ = try await client.execute(uri: cached, method: .get)
            let port = try #require(client.port)
            // Three requests in one write: the slow one first; the cached tile must not overtake it.
            let text = try RawHTTP.exchange(port: port, requests: [
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

/// Writes raw HTTP/1.1 requests on one connection and reads until the server closes it.
enum RawHTTP {
    static func exchange(port: Int, requests: [String]) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(requests.joined().utf8)
        guard send(fd, bytes, bytes.count, 0) == bytes.count else { throw POSIXError(.EIO) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
