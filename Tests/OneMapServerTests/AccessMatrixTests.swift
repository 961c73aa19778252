import Foundation
import OneMapImage
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapServer
@testable import OneMapStore

/// Every way into the data, for a layer at each access level, asked by each kind of caller:
/// what is visible, with which status, and what the audit log says afterwards.
@Suite struct AccessMatrixTests {
    /// The fixture's layers at each level (all three hold the same ten points).
    static let layers: [(id: String, level: AccessLevel)] = [("wells", .public), ("draft_sites", .internal), ("secret_sites", .confidential)]
    /// Callers: nil token = anonymous.
    static let callers: [(role: String?, level: AccessLevel)] = [(nil, .public), ("viewer", .internal), ("editor", .internal), ("analyst", .confidential)]

    @Test func everyEndpointFamilyShowsExactlyWhatTheCallerMaySee() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture(users: true) }
        let tokens = fixture.tokens
        try await fixture.test { client in
            for caller in Self.callers {
                var headers: HTTPFields = [:]
                if let role = caller.role { headers[.authorization] = "Bearer \(tokens[role]!)" }
                let who = caller.role ?? "anonymous"
                let collections = try await client.execute(uri: "/ogc/collections", method: .get, headers: headers).text
                let api = try await client.execute(uri: "/ogc/api", method: .get, headers: headers).text
                let style = try await client.execute(uri: "/maps/parcels/style.json", method: .get, headers: headers).text
                let identify = try await client.execute(uri: "/maps/parcels/identify?lon=116.801&lat=38.305&zoom=18&geometry=false", method: .get, headers: headers).text
                let info = try await client.execute(
                    uri: "/wms?SERVICE=WMS&REQUEST=GetFeatureInfo&VERSION=1.3.0&LAYERS=parcels&QUERY_LAYERS=parcels&CRS=CRS:84&BBOX=116.8,38.3,116.802,38.31&WIDTH=40&HEIGHT=200&I=20&J=99&FEATURE_COUNT=10&INFO_FORMAT=application/json",
                    method: .get, headers: headers).text
                let search = try await client.execute(uri: "/search?q=%E4%BA%953", method: .get, headers: headers).text
                for layer in Self.layers {
                    let visible = layer.level <= caller.level
                    let cell = "\(who) × \(layer.id)"
                    #expect(search.contains("\"\(layer.id)\"") == visible, "search: \(cell)")
                    let overlay = try await client.execute(uri: "/tiles/parcels/WebMercatorQuad/16/54031/25208.png?layers=\(layer.id)", method: .get, headers: headers)
                    #expect(overlay.status == (visible ? .ok : .notFound), "overlay tile: \(cell)")
                    #expect(collections.contains("\"\(layer.id)\"") == visible, "collections: \(cell)")
                    #expect(api.contains("/collections/\(layer.id)/items") == visible, "OpenAPI: \(cell)")
                    #expect(style.contains("\"\(layer.id)\"") == visible, "style.json: \(cell)")
                    #expect(identify.contains("\"\(layer.id)\"") == visible, "identify: \(cell)")
                    #expect(info.contains("\"\(layer.id)\"") == visible, "GetFeatureInfo: \(cell): \(info.prefix(300))")
                    for path in ["/ogc/collections/\(layer.id)", "/ogc/collections/\(layer.id)/items", "/ogc/collections/\(layer.id)/items/1",
                                 "/ogc/collections/\(layer.id)/queryables"] {
                        let r = try await client.execute(uri: path, method: .get, headers: headers)
                        #expect(r.status == (visible ? .ok : .notFound), "\(path): \(cell)")
                        if !visible { #expect(r.json["description"]?.string == "no layer '\(layer.id)'", "\(path): \(cell) must answer as if it did not exist") }
                    }
                }
                // Tiles: each caller's tile draws exactly its layers (green draft circles, red secret ones).
                let tile = try await client.execute(uri: "/tiles/parcels/WebMercatorQuad/16/54031/25208.png", method: .get, headers: headers)
                #expect(tile.status == .ok)
                let image = try ImageCodec.decodePNG(tile.bytes)
                func has(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Bool {
                    stride(from: 0, to: image.pixels.count, by: 4).contains { i in
                        image.pixels[i] == r && image.pixels[i + 1] == g && image.pixels[i + 2] == b
                    }
                }
                #expect(has(0, 0x60, 0xFF), "\(who): wells are drawn")
                #expect(has(0, 0xFF, 0) == (caller.level >= .internal), "\(who): draft circles")
                #expect(has(0xFF, 0, 0) == (caller.level >= .confidential), "\(who): secret circles")
                #expect(tile.headers[.cacheControl]?.hasPrefix(caller.role == nil ? "public" : "private") == true)
            }
        }
        // Only the analyst read confidential data; the audit log says so.
        let store = fixture.services.store
        try store.flushReadLog()
        let reads = try store.auditRecords().filter { $0.action == "read" }
        #expect(Set(reads.map(\.principal)) == ["ana"] && Set(reads.compactMap(\.layerID)) == ["secret_sites"], "\(reads)")
        // A tile from the memory cache shows the same data, and is audited too.
        let analyst = tokens["analyst"]!
        try await fixture.test { client in
            let again = try await client.execute(uri: "/tiles/parcels/WebMercatorQuad/16/54031/25208.png", method: .get,
                                                 headers: [.authorization: "Bearer \(analyst)"])
            #expect(again.headers[HTTPField.Name("X-OneMap-Cache")!] == "memory")
        }
        try store.flushReadLog()
        let later = try store.auditRecords().filter { $0.action == "read" }
        #expect(later.count == reads.count + 1 && later.last?.detail == "1 read", "\(later.map(\.detail))")
        // One request is one read, however many lookups serving it takes: a tile rendered now,
        // the layer's items, an identify.
        for uri in ["/tiles/parcels/WebMercatorQuad/17/108062/50416.png", "/ogc/collections/secret_sites/items",
                    "/maps/parcels/identify?lon=116.85&lat=38.35&zoom=12"] {
            try await fixture.test { client in
                let response = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(analyst)"])
                #expect(response.status == .ok, "\(uri)")
            }
            try store.flushReadLog()
            let records = try store.auditRecords().filter { $0.action == "read" }
            #expect(records.last?.layerID == "secret_sites" && records.last?.detail == "1 read", "\(uri): \(records.suffix(2).map(\.detail))")
        }
    }

    @Test func editsNeedWriteRightsOnTheLayerAndAreAudited() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture(users: true) }
        let tokens = fixture.tokens
        let body = #"{"type":"Feature","geometry":{"type":"Point","coordinates":[116.85,38.35]},"properties":{"name":"新点"}}"#
        try await fixture.test { client in
            for caller in Self.callers {
                for layer in Self.layers {
                    var headers: HTTPFields = [.contentType: "application/geo+json"]
                    if let role = caller.role { headers[.authorization] = "Bearer \(tokens[role]!)" }
                    let r = try await client.execute(uri: "/ogc/collections/\(layer.id)/items", method: .post, headers: headers, body: ByteBuffer(string: body))
                    let visible = layer.level <= caller.level
                    let expected: HTTPResponse.Status = !visible ? .notFound : caller.role == "editor" ? .created : .forbidden
                    #expect(r.status == expected, "\(caller.role ?? "anonymous") POST \(layer.id): \(r.status) \(r.text)")
                }
            }
        }
        let edits = try fixture.services.store.auditRecords().filter { $0.action == "create" }
        #expect(edits.map(\.principal) == ["ed", "ed"] && edits.compactMap(\.layerID) == ["wells", "draft_sites"])
    }

    @Test func capabilitiesListOnlyMapsWithVisibleLayers() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture(users: true) }
        // A map of the confidential layer only: invisible to everyone but the analyst.
        let styles = fixture.directory + "/Styles"
        try #"{"version": 8, "name": "Secret", "sources": {"o": {"type": "vector", "url": "onemap:"}}, "layers": [{"id": "s", "type": "circle", "source": "o", "source-layer": "secret_sites"}]}"#
            .write(toFile: styles + "/secret.json", atomically: true, encoding: .utf8)
        try fixture.services.maps.reloadIfChanged(force: true)
        let analyst = fixture.tokens["analyst"]!
        try await fixture.test { client in
            for (headers, visible) in [([:] as HTTPFields, false), ([.authorization: "Bearer \(analyst)"], true)] {
                let wmts = try await client.execute(uri: "/wmts?SERVICE=WMTS&REQUEST=GetCapabilities", method: .get, headers: headers).text
                let wms = try await client.execute(uri: "/wms?SERVICE=WMS&REQUEST=GetCapabilities", method: .get, headers: headers).text
                let maps = try await client.execute(uri: "/maps", method: .get, headers: headers).text
                #expect(wmts.contains("<ows:Identifier>secret</ows:Identifier>") == visible)
                #expect(wms.contains("<Name>secret</Name>") == visible)
                #expect(maps.contains("\"secret\"") == visible)
                for uri in ["/tiles/secret/WebMercatorQuad/16/54031/25208.png", "/maps/secret/style.json", "/maps/secret/WebMercatorQuad/tilejson.json",
                            "/ogc/maps/secret/tiles"] {
                    let r = try await client.execute(uri: uri, method: .get, headers: headers)
                    #expect(r.status == (visible ? .ok : .notFound), "\(uri)")
                }
                // A token may come as a parameter for clients that cannot set headers.
                if visible {
                    let token = try await client.execute(uri: "/wmts?SERVICE=WMTS&REQUEST=GetCapabilities&token=\(analyst)", method: .get).text
                    #expect(token.contains("<ows:Identifier>secret</ows:Identifier>"))
                }
            }
        }
    }

    @Test func ratesAreLimitedAndTokenGuessingIsStopped() async throws {
        let fixture = try await OwnThread.build {
            try FeatureFixture(users: true) { c in
                c.requestsPerSecond = 0.01  // no refill within the test, however slow the machine
                c.requestBurst = 5
                c.failedTokensPerMinute = 4
            }
        }
        let viewer = fixture.tokens["viewer"]!
        try await fixture.test { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<7 { statuses.append(try await client.execute(uri: "/ogc/collections", method: .get).status) }
            #expect(statuses.prefix(5).allSatisfy { $0 == .ok } && statuses.last == .tooManyRequests, "\(statuses)")
            let limited = try await client.execute(uri: "/ogc/collections", method: .get)
            #expect(limited.headers[.retryAfter] != nil && limited.json["code"]?.string == "TooManyRequests")
            // A token has its own allowance.
            let withToken = try await client.execute(uri: "/ogc/collections", method: .get, headers: [.authorization: "Bearer \(viewer)"])
            #expect(withToken.status == .ok)
            // Guessing: four wrong tokens are 401, then even the right one is refused for a while.
            var guesses: [HTTPResponse.Status] = []
            for n in 0..<5 {
                guesses.append(try await client.execute(uri: "/ogc", method: .get, headers: [.authorization: "Bearer om_\(String(repeating: "g", count: 39))\(n)"]).status)
            }
            #expect(guesses == [.unauthorized, .unauthorized, .unauthorized, .unauthorized, .tooManyRequests], "\(guesses)")
            let right = try await client.execute(uri: "/ogc", method: .get, headers: [.authorization: "Bearer \(viewer)"])
            #expect(right.status == .tooManyRequests)
        }
    }
}

