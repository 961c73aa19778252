import Foundation
import OneMapImage
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapServer
@testable import OneMapStore

@Suite struct IdentifyTests {
    static func layers(_ json: JSONValue) -> [String] { (json["features"]?.array ?? []).compactMap { $0["layer"]?["id"]?.string } }

    @Test func identifyFindsWhatTheMapDrawsTopMostFirst() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            // 1.4 m from well 1, inside parcel 102 (column 1, row 5).
            let near = try await client.execute(uri: "/maps/parcels/identify?lon=116.80101&lat=38.30501&zoom=18", method: .get).json
            #expect(Self.layers(near) == ["wells", "parcels"], "\(near.text)")
            #expect(near.featureIDs == [1, 102])
            let parcel = try #require(near["features"]?.array?.last)
            #expect(parcel["layer"]?["title"]?.string == "宗地" && parcel["geometry"]?["type"]?.string == "Polygon")
            let landuse = parcel["display"]?.array?.first { $0["name"]?.string == "landuse" }
            #expect(landuse?["title"]?.string == "地类编码" && landuse?["value"]?.string == "0701" && landuse?["label"]?.string == "城镇住宅用地")
            // Wells are drawn from zoom 14 only.
            let low = try await client.execute(uri: "/maps/parcels/identify?lon=116.80101&lat=38.30501&zoom=12", method: .get).json
            #expect(Self.layers(low) == ["parcels"])
            // 12 m away: beyond a few pixels at zoom 18, within them at zoom 15.
            let z18 = try await client.execute(uri: "/maps/parcels/identify?lon=116.80115&lat=38.30502&zoom=18", method: .get).json
            #expect(Self.layers(z18) == ["parcels"])
            let z15 = try await client.execute(uri: "/maps/parcels/identify?lon=116.80115&lat=38.30502&zoom=15", method: .get).json
            #expect(Self.layers(z15) == ["wells", "parcels"])
            // Well 3 is closed: the style's filter leaves it out, so identify does too. The
            // confidential layer at the same spot is never shown to this caller.
            let closed = try await client.execute(uri: "/maps/parcels/identify?lon=116.803&lat=38.305&zoom=18&geometry=false", method: .get).json
            #expect(!Self.layers(closed).contains("wells") && !Self.layers(closed).contains("secret_sites"))
            #expect(closed["features"]?.array?.first?["geometry"] == .null)
            // lon/lat may be given in another CRS (here Web Mercator metres).
            let m = WebMercator.project(Coordinate(116.80101, 38.30501))
            let mercator = try await client.execute(uri: "/maps/parcels/identify?lon=\(m.x)&lat=\(m.y)&crs=EPSG:3857&zoom=18", method: .get).json
            #expect(mercator.featureIDs == [1, 102])
        }
    }

    @Test func badIdentifyRequestsAre4xx() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("/maps/parcels/identify?lon=116.8", .badRequest, "missing parameter lat"),
                ("/maps/parcels/identify?lon=abc&lat=38.3", .badRequest, "lon must be a number"),
                ("/maps/parcels/identify?lon=116.8&lat=95", .badRequest, "outside"),
                ("/maps/parcels/identify?lon=116.8&lat=38.3&zoom=40", .badRequest, "zoom"),
                ("/maps/parcels/identify?lon=116.8&lat=38.3&crs=EPSG:2000", .badRequest, "crs"),
                ("/maps/nope/identify?lon=116.8&lat=38.3", .notFound, "nope"),
            ]
            for (uri, status, text) in cases {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == status && r.json["description"]?.string?.contains(text) == true, "\(uri): \(r.text)")
            }
        }
    }

    @Test func wmsGetFeatureInfoAnswersFromIdentify() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            let common = "/wms?SERVICE=WMS&REQUEST=GetFeatureInfo&LAYERS=parcels&QUERY_LAYERS=parcels&WIDTH=200&HEIGHT=100"
            // Pixel (125, 44) of a 0.0001°-per-pixel map lies in parcel 113 (column 12, row 5).
            let json = try await client.execute(uri: common + "&VERSION=1.3.0&CRS=EPSG:4326&BBOX=38.30,116.80,38.31,116.82&I=125&J=44&INFO_FORMAT=application/json", method: .get)
            #expect(json.status == .ok && json.json.featureIDs == [113], "\(json.text)")
            let old = try await client.execute(uri: common + "&VERSION=1.1.1&SRS=EPSG:4326&BBOX=116.80,38.30,116.82,38.31&X=125&Y=44&INFO_FORMAT=text/plain", method: .get)
            #expect(old.status == .ok && old.text.contains("宗地 (parcels) 113") && old.text.contains("宗地编号 = P0113"), "\(old.text)")
            let html = try await client.execute(uri: common + "&VERSION=1.3.0&CRS=CRS:84&BBOX=116.80,38.30,116.82,38.31&I=125&J=44&INFO_FORMAT=text/html", method: .get)
            #expect(html.headers[.contentType]?.hasPrefix("text/html") == true && html.text.contains("P0113"))
            let bad: [(String, String)] = [
                ("&VERSION=1.3.0&CRS=EPSG:4326&BBOX=38.30,116.80,38.31,116.82&I=500&J=44", "InvalidPoint"),
                ("&VERSION=1.3.0&CRS=EPSG:4326&BBOX=38.30,116.80,38.31,116.82&I=1&J=1&INFO_FORMAT=image/png", "InvalidFormat"),
                ("&VERSION=1.3.0&CRS=EPSG:4326&BBOX=38.30,116.80,38.31,116.82&J=1", "MissingParameterValue"),
                ("&VERSION=1.3.0&CRS=EPSG:4326&BBOX=38.30,116.80,38.31,116.82&I=1&J=1&FEATURE_COUNT=0", "InvalidParameterValue"),
            ]
            for (query, code) in bad {
                let r = try await client.execute(uri: common + query, method: .get)
                #expect(r.status == .badRequest && r.text.contains("code=\"\(code)\""), "\(query): \(r.text)")
            }
            let unknown = try await client.execute(uri: "/wms?SERVICE=WMS&REQUEST=GetFeatureInfo&VERSION=1.3.0&LAYERS=parcels&QUERY_LAYERS=nope&CRS=EPSG:4326&BBOX=38.30,116.80,38.31,116.82&WIDTH=10&HEIGHT=10&I=1&J=1", method: .get)
            #expect(unknown.text.contains("LayerNotDefined"))
            let capabilities = try await client.execute(uri: "/wms?SERVICE=WMS&REQUEST=GetCapabilities", method: .get).text
            #expect(capabilities.contains("<GetFeatureInfo>") && capabilities.contains("queryable=\"1\""))
        }
    }
}

