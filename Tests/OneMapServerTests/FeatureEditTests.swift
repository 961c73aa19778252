import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapServer
@testable import OneMapStore

@Suite struct FeatureEditTests {
    static let editor: HTTPFields = [.authorization: "Bearer editor-token", .contentType: "application/geo+json"]
    static let reader: HTTPFields = [.authorization: "Bearer reader-token", .contentType: "application/geo+json"]

    static func square(_ x: Double, _ y: Double, _ size: Double = 0.0005) -> String {
        "[[[\(x),\(y)],[\(x + size),\(y)],[\(x + size),\(y + size)],[\(x),\(y + size)],[\(x),\(y)]]]"
    }

    static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test func createReplaceUpdateDeleteWithETagsVersionsChangesAndAudit() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        let store = fixture.services.store
        let startVersion = try store.layer("parcels", for: .system).version
        try await fixture.test { client in
            let created = try await client.execute(
                uri: "/ogc/collections/parcels/items", method: .post, headers: Self.editor,
                body: Self.body(#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(Self.square(116.85, 38.35))},"properties":{"code":"N0001","landuse":"0701","area_m2":1500,"floors":3,"name":"新地块","surveyed":"2026-11-24"}}"#))
            #expect(created.status == .created, "\(created.text)")
            let location = try #require(created.headers[.location])
            let id = try #require(Int(location.split(separator: "/").last!))
            #expect(id == 201 && location.hasSuffix("/ogc/collections/parcels/items/201"))
            let etag = try #require(created.headers[.eTag])
            let read = try await client.execute(uri: "/ogc/collections/parcels/items/\(id)", method: .get)
            #expect(read.headers[.eTag] == etag && read.json["properties"]?["name"]?.string == "新地块")
            #expect(read.json["properties"]?["area_m2"]?.number == 1500)

            // A stale ETag changes nothing.
            let stale = try await client.execute(
                uri: "/ogc/collections/parcels/items/\(id)", method: .put, headers: Self.editor + [.ifMatch: "\"0123\""],
                body: Self.body(#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(Self.square(116.85, 38.35))},"properties":{"code":"N0001","name":"改名"}}"#))
            #expect(stale.status == .preconditionFailed && stale.json["code"]?.string == "PreconditionFailed")
            #expect(try store.feature(Int64(id), in: "parcels", for: .system).value("name", in: store.layer("parcels", for: .system)) == .text("新地块"))

            let replaced = try await client.execute(
                uri: "/ogc/collections/parcels/items/\(id)", method: .put, headers: Self.editor + [.ifMatch: etag],
                body: Self.body(#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(Self.square(116.851, 38.351))},"properties":{"code":"N0001","name":"改名"}}"#))
            #expect(replaced.status == .ok, "\(replaced.text)")
            #expect(replaced.json["properties"]?["landuse"] == .null && replaced.json["properties"]?["name"]?.string == "改名")
            let etag2 = try #require(replaced.headers[.eTag])
            #expect(etag2 != etag)

            let patched = try await client.execute(
                uri: "/ogc/collections/parcels/items/\(id)", method: .patch, headers: Self.editor + [.ifMatch: etag2],
                body: Self.body(#"{"properties":{"floors":12}}"#))
            #expect(patched.status == .ok && patched.json["properties"]?["floors"]?.number == 12 && patched.json["properties"]?["name"]?.string == "改名")
            let ring = patched.json["geometry"]?["coordinates"]?.array?.first?.array?.first?.array?.compactMap(\.number)
            #expect(ring == [116.851, 38.351])

            let deleted = try await client.execute(uri: "/ogc/collections/parcels/items/\(id)", method: .delete, headers: Self.editor)
            #expect(deleted.status == .noContent)
            let gone = try await client.execute(uri: "/ogc/collections/parcels/items/\(id)", method: .get)
            #expect(gone.status == .notFound)
        }
        let layer = try store.layer("parcels", for: .system)
        #expect(layer.version == startVersion + 4 && layer.featureCount == 200)
        let audit = try store.auditRecords(layer: "parcels")
        #expect(audit.map(\.action) == ["create", "replace", "update", "delete"])
        #expect(audit.allSatisfy { $0.principal == "editor" && $0.featureID == 201 })
        #expect(audit[0].before == nil && audit[0].after?.contains("新地块") == true)
        #expect(audit[1].before?.contains("新地块") == true && audit[1].after?.contains("改名") == true)
        #expect(audit[3].before?.contains("\"floors\":12") == true && audit[3].after == nil)
        // The log refuses to be rewritten.
        if TestStores.onPostGIS {
            #expect(throws: (any Error).self) { try TestStores.psql(store.path, "DELETE FROM onemap_audit") }
            #expect(throws: (any Error).self) { try TestStores.psql(store.path, "UPDATE onemap_audit SET principal = 'someone else'") }
        } else {
            #expect(throws: (any Error).self) { try store.pool.write { db in try db.execute(sql: "DELETE FROM audit_log") } }
        }
        // Only the area of the edits changed: tiles elsewhere stay fresh.
        try fixture.services.watcher.refresh()
        let changes = fixture.services.watcher.snapshot.changes
        #expect(changes.latest(layer: "parcels", touching: BoundingBox(minX: 116.8505, minY: 38.3505, maxX: 116.8506, maxY: 38.3506)) > 0)
        #expect(changes.latest(layer: "parcels", touching: BoundingBox(minX: 116.801, minY: 38.301, maxX: 116.802, maxY: 38.302)) <= 3)
    }

    @Test func editsNeedWriteRightsAndBadBodiesChangeNothing() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        let store = fixture.services.store
        let before = try store.layer("parcels", for: .system)
        let good = #"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(Self.square(116.85, 38.35))},"properties":{"code":"N1"}}"#
        try await fixture.test { client in
            let anonymous = try await client.execute(uri: "/ogc/collections/parcels/items", method: .post,
                                                     headers: [.contentType: "application/geo+json"], body: Self.body(good))
            #expect(anonymous.status == .forbidden && anonymous.json["code"]?.string == "Forbidden")
            let reader = try await client.execute(uri: "/ogc/collections/parcels/items", method: .post, headers: Self.reader, body: Self.body(good))
            #expect(reader.status == .forbidden)
            let hidden = try await client.execute(uri: "/ogc/collections/secret_sites/items/1", method: .delete, headers: Self.editor)
            #expect(hidden.status == .notFound)
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("not json", .badRequest, "not JSON"),
                (#"[1,2]"#, .badRequest, "Feature object"),
                (#"{"type":"FeatureCollection","features":[]}"#, .badRequest, "not FeatureCollection"),
                (#"{"type":"Feature","properties":{"code":"X"}}"#, .badRequest, "no geometry"),
                (#"{"type":"Feature","geometry":{"type":"Point","coordinates":[116.85,38.35]},"properties":{"code":"X"}}"#, .badRequest, "holds Polygon"),
                (#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,2],[3]]]},"properties":{"code":"X"}}"#, .badRequest, "geometry"),
                (#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(Self.square(116.85, 38.35))},"properties":{"code":"X","colour":"red"}}"#, .badRequest, "unknown property 'colour'"),
                (#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(Self.square(116.85, 38.35))},"properties":{"code":"X","area_m2":"big"}}"#, .badRequest, "'area_m2' must be a number"),
                (#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(Self.square(116.85, 38.35))},"properties":{"code":"X","floors":2.5}}"#, .badRequest, "'floors' must be an integer"),
                (#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(Self.square(116.85, 38.35))},"properties":{"code":"X","surveyed":"yesterday"}}"#, .badRequest, "ISO 8601"),
                (#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(Self.square(116.85, 38.35))},"properties":{"code":7}}"#, .badRequest, "'code' must be a string"),
                (#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(Self.square(116.85, 38.35))},"properties":{"name":"no code"}}"#, .badRequest, "'code' is required"),
                (#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(Self.square(116.85, 38.35))},"properties":{"code":"X","name":{"a":1}}}"#, .badRequest, "only strings"),
                // Gauss-Krüger metres sent as lon/lat: the CRS is wrong.
                (#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(Self.square(39_500_000, 4_240_000, 10))},"properties":{"code":"X"}}"#, .badRequest, "is the CRS right"),
                // A bow-tie splits into two polygons when repaired; a single-polygon layer cannot hold that.
                (#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[116.85,38.35],[116.851,38.351],[116.851,38.35],[116.85,38.351],[116.85,38.35]]]},"properties":{"code":"X"}}"#, .badRequest, "2 parts"),
            ]
            for (body, status, text) in cases {
                let r = try await client.execute(uri: "/ogc/collections/parcels/items", method: .post, headers: Self.editor, body: Self.body(body))
                #expect(r.status == status, "\(body): \(r.status) \(r.text)")
                #expect(r.json["description"]?.string?.contains(text) == true, "\(body): \(r.text)")
            }
            let wrongType = try await client.execute(uri: "/ogc/collections/parcels/items", method: .post,
                                                     headers: [.authorization: "Bearer editor-token", .contentType: "text/csv"], body: Self.body(good))
            #expect(wrongType.status == .unsupportedMediaType)
            let badCRS = try await client.execute(uri: "/ogc/collections/parcels/items", method: .post,
                                                  headers: Self.editor + [HTTPField.Name("Content-Crs")!: "<http://www.opengis.net/def/crs/EPSG/0/2000>"], body: Self.body(good))
            #expect(badCRS.status == .badRequest && badCRS.json["description"]?.string?.contains("Content-Crs") == true)
            let missing = try await client.execute(uri: "/ogc/collections/parcels/items/9999", method: .patch, headers: Self.editor, body: Self.body(#"{"properties":{"floors":1}}"#))
            #expect(missing.status == .notFound)
        }
        let after = try store.layer("parcels", for: .system)
        #expect(after.version == before.version && after.featureCount == 200)
        #expect(try store.auditRecords().isEmpty)
    }

    @Test func geometriesInOtherCRSsAreStoredInPlaceAndRepairableOnesRepaired() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture() }
        try await fixture.test { client in
            // CGCS2000 lat/lon order (the CRS's axis order) lands at the same place as CRS84 lon/lat.
            let latLon = "[[[38.35,116.85],[38.35,116.8505],[38.3505,116.8505],[38.3505,116.85],[38.35,116.85]]]"
            let r = try await client.execute(uri: "/ogc/collections/parcels/items", method: .post,
                                             headers: Self.editor + [HTTPField.Name("Content-Crs")!: "<http://www.opengis.net/def/crs/EPSG/0/4490>"],
                                             body: Self.body(#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(latLon)},"properties":{"code":"C1"}}"#))
            #expect(r.status == .created, "\(r.text)")
            let first = r.json["geometry"]?["coordinates"]?.array?.first?.array?.first?.array?.compactMap(\.number)
            #expect(first == [116.85, 38.35])
            // An unclosed ring is closed, and the response says the geometry was repaired.
            let open = "[[[116.86,38.36],[116.861,38.36],[116.861,38.361],[116.86,38.361]]]"
            let repaired = try await client.execute(uri: "/ogc/collections/parcels/items", method: .post, headers: Self.editor,
                                                    body: Self.body(#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":\#(open)},"properties":{"code":"C2"}}"#))
            #expect(repaired.status == .created, "\(repaired.text)")
            #expect(repaired.headers[HTTPField.Name("OneMap-Geometry-Repaired")!] != nil)
            #expect(repaired.json["geometry"]?["coordinates"]?.array?.first?.array?.count == 5)
            // A MultiPolygon of one part goes into the single-polygon layer as that part.
            let multi = try await client.execute(uri: "/ogc/collections/parcels/items", method: .post, headers: Self.editor,
                                                 body: Self.body(#"{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[\#(Self.square(116.87, 38.37))]},"properties":{"code":"C3"}}"#))
            #expect(multi.status == .created && multi.json["geometry"]?["type"]?.string == "Polygon")
            let found = try await client.execute(uri: "/ogc/collections/parcels/items?bbox=116.8501,38.3501,116.8502,38.3502", method: .get)
            #expect(found.json.featureIDs == [201])
        }
    }
}