@Suite struct RateLimitTests {
    @Test func clientsThatHaveRefilledAreForgotten() {
        let limiter = RateLimiter(rate: 10, burst: 2)
        let start = ContinuousClock.now
        for n in 0...RateLimiter.pruneAbove { _ = limiter.take("address 10.\(n)", now: start) }
        // A second later every bucket has refilled: the next request prunes them all but its own.
        _ = limiter.take("address 10.0.0.1", now: start + .seconds(2))
        #expect(limiter.count == 1)
        // A recent one is kept, and still limited.
        #expect(limiter.take("address 10.0.0.1", now: start + .seconds(2)) == nil)
        #expect(limiter.take("address 10.0.0.1", now: start + .seconds(2)) != nil)
    }

    @Test func loopbackIsNotLimitedByAddressButTokensAndOtherAddressesAre() {
        let limits = RateLimits(requestsPerSecond: 0.001, burst: 3, failuresPerMinute: 10)
        for _ in 0..<10 { #expect(limits.take(user: nil, address: "127.0.0.1") == nil) }
        #expect((0..<4).map { _ in limits.take(user: nil, address: "10.1.2.3") == nil } == [true, true, true, false])
        #expect((0..<4).map { _ in limits.take(user: "ana", address: "127.0.0.1") == nil } == [true, true, true, false])
        // Another address has its own bucket; the wait is the time to earn one request.
        #expect(limits.take(user: nil, address: "10.9.9.9") == nil)
        #expect((limits.take(user: nil, address: "10.1.2.3") ?? 0) > 100)
        #expect(RateLimits(requestsPerSecond: 0, burst: 1, failuresPerMinute: 10).take(user: nil, address: "10.1.2.3") == nil)
    }
}
