import Foundation
import OneMapImage
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapGeometry
import OneMapRender
import OneMapTestSupport
import Testing

@testable import OneMapServer
@testable import OneMapStore

@Suite struct TileRoutesTests {
    @Test func overlaysAreCachedUnderTheirOwnKeys() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        try await fixture.test { client in
            // Every layer the caller sees, as an overlay (no background): cached as an overlay.
            let uri = "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png"
            let all = "?layers=helsinki_points,helsinki_lines,helsinki_polygons"
            let overlay = try await client.execute(uri: uri + all, method: .get)
            #expect(overlay.status == .ok && overlay.headers[HTTPField.Name("X-OneMap-Cache")!] == "render")
            let again = try await client.execute(uri: uri + all, method: .get)
            #expect(again.headers[HTTPField.Name("X-OneMap-Cache")!] == "memory" && again.bytes == overlay.bytes)
            // The map itself is not that overlay.
            let map = try await client.execute(uri: uri, method: .get)
            #expect(map.headers[HTTPField.Name("X-OneMap-Cache")!] == "render" && map.bytes != overlay.bytes)
            #expect(try await client.execute(uri: uri + "?layers=helsinki_lines", method: .get).bytes != overlay.bytes)
        }
    }

    @Test func overlaysFromAnyMapsAreOneTileWithTheirLabelsTogether() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        let cache = HTTPField.Name("X-OneMap-Cache")!
        try await fixture.test { client in
            let uri = "/overlays/WebMercatorQuad/\(Tiles.z15)@2x.png?layers=helsinki_polygons,helsinki_lines,helsinki_points"
            let combined = try await client.execute(uri: uri, method: .get)
            #expect(combined.status == .ok && combined.headers[.contentType] == "image/png" && combined.headers[cache] == "render")
            #expect(try ImageCodec.decodePNG(combined.bytes).width == 512)
            #expect(try await client.execute(uri: uri, method: .get).headers[cache] == "memory", "cached under its layer list")
            let image = try ImageCodec.decodePNG(combined.bytes)
            var colours = Set<UInt32>()
            for i in stride(from: 0, to: image.pixels.count, by: 4 * 13) where image.pixels[i + 3] > 0 {
                colours.insert(UInt32(image.pixels[i]) << 16 | UInt32(image.pixels[i + 1]) << 8 | UInt32(image.pixels[i + 2]))
            }
            #expect(colours.count > 5, "the three layers are drawn (\(colours.count) colours)")
            // Fewer layers, another tile; bad lists are refused.
            #expect(try await client.execute(uri: "/overlays/WebMercatorQuad/\(Tiles.z15).png?layers=helsinki_lines", method: .get).bytes != combined.bytes)
            #expect(try await client.execute(uri: "/overlays/WebMercatorQuad/\(Tiles.z15).png", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/overlays/WebMercatorQuad/\(Tiles.z15).png?layers=nowhere", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/overlays/Nowhere/\(Tiles.z15).png?layers=helsinki_lines", method: .get).status == .notFound)
        }
    }

    @Test func tilesAreServedAndCachedWithETags() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        try await fixture.test { client in
            let first = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png", method: .get)
            #expect(first.status == .ok && first.headers[.contentType] == "image/png")
            #expect(first.headers[HTTPField.Name("X-OneMap-Cache")!] == "render")
            let image = try ImageCodec.decodePNG(first.bytes)
            #expect(image.width == 256 && !image.isFullyTransparent)
            let etag = try #require(first.headers[.eTag])
            #expect(first.headers[.cacheControl] == "public, max-age=60")
            let second = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png", method: .get)
            #expect(second.headers[HTTPField.Name("X-OneMap-Cache")!] == "memory" && second.headers[.eTag] == etag && second.bytes == first.bytes)
            let head = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png", method: .head)
            #expect(head.status == .ok && head.bytes.isEmpty && head.headers[.eTag] == etag && head.headers[.contentType] == "image/png")
            #expect(try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/99/0/0.png", method: .head).status == .notFound)
            let revalidated = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png", method: .get, headers: [.ifNoneMatch: etag])
            #expect(revalidated.status == .notModified && revalidated.bytes.isEmpty)
            let retina = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15)@2x.png", method: .get)
            #expect(try ImageCodec.decodePNG(retina.bytes).width == 512)
            let geographic = try await client.execute(uri: "/tiles/helsinki/CGCS2000Quad/16/37308/5430.png", method: .get)
            #expect(geographic.status == .ok && geographic.bytes != EmptyTile.png256)
            // Far from the data only the map's background is drawn: one flat colour.
            let far = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/\(Tiles.far).png", method: .get)
            let flat = try ImageCodec.decodePNG(far.bytes)
            #expect(far.status == .ok && Set(stride(from: 0, to: flat.pixels.count, by: 4).map { flat.pixels[$0] }).count == 1)
        }
    }

    @Test func badTileRequestsAreClear4xx() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        try await fixture.test { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("/tiles/helsinki/WebMercatorQuad/23/0/0.png", .notFound, "0–22"),
                ("/tiles/helsinki/WebMercatorQuad/3/8/0.png", .notFound, "columns 0–7"),
                ("/tiles/helsinki/WebMercatorQuad/3/-1/0.png", .notFound, "columns 0–7"),
                ("/tiles/helsinki/CGCS2000Quad/0/0/0.png", .notFound, "1–20"),
                ("/tiles/nosuchmap/WebMercatorQuad/1/0/0.png", .notFound, "no map"),
                ("/tiles/helsinki/Mars/1/0/0.png", .notFound, "tile matrix set"),
                ("/tiles/helsinki/WebMercatorQuad/a/0/0.png", .badRequest, "z must be an integer"),
                ("/tiles/helsinki/WebMercatorQuad/1/0/x.png", .badRequest, "y must be an integer"),
                ("/tiles/helsinki/WebMercatorQuad/1/0/0.jpg", .notFound, "PNG"),
                ("/tiles/basemap/WebMercatorQuad/1/0/0.png", .serviceUnavailable, "no layer"),
                ("/tiles/helsinki/WebMercatorQuad/99999999999999999999/0/0.png", .badRequest, "integer"),
            ]
            for (uri, status, text) in cases {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == status, "\(uri): \(r.status)")
                #expect(r.headers[.contentType]?.hasPrefix("application/json") == true)
                let json = try JSONValue.parse(r.text)
                #expect(json["code"]?.string != nil && (json["description"]?.string?.contains(text) ?? false), "\(uri): \(r.text)")
            }
        }
    }

    @Test func mapsStyleAndTileJSON() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        try await fixture.test { client in
            let maps = try JSONValue.parse(try await client.execute(uri: "/maps", method: .get).text)
            let list = try #require(maps["maps"]?.array)
            let helsinki = try #require(list.first { $0["id"]?.string == "helsinki" })
            #expect(helsinki["status"]?.string == "ok")
            #expect(helsinki["tilejson"]?["CGCS2000Quad"]?.string?.hasSuffix("/maps/helsinki/CGCS2000Quad/tilejson.json") == true)
            let basemap = try #require(list.first { $0["id"]?.string == "basemap" })
            #expect(basemap["status"]?.string == "broken" && (basemap["problems"]?.array?.isEmpty == false))

            let tilejson = try JSONValue.parse(try await client.execute(uri: "/maps/helsinki/WebMercatorQuad/tilejson.json", method: .get).text)
            #expect(tilejson["tilejson"]?.string == "3.0.0")
            #expect(tilejson["tiles"]?.array?.first?.string?.hasPrefix("http://") == true)
            #expect(tilejson["tiles"]?.array?.first?.string?.hasSuffix("/tiles/helsinki/WebMercatorQuad/{z}/{x}/{y}.png") == true)
            let boundsList = tilejson["bounds"]?.array ?? []
            let bounds = boundsList.compactMap { $0.number }
            #expect(bounds.count == 4 && abs(bounds[0] - 24.935) < 0.01 && abs(bounds[3] - 60.179) < 0.01)
            #expect(tilejson["attribution"]?.string?.contains("OpenStreetMap") == true)

            let style = try JSONValue.parse(try await client.execute(uri: "/maps/helsinki/style.json", method: .get).text)
            #expect(style["version"]?.number == 8 && (style["layers"]?.array?.count ?? 0) > 40)
            #expect(try await client.execute(uri: "/maps/nope/style.json", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/maps/helsinki/Nope/tilejson.json", method: .get).status == .notFound)
        }
    }

    @Test func healthAndMetrics() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        try await fixture.test { client in
            let health = try JSONValue.parse(try await client.execute(uri: "/health", method: .get).text)
            #expect(health["status"]?.string == "ok" && health["layers"]?.number == 3)
            _ = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png", method: .get)
            _ = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png", method: .get)
            _ = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/99/0/0.png", method: .get)
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains(#"onemap_http_requests_total{route="/tiles/{map}/{tms}/{z}/{x}/{y}",status="200"} 2"#))
            #expect(metrics.contains(#"onemap_http_requests_total{route="/tiles/{map}/{tms}/{z}/{x}/{y}",status="404"} 1"#))
            #expect(metrics.contains(#"onemap_tile_cache_total{result="memory"} 1"#))
            #expect(metrics.contains(#"onemap_tile_cache_total{result="miss"} 1"#))
            #expect(metrics.contains("onemap_render_duration_seconds_bucket"))
            #expect(metrics.contains("onemap_render_queue_depth"))
            #expect(metrics.contains("onemap_tile_cache_disk_write_failures 0"), "\(metrics.split(separator: "\n").filter { $0.contains("disk_write") })")
        }
    }

    /// A disk cache that cannot be written: tiles are still served (from memory), and /metrics
    /// counts the tiles that were not written.
    @Test func diskWriteFailuresAreServedAroundAndCounted() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        var configuration = fixture.services.configuration
        let blocked = NSTemporaryDirectory() + "onemap-blocked-" + UUID().uuidString
        try "not a directory".write(toFile: blocked, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: blocked) }
        configuration.cacheDirectory = blocked + "/cache"
        configuration.workers = 1
        let services = try AppServices(configuration: configuration)
        try await buildApplication(services).test(.router) { client in
            let tile = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/\(Tiles.z15).png", method: .get)
            #expect(tile.status == .ok)
            // The files are written after the answer: look a few times.
            var failures = 0.0
            for _ in 0..<50 where failures == 0 {
                let metrics = try await client.execute(uri: "/metrics", method: .get).text
                let line = metrics.split(separator: "\n").first { $0.hasPrefix("onemap_tile_cache_disk_write_failures ") }
                failures = line?.split(separator: " ").last.flatMap { Double($0) } ?? -1
                if failures == 0 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(failures > 0)
        }
        services.pool.shutdown()
    }

    @Test func aChangeMakesOnlyTheTilesOfItsAreaStale() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        let services = fixture.services
        // Two tiles far enough apart that their metatiles and buffers do not overlap.
        let near = TileID(z: 17, x: 74616, y: 37936), away = TileID(z: 17, x: 74608, y: 37928)
        let a1 = try await services.tiles.tile(map: "helsinki", tms: "WebMercatorQuad", tile: near, scale: 1, principal: .anonymous)
        let b1 = try await services.tiles.tile(map: "helsinki", tms: "WebMercatorQuad", tile: away, scale: 1, principal: .anonymous)
        // An edit inside the first tile (as the feature API records one).
        let box = TileMatrixSet.webMercatorQuad.bounds(of: near)
        let center = WebMercator.unproject(box.center)
        try services.store.write { db in
            try SpatiaLiteStore.recordChange(layerID: "helsinki_lines", version: 2, area: BoundingBox(minX: center.x, minY: center.y, maxX: center.x + 1e-5, maxY: center.y + 1e-5), in: db)
        }
        try services.watcher.refresh()
        let a2 = try await services.tiles.tile(map: "helsinki", tms: "WebMercatorQuad", tile: near, scale: 1, principal: .anonymous)
        let b2 = try await services.tiles.tile(map: "helsinki", tms: "WebMercatorQuad", tile: away, scale: 1, principal: .anonymous)
        #expect(a2.etag != a1.etag && a2.source == "render")
        #expect(b2.etag == b1.etag && b2.source == "memory")
    }

    @Test func aStoreThatFailsWhileDrawingIsAnErrorNotACachedTile() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        let services = fixture.services
        let tile = TileID(z: 16, x: 37308, y: 18968)
        // The catalogue breaks under the server: the tile must not be drawn without its layers
        // (and cached as if it were right).
        try services.store.write { db in try db.execute(sql: "ALTER TABLE layer_changes RENAME TO layer_changes_gone") }
        #expect(throws: (any Error).self) { try services.watcher.refresh() }
        await #expect(throws: (any Error).self) {
            _ = try await services.tiles.tile(map: "helsinki", tms: "WebMercatorQuad", tile: tile, scale: 1, principal: .anonymous)
        }
        // Mended: drawn now, with the layers, not the failure from the cache.
        try services.store.write { db in try db.execute(sql: "ALTER TABLE layer_changes_gone RENAME TO layer_changes") }
        try services.watcher.refresh()
        let drawn = try await services.tiles.tile(map: "helsinki", tms: "WebMercatorQuad", tile: tile, scale: 1, principal: .anonymous)
        #expect(drawn.source == "render" && drawn.data.count > 1000)
    }

    @Test func diskCacheSurvivesARestart() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        let first = try await fixture.services.tiles.tile(map: "helsinki", tms: "WebMercatorQuad", tile: TileID(z: 16, x: 37308, y: 18968), scale: 1, principal: .anonymous)
        // A second service over the same store and cache directory: the tile comes from disk.
        var configuration = fixture.services.configuration
        configuration.workers = 1
        let restarted = try AppServices(configuration: configuration)
        defer { restarted.pool.shutdown() }
        let again = try await restarted.tiles.tile(map: "helsinki", tms: "WebMercatorQuad", tile: TileID(z: 16, x: 37308, y: 18968), scale: 1, principal: .anonymous)
        #expect(again.source == "disk" && again.data == first.data && again.etag == first.etag)
    }

    @Test func concurrentRequestsForOneMetatileRenderItOnce() async throws {
        let fixture = try await OwnThread.build { try ServerFixture(cache: false) }
        let services = fixture.services
        // The 16 tiles of one 4×4 block, requested together.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for dx in 0..<4 {
                for dy in 0..<4 {
                    group.addTask {
                        _ = try await services.tiles.tile(map: "helsinki", tms: "WebMercatorQuad", tile: TileID(z: 17, x: 74616 + dx, y: 37936 + dy), scale: 1, principal: .anonymous)
                    }
                }
            }
            try await group.waitForAll()
        }
        let metrics = String(decoding: services.metrics.text(), as: UTF8.self)
        #expect(metrics.contains("onemap_renders_total 1\n"), "\(metrics.split(separator: "\n").filter { $0.contains("renders") })")
    }

    @Test func overloadAnswers503WithRetryAfter() async throws {
        let fixture = try await OwnThread.build { try ServerFixture(cache: false, workers: 1, queueLimit: 1) }
        try await fixture.test { client in
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for n in 0..<12 {
                    group.addTask {
                        let r = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/17/\(74600 + n * 4)/37936.png", method: .get)
                        return (r.status, r.headers[.retryAfter])
                    }
                }
                var out: [(HTTPResponse.Status, String?)] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.contains { $0.0 == .ok })
            let busy = statuses.filter { $0.0 == .serviceUnavailable }
            #expect(!busy.isEmpty && busy.allSatisfy { $0.1 == "1" })
            #expect(statuses.allSatisfy { $0.0 == .ok || $0.0 == .serviceUnavailable })
        }
    }
}
