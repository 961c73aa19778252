import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapServer
@testable import OneMapStore

@Suite struct FeatureRoutesTests {
    typealias P = (id: Int, landuse: String, area: Double, floors: Int?, name: String, surveyed: String, col: Int, row: Int)
    static let parcels: [P] = (0..<10).flatMap { row in
        (0..<20).map { col in
            let p = FeatureFixture.parcel(col, row)
            return (p.id, p.landuse, p.area, p.floors, p.name, p.surveyed, col, row)
        }
    }

    @Test func landingConformanceCollectionsQueryablesAndOpenAPIDescribeTheAPI() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            let landing = try await client.execute(uri: "/ogc", method: .get).json
            let rels = Set((landing["links"]?.array ?? []).compactMap { $0["rel"]?.string })
            #expect(rels.isSuperset(of: ["self", "service-desc", "conformance", "data"]))
            let conformance = try await client.execute(uri: "/ogc/conformance", method: .get).json["conformsTo"]?.array?.compactMap(\.string) ?? []
            for c in ["ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/geojson", "ogcapi-features-2/1.0/conf/crs",
                      "ogcapi-features-3/1.0/conf/filter", "cql2/1.0/conf/cql2-text", "ogcapi-features-4/1.0/conf/create-replace-delete"] {
                #expect(conformance.contains { $0.hasSuffix(c) }, "\(c)")
            }
            let collections = try await client.execute(uri: "/ogc/collections", method: .get).json["collections"]?.array ?? []
            // Anonymous callers do not see the confidential layer at all.
            #expect(collections.compactMap { $0["id"]?.string }.sorted() == ["parcels", "wells"])
            let parcels = try #require(collections.first { $0["id"]?.string == "parcels" })
            #expect(parcels["storageCrs"]?.string == "http://www.opengis.net/def/crs/EPSG/0/4490")
            #expect(parcels["crs"]?.array?.compactMap(\.string).contains("http://www.opengis.net/def/crs/EPSG/0/4527") == true)
            let bbox = parcels["extent"]?["spatial"]?["bbox"]?.array?.first?.array?.compactMap(\.number) ?? []
            #expect(bbox.count == 4 && abs(bbox[0] - 116.80) < 1e-9 && abs(bbox[3] - 38.31) < 1e-9)
            let one = try await client.execute(uri: "/ogc/collections/parcels", method: .get).json
            #expect(one["title"]?.string == "宗地")
            let queryables = try await client.execute(uri: "/ogc/collections/parcels/queryables", method: .get)
            #expect(queryables.headers[.contentType] == "application/schema+json")
            let properties = queryables.json["properties"]
            #expect(properties?["floors"]?["type"]?.string == "integer" && properties?["area_m2"]?["type"]?.string == "number")
            #expect(properties?["code"]?["title"]?.string == "宗地编号" && properties?["surveyed"]?["format"]?.string == "date")
            let api = try await client.execute(uri: "/ogc/api", method: .get)
            #expect(api.headers[.contentType]?.hasPrefix("application/vnd.oai.openapi+json") == true)
            let paths = api.json["paths"]
            #expect(api.json["openapi"]?.string == "3.0.3" && paths?["/collections/parcels/items"]?["get"] != nil)
            #expect(paths?["/collections/parcels/items/{featureId}"]?["put"] != nil && paths?["/collections/secret_sites/items"] == nil)
            let html = try await client.execute(uri: "/ogc/collections/parcels/items?f=html&limit=3", method: .get)
            #expect(html.headers[.contentType]?.hasPrefix("text/html") == true && html.text.contains("地块1号") && html.text.contains("宗地编号"))
            #expect(html.text.contains("共 200 个要素") && html.text.contains("下一页"), "the pages speak Chinese")
            // The landing page leads to the other services of the same data, in JSON and HTML.
            let services = try await client.execute(uri: "/ogc", method: .get).json["links"]?.array ?? []
            let hrefs = services.compactMap { $0["href"]?.string }
            for part in ["/wmts?SERVICE=WMTS&REQUEST=GetCapabilities", "/wms?SERVICE=WMS&REQUEST=GetCapabilities", "/maps"] {
                #expect(hrefs.contains { $0.hasSuffix(part) }, "\(part)")
            }
            #expect(hrefs.contains { $0.hasSuffix("/") }, "the web map")
            let page = try await client.execute(uri: "/ogc?f=html", method: .get).text
            #expect(page.contains("WMTS 1.0.0") && page.contains("WMS 1.3.0") && page.contains("一张图 Web 地图") && page.contains("要素集合"))
            // A collection's page shows a small map of the layer (a WMS GetMap that answers a PNG).
            let collection = try await client.execute(uri: "/ogc/collections/parcels?f=html", method: .get).text
            let src = try #require(collection.range(of: #"<img src="[^"]+""#, options: .regularExpression).map { String(collection[$0].dropFirst(10).dropLast()) })
            let preview = src.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "http://localhost", with: "")
            let path = String(preview[preview.range(of: "/wms")!.lowerBound...])
            let image = try await client.execute(uri: path, method: .get)
            #expect(image.status == .ok && image.headers[.contentType] == "image/png" && path.contains("LAYERS="), "\(path)")
        }
    }

    @Test func itemsPageThroughEveryFeatureWithCounts() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            var uri: String? = "/ogc/collections/parcels/items?limit=7"
            var seen: [Int] = []
            var pages = 0
            while let next = uri {
                let page = try await client.execute(uri: next, method: .get)
                #expect(page.status == .ok && page.headers[.contentType] == "application/geo+json")
                #expect(page.headers[HTTPField.Name("Content-Crs")!] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
                let json = page.json
                #expect(json["numberMatched"]?.number == 200)
                #expect(json["numberReturned"]?.number == Double(json.featureIDs.count))
                seen += json.featureIDs
                let links = json["links"]?.array ?? []
                #expect(links.contains { $0["rel"]?.string == "prev" } == (pages > 0))
                uri = links.first { $0["rel"]?.string == "next" }?["href"]?.string.map { String($0.dropFirst("http://localhost".count)) }
                    .map { $0.hasPrefix(":") ? String($0.drop { $0 != "/" }) : $0 }
                pages += 1
            }
            #expect(pages == 29 && seen == Array(1...200))
            let first = try await client.execute(uri: "/ogc/collections/parcels/items?limit=1", method: .get).json
            let feature = try #require(first["features"]?.array?.first)
            #expect(feature["properties"]?["name"]?.string == "地块1号" && feature["properties"]?["floors"]?.number == 1)
            #expect(feature["geometry"]?["type"]?.string == "Polygon")
            let ring = feature["geometry"]?["coordinates"]?.array?.first?.array?.compactMap { $0.array?.compactMap(\.number) } ?? []
            #expect(ring.count == 5 && ring[0] == [116.8, 38.3] && ring[2] == [116.801, 38.301])
            let single = try await client.execute(uri: "/ogc/collections/parcels/items/42", method: .get)
            #expect(single.status == .ok && single.json["id"]?.number == 42 && single.headers[.eTag] != nil)
            #expect(single.json["properties"]?["code"]?.string == "P0042")
        }
    }

    @Test func bboxAndCRSFollowTheAxisOrderOfEachCRS() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            let expected = Self.parcels.filter { (3...6).contains($0.col) && (1...3).contains($0.row) }.map(\.id)
            let lonLat = try await client.execute(uri: "/ogc/collections/parcels/items?bbox=116.8035,38.3015,116.8065,38.3035", method: .get).json
            #expect(lonLat.featureIDs == expected)
            let latLon = try await client.execute(
                uri: "/ogc/collections/parcels/items?bbox=38.3015,116.8035,38.3035,116.8065&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4490", method: .get).json
            #expect(latLon.featureIDs == expected)
            let m0 = WebMercator.project(Coordinate(116.8035, 38.3015)), m1 = WebMercator.project(Coordinate(116.8065, 38.3035))
            let mercator = try await client.execute(
                uri: "/ogc/collections/parcels/items?bbox=\(m0.x),\(m0.y),\(m1.x),\(m1.y)&bbox-crs=EPSG:3857", method: .get).json
            #expect(mercator.featureIDs == expected)
            // Output in CGCS2000 / 3-degree Gauss-Krüger zone 39: northing first, metres.
            let gk = try await client.execute(uri: "/ogc/collections/parcels/items/1?crs=http://www.opengis.net/def/crs/EPSG/0/4527", method: .get)
            #expect(gk.headers[HTTPField.Name("Content-Crs")!] == "<http://www.opengis.net/def/crs/EPSG/0/4527>")
            let first = gk.json["geometry"]?["coordinates"]?.array?.first?.array?.first?.array?.compactMap(\.number) ?? []
            #expect(first.count == 2 && (4_200_000...4_300_000).contains(first[0]) && (39_400_000...39_600_000).contains(first[1]))
            let geographic = try await client.execute(uri: "/ogc/collections/parcels/items/1?crs=EPSG:4490", method: .get).json
            #expect(geographic["geometry"]?["coordinates"]?.array?.first?.array?.first?.array?.compactMap(\.number) == [38.3, 116.8])
        }
    }

    @Test func cql2FiltersPropertyFiltersSortingAndPropertySelection() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        let cases: [(String, (P) -> Bool)] = [
            ("landuse = '0701'", { $0.landuse == "0701" }),
            ("landuse <> '0701' AND area_m2 > 6000", { $0.landuse != "0701" && $0.area > 6000 }),
            ("floors >= 5 OR floors < 1", { ($0.floors ?? -99) >= 5 || ($0.floors.map { $0 < 1 } ?? false) }),
            ("NOT (floors <= 3)", { $0.floors.map { !($0 <= 3) } ?? false }),
            ("floors IS NULL", { $0.floors == nil }),
            ("floors IS NOT NULL AND landuse = '1201'", { $0.floors != nil && $0.landuse == "1201" }),
            ("name LIKE '地块1%'", { $0.name.hasPrefix("地块1") }),
            ("name LIKE '地块_号'", { $0.name.count == 4 }),
            ("name NOT LIKE '%0号'", { !$0.name.hasSuffix("0号") }),
            ("area_m2 BETWEEN 5500 AND 5600.5", { $0.area >= 5500 && $0.area <= 5600.5 }),
            ("landuse IN ('0810', '1201') AND floors NOT IN (1, 2, 3)", { ["0810", "1201"].contains($0.landuse) && $0.floors.map { ![1, 2, 3].contains($0) } ?? false }),
            ("surveyed >= DATE('2024-05-15')", { $0.surveyed >= "2024-05-15" }),
            ("\"code\" = 'P0007' OR id = 9", { $0.id == 7 || $0.id == 9 }),
            ("S_INTERSECTS(geometry, POINT(116.8125 38.3055))", { $0.col == 12 && $0.row == 5 }),
            ("S_INTERSECTS(geometry, BBOX(116.8005, 38.3005, 116.8025, 38.3015))", { (0...2).contains($0.col) && (0...1).contains($0.row) }),
            ("s_within(geometry, POLYGON((116.7995 38.2995, 116.8035 38.2995, 116.8035 38.3025, 116.7995 38.3025, 116.7995 38.2995)))",
             { $0.col <= 2 && $0.row <= 1 }),
            ("S_CONTAINS(geometry, LINESTRING(116.8051 38.3051, 116.8059 38.3059)) AND landuse IS NOT NULL", { $0.col == 5 && $0.row == 5 }),
            ("NOT S_INTERSECTS(geometry, BBOX(116.8015, 38.3015, 116.8195, 38.3095))", { $0.col == 0 || $0.row == 0 }),
            ("TRUE AND (landuse = '0810' OR FALSE)", { $0.landuse == "0810" }),
        ]
        let temporal: [(String, (P) -> Bool)] = [
            ("datetime=2024-05-15", { $0.surveyed == "2024-05-15" }),
            ("datetime=2024-03-01/2024-05-15", { $0.surveyed >= "2024-03-01" && $0.surveyed <= "2024-05-15" }),
            ("datetime=../2024-02-15", { $0.surveyed <= "2024-02-15" }),
            ("datetime=2024-08-01/..", { $0.surveyed >= "2024-08-01" }),
        ]
        let temporalExpectations = temporal.map { ($0.0, Self.parcels.filter($0.1).map(\.id)) }
        let expectations = cases.map { ($0.0, Self.parcels.filter($0.1).map(\.id)) }
        try await fixture.test { client in
            for (filter, expected) in expectations {
                let encoded = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let r = try await client.execute(uri: "/ogc/collections/parcels/items?limit=1000&filter=\(encoded)", method: .get)
                #expect(r.status == .ok, "\(filter): \(r.text)")
                #expect(r.json.featureIDs == expected, "\(filter)")
            }
            for (query, expected) in temporalExpectations {
                let r = try await client.execute(uri: "/ogc/collections/parcels/items?limit=1000&\(query)", method: .get)
                #expect(r.status == .ok && r.json.featureIDs == expected, "\(query): \(r.text.prefix(200))")
            }
            // Spaces sent as '+' (form encoding, Python's urlencode) are spaces.
            let plus = try await client.execute(uri: "/ogc/collections/parcels/items?limit=1000&filter=floors+IS+NULL", method: .get)
            #expect(plus.json.featureIDs == Self.parcels.filter { $0.floors == nil }.map(\.id))
            let byValue = try await client.execute(uri: "/ogc/collections/parcels/items?limit=1000&landuse=0810&floors=2", method: .get).json
            #expect(byValue.featureIDs == Self.parcels.filter { $0.landuse == "0810" && $0.floors == 2 }.map(\.id))
            let sorted = try await client.execute(uri: "/ogc/collections/parcels/items?limit=5&sortby=-floors,%2Barea_m2&properties=floors,code&skipGeometry=true", method: .get).json
            let top = Self.parcels.sorted { ($0.floors ?? -1, -$0.area) > ($1.floors ?? -1, -$1.area) }.prefix(5).map(\.id)
            #expect(sorted.featureIDs == Array(top))
            let first = sorted["features"]?.array?.first
            #expect(first?["geometry"] == .null && first?["properties"]?.object?.map(\.0) == ["floors", "code"])
        }
    }

    @Test func aParameterGivenTwiceWithDifferentValuesIsRefusedEverywhere() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            let items = try await client.execute(uri: "/ogc/collections/parcels/items?limit=1&limit=2", method: .get)
            #expect(items.status == .badRequest && items.text.contains("'limit' is given twice"), "\(items.text)")
            // The same value twice is harmless.
            #expect(try await client.execute(uri: "/ogc/collections/parcels/items?limit=1&limit=1", method: .get).status == .ok)
            let search = try await client.execute(uri: "/search?q=a&q=b", method: .get)
            #expect(search.status == .badRequest)
            let wms = try await client.execute(uri: "/wms?SERVICE=WMS&REQUEST=GetCapabilities&request=GetMap", method: .get)
            #expect(wms.status == .badRequest && wms.text.contains("ServiceExceptionReport") && wms.text.contains("REQUEST is given twice"), "\(wms.text)")
        }
    }

    @Test func aStoreThatCannotBeReadIsA500NotAnEmptyCatalogue() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        // Break the catalogue under the server (as a damaged or foreign file would).
        if TestStores.onPostGIS {
            try TestStores.psql(fixture.services.store.path, "ALTER TABLE onemap_changes RENAME TO onemap_changes_gone")
            #expect(throws: StoreError.self) { try fixture.services.store.refresh() }
        } else {
            try fixture.services.store.write { db in try db.execute(sql: "ALTER TABLE layer_changes RENAME TO layer_changes_gone") }
        }
        try await fixture.test { client in
            for uri in ["/ogc/collections", "/ogc/api"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .internalServerError && response.headers[.contentType]?.hasPrefix("application/json") == true, "\(uri)")
            }
        }
    }

    @Test func badQueriesAre4xxWithReasonsAndChangeNothing() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("filter=landuse%20%3D%20'0701'%20AND", .badRequest, "position 21"),
                ("filter=landuse%20%3D%3D%201", .badRequest, "position 10"),
                ("filter=name%20LIKE%20'abc", .badRequest, "unterminated string at position 11"),
                ("filter=S_INTERSECTS(geometry%2C%20POINT(1))", .badRequest, "geometry literal"),
                ("filter=S_BUFFER(geometry%2C%201)", .badRequest, "unsupported function S_BUFFER"),
                ("filter=bogus%20%3D%201", .badRequest, "unknown property 'bogus'"),
                ("filter=%22name%22%22%3B%20DROP%20TABLE%20parcels%3B%20--%22%20%3D%201", .badRequest, "unknown property"),
                ("filter-lang=cql2-json&filter=%7B%7D", .badRequest, "cql2-text"),
                ("properties=code,nope", .badRequest, "unknown property 'nope'"),
                ("sortby=-nope", .badRequest, "unknown property 'nope'"),
                ("bbox=116.81,38.30,116.80,38.31", .badRequest, "lower corner"),
                ("bbox=1,2,3", .badRequest, "4 (or 6)"),
                ("bbox=a,b,c,d", .badRequest, "numbers"),
                ("bbox=0,0,200,10", .badRequest, "outside"),
                ("bbox-crs=EPSG:4490", .badRequest, "needs a bbox"),
                ("limit=0", .badRequest, "limit"),
                ("limit=-5", .badRequest, "limit"),
                ("limit=10001", .badRequest, "limit"),
                ("limit=99999999999999999999", .badRequest, "limit"),
                ("offset=-1", .badRequest, "offset"),
                ("crs=EPSG:2000", .badRequest, "not offered"),
                ("crs=EPSG:99999999", .badRequest, "not offered"),
                ("floors=many", .badRequest, "integer"),
                ("colour=red", .badRequest, "unknown parameter 'colour'"),
                ("f=xml", .notAcceptable, "f must be"),
                ("datetime=yesterday", .badRequest, "ISO 8601"),
                ("datetime=2024-06-01/2024-01-01", .badRequest, "ends before it starts"),
            ]
            for (query, status, text) in cases {
                let r = try await client.execute(uri: "/ogc/collections/parcels/items?\(query)", method: .get)
                #expect(r.status == status, "\(query): \(r.status) \(r.text)")
                #expect(r.json["description"]?.string?.contains(text) == true, "\(query): \(r.text)")
            }
            let noTime = try await client.execute(uri: "/ogc/collections/wells/items?datetime=2024-01-01", method: .get)
            #expect(noTime.status == .badRequest && noTime.json["description"]?.string?.contains("no temporal property") == true)
            for uri in ["/ogc/collections/nope/items", "/ogc/collections/nope", "/ogc/collections/parcels/items/999",
                        "/ogc/collections/parcels/items/abc", "/ogc/collections/secret_sites/items"] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == .notFound && r.json["code"]?.string == "NotFound", "\(uri)")
            }
            // Injection in a value is only a value.
            let quoted = "name = 'x'' OR ''1''=''1'".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let injected = try await client.execute(uri: "/ogc/collections/parcels/items?filter=\(quoted)", method: .get)
            #expect(injected.status == .ok && injected.json.featureIDs.isEmpty)
            let byValue = try await client.execute(uri: "/ogc/collections/parcels/items?name=%27%20OR%201%3D1%20--", method: .get)
            #expect(byValue.status == .ok && byValue.json.featureIDs.isEmpty)
            let all = try await client.execute(uri: "/ogc/collections/parcels/items?limit=1", method: .get).json
            #expect(all["numberMatched"]?.number == 200)
        }
    }

    @Test func confidentialLayersAreInvisibleWithoutRightsAndVisibleWithThem() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            let anonymous = try await client.execute(uri: "/ogc/collections/secret_sites/items", method: .get)
            #expect(anonymous.status == .notFound)
            let reader = try await client.execute(uri: "/ogc/collections/secret_sites/items", method: .get, headers: [.authorization: "Bearer reader-token"])
            #expect(reader.status == .notFound)
            let wrong = try await client.execute(uri: "/ogc/collections/parcels/items", method: .get, headers: [.authorization: "Bearer guess"])
            #expect(wrong.status == .unauthorized && wrong.json["code"]?.string == "Unauthorized")
            let byParameter = try await client.execute(uri: "/ogc/collections/parcels/items?limit=1&token=reader-token", method: .get)
            #expect(byParameter.status == .ok && !byParameter.text.contains("reader-token\""))
        }
    }
}