@Suite struct SearchAndOverlayTests {
    @Test func searchFindsSearchableFieldsBestMatchFirst() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            let r = try await client.execute(uri: "/search?q=P0042", method: .get).json
            let first = try #require(r["results"]?.array?.first)
            #expect(first["layer"]?["id"]?.string == "parcels" && first["id"]?.number == 42 && first["fieldTitle"]?.string == "宗地编号")
            let bbox = first["bbox"]?.array?.compactMap(\.number) ?? []
            // Parcel 42: column 1, row 2.
            #expect(bbox.count == 4 && abs(bbox[0] - 116.801) < 1e-9 && abs(bbox[1] - 38.302) < 1e-9)
            // "井1" matches 井1 exactly first, then 井10.
            let wells = try await client.execute(uri: "/search?q=%E4%BA%951", method: .get).json["results"]?.array?.compactMap { $0["value"]?.string }
            #expect(wells == ["井1", "井10"])
            // LIKE wildcards are text here.
            let percent = try await client.execute(uri: "/search?q=%25", method: .get).json["results"]?.array ?? []
            #expect(percent.isEmpty)
            for (uri, text) in [("/search", "missing parameter q"), ("/search?q=a&limit=0", "limit"), ("/search?q=" + String(repeating: "x", count: 101), "1–100")] {
                let bad = try await client.execute(uri: uri, method: .get)
                #expect(bad.status == .badRequest && bad.json["description"]?.string?.contains(text) == true, "\(uri): \(bad.text)")
            }
        }
    }

    @Test func overlayTilesDrawOnlyTheNamedLayersWithoutBackground() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            let full = try ImageCodec.decodePNG(try await client.execute(uri: "/tiles/parcels/WebMercatorQuad/16/54031/25208.png", method: .get).bytes)
            let wells = try await client.execute(uri: "/tiles/parcels/WebMercatorQuad/16/54031/25208.png?layers=wells", method: .get)
            let image = try ImageCodec.decodePNG(wells.bytes)
            let pixels = stride(from: 0, to: image.pixels.count, by: 4)
            // The full map is opaque; the overlay is transparent but for the blue well circles.
            #expect(pixels.allSatisfy { full.pixels[$0 + 3] == 255 })
            #expect(pixels.filter { image.pixels[$0 + 3] == 0 }.count > 60_000)
            #expect(pixels.contains { image.pixels[$0] == 0 && image.pixels[$0 + 1] == 0x60 && image.pixels[$0 + 2] == 0xFF && image.pixels[$0 + 3] == 255 })
            #expect(!pixels.contains { image.pixels[$0] > 200 && image.pixels[$0 + 1] > 150 && image.pixels[$0 + 2] < 150 && image.pixels[$0 + 3] == 255 },
                    "no parcel fill in a wells overlay")
            for (uri, status) in [("?layers=nope", HTTPResponse.Status.notFound), ("?layers=", .badRequest), ("?layers=secret_sites", .notFound)] {
                let r = try await client.execute(uri: "/tiles/parcels/WebMercatorQuad/16/54031/25208.png" + uri, method: .get)
                #expect(r.status == status, "\(uri)")
            }
        }
    }
}
