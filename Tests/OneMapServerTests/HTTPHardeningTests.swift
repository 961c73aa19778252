import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import OneMapTestSupport
import Testing

@testable import OneMapServer
import OneMapStore
import Synchronization

/// What a hostile or mistaken request cannot do: put its own text into links and pages, get a
/// misleading 404 for a wrong method, or have a wrong parameter silently ignored.
@Suite struct HTTPHardeningTests {
    /// The raw answer to a GET with these extra header lines, through a real socket (the test
    /// clients fix the Host header).
    static func get(_ port: Int, _ target: String, _ headerLines: String) async throws -> String {
        try await OwnThread.run {
            try TestSocket(port: port).exchange("GET \(target) HTTP/1.1\r\n\(headerLines)Connection: close\r\n\r\n")
        }
    }

    /// Every line the server logs, with its metadata, at every level.
    final class LogCapture: @unchecked Sendable {
        let lines = Mutex<[String]>([])
        var text: String { lines.withLock { $0.joined(separator: "\n") } }
        var logger: Logger {
            var logger = Logger(label: "onemap") { _ in Handler(capture: self) }
            logger.logLevel = .trace
            return logger
        }
        struct Handler: LogHandler {
            let capture: LogCapture
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                let all = metadata.merging(event.metadata ?? [:]) { $1 }
                capture.lines.withLock { $0.append("\(event.level) \(event.message) \(all) \(event.error.map { "\($0)" } ?? "")") }
            }
        }
    }

    /// A token given as a query parameter (WMTS and WMS clients can send no header) is a secret:
    /// it reaches neither the logs, at any level, nor the labels of /metrics, whether the request
    /// is answered, refused or fails.
    @Test func tokensInTheQueryReachNeitherLogsNorMetrics() async throws {
        let capture = LogCapture()
        let fixture = try await OwnThread.build { try FeatureFixture(users: true, logger: capture.logger) }
        let token = try #require(fixture.tokens["analyst"])
        try await buildApplication(fixture.services).test(.live) { client in
            for uri in ["/ogc/collections/parcels/items?limit=1&token=\(token)",
                        "/ogc/collections/no-such-layer/items?token=\(token)",
                        "/ogc/collections/parcels/items?filter=%27&token=\(token)",
                        "/wmts?SERVICE=WMTS&REQUEST=GetCapabilities&token=\(token)",
                        "/wms?SERVICE=WMS&REQUEST=GetMap&token=\(token)",
                        "/no/such/path?token=\(token)",
                        "/ogc/collections/parcels/items?token=\(token)x"] {
                let status = try await client.execute(uri: uri, method: .get).status
                #expect(status.code < 500, "\(uri)")
            }
            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(metrics.status == .ok && String(buffer: metrics.body).contains("onemap_"))
            #expect(!String(buffer: metrics.body).contains(token))
        }
        #expect(!capture.text.isEmpty, "the server logged nothing at trace level: the check below would be empty")
        #expect(!capture.text.contains(token), "\(capture.text.prefix(2000))")
    }

    /// A store that cannot be written or is locked elsewhere is the server's trouble, not the
    /// client's: 503, and for a lock a Retry-After.
    @Test func aReadOnlyOrLockedStoreIsServiceUnavailable() {
        let readOnly = APIError.from(StoreError.readOnly), busy = APIError.from(StoreError.busy)
        #expect(readOnly.status == .serviceUnavailable && readOnly.code == "StoreReadOnly")
        #expect(busy.status == .serviceUnavailable && busy.code == "StoreBusy" && busy.headers[.retryAfter] != nil)
    }

    @Test func linksComeFromACheckedHostOrTheConfiguredPublicURL() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await buildApplication(fixture.services).test(.live) { client in
            let port = try #require(client.port)
            // A Host that would break out of an attribute is not used.
            let evil = try await Self.get(port, "/ogc?f=html", "Host: x\"><script>alert(1)</script>\r\n")
            #expect(evil.hasPrefix("HTTP/1.1 200") && !evil.contains("<script") && evil.contains("http://127.0.0.1/ogc/collections"), "\(evil.prefix(600))")
            let proto = try await Self.get(port, "/ogc", "Host: map.example.cn:8443\r\nX-Forwarded-Proto: javascript\r\n")
            #expect(proto.contains("http://127.0.0.1/ogc") && !proto.contains("javascript:"))
            // A plain host and https behind a proxy are used.
            let fine = try await Self.get(port, "/ogc", "Host: map.example.cn:8443\r\nX-Forwarded-Proto: https\r\n")
            #expect(fine.contains("https://map.example.cn:8443/ogc/collections"))
        }
        let proxied = try await OwnThread.build { try FeatureFixture { $0.publicURL = "https://gis.example.gov.cn/onemap" } }
        try await buildApplication(proxied.services).test(.live) { client in
            let port = try #require(client.port)
            for uri in ["/ogc", "/ogc?f=html", "/wmts?SERVICE=WMTS&REQUEST=GetCapabilities", "/ogc/collections/parcels/items?limit=1"] {
                let text = try await Self.get(port, uri, "Host: internal:8080\r\nX-Forwarded-Proto: http\r\n")
                #expect(text.contains("https://gis.example.gov.cn/onemap/") && !text.contains("internal:8080"), "\(uri)")
            }
        }
        #expect(ServerConfiguration.validatedPublicURL("https://gis.example.gov.cn/onemap/") == "https://gis.example.gov.cn/onemap")
        for bad in ["ftp://x", "https://", "https://a b", "https://x/?q=1", "https://x/#f", "//x", "https://x\"/"] {
            #expect(ServerConfiguration.validatedPublicURL(bad) == nil, "\(bad)")
        }
    }

    @Test func pagesCarryASecurityPolicyAndNothingIsSniffed() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            for uri in ["/", "/ogc?f=html", "/ogc/collections/parcels?f=html"] {
                let page = try await client.execute(uri: uri, method: .get)
                let csp = page.headers[HTTPField.Name("Content-Security-Policy")!] ?? ""
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true && csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"), "\(uri)")
                #expect(!csp.contains("script-src 'self' 'unsafe-inline'") && csp.contains("frame-ancestors 'self'"), "\(uri)")
                #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "SAMEORIGIN", "\(uri)")
            }
            // The web map's own page has no inline script for the policy to block.
            let index = try await client.execute(uri: "/", method: .get).text
            #expect(!index.contains("<script>") && !index.contains(" onclick=") && !index.contains("javascript:"))
            for uri in ["/ogc", "/ogc/nosuch", "/web/app.js"] {
                #expect(try await client.execute(uri: uri, method: .get).headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(uri)")
            }
        }
    }

    @Test func aWrongMethodOnAKnownPathIs405WithAllow() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            let cases: [(String, HTTPRequest.Method, String)] = [
                ("/ogc/collections", .delete, "GET, HEAD"),
                ("/ogc/collections/parcels/items/3", .post, "DELETE, GET, HEAD, PATCH, PUT"),
                ("/ogc/collections/parcels/items", .delete, "GET, HEAD, POST"),
                ("/tiles/parcels/WebMercatorQuad/15/0/0.png", .put, "GET, HEAD"),
            ]
            for (uri, method, allow) in cases {
                let r = try await client.execute(uri: uri, method: method)
                #expect(r.status == .methodNotAllowed && r.headers[.allow] == allow, "\(method) \(uri): \(r.status) \(r.headers[.allow] ?? "")")
                #expect(r.json["code"]?.string == "MethodNotAllowed", "\(uri)")
            }
            // Unknown paths stay 404; WMS speaks its own exception format for a wrong method too.
            #expect(try await client.execute(uri: "/no/such/path", method: .delete).status == .notFound)
            let wms = try await client.execute(uri: "/wms", method: .delete)
            #expect(wms.status == .methodNotAllowed && wms.text.contains("ServiceExceptionReport"))
        }
    }

    @Test func filterParametersAreCheckedWithoutAFilterAndTheDocumentSaysWhatIsServed() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            for query in ["filter-lang=cql2-json", "filter-crs=EPSG:999999"] {
                let r = try await client.execute(uri: "/ogc/collections/parcels/items?\(query)", method: .get)
                #expect(r.status == .badRequest, "\(query)")
            }
            let items = try await client.execute(uri: "/ogc/collections/parcels/items?limit=1", method: .get)
            let queryables = try await client.execute(uri: "/ogc/collections/parcels/queryables", method: .get)
            let api = try await client.execute(uri: "/ogc/api", method: .get).json
            let paths = try #require(api["paths"])
            func mediaTypes(_ path: String) -> [String] {
                paths[path]?["get"]?["responses"]?["200"]?["content"]?.object?.map(\.0) ?? []
            }
            #expect(mediaTypes("/collections/parcels/items") == [items.headers[.contentType]!.split(separator: ";")[0].description])
            #expect(mediaTypes("/collections/parcels/queryables") == [queryables.headers[.contentType]!.split(separator: ";")[0].description])
            // `datetime` only where there is a date to apply it to (wells have none, and refuse it).
            func parameters(_ path: String) -> [String] {
                paths[path]?["get"]?["parameters"]?.array?.compactMap { $0["$ref"]?.string?.components(separatedBy: "/").last } ?? []
            }
            #expect(parameters("/collections/parcels/items").contains("datetime"))
            #expect(!parameters("/collections/wells/items").contains("datetime"))
            #expect(try await client.execute(uri: "/ogc/collections/wells/items?datetime=2024-01-01", method: .get).status == .badRequest)
        }
    }

    @Test func aFullDiskIs507WithAPlainReason() {
        let api = APIError.from(StoreError.storageFull)
        #expect(api.status.code == 507 && api.code == "InsufficientStorage" && api.description.contains("full"))
    }
}
