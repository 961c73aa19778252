import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OneMapTestSupport
import Testing

@testable import OneMapServer

/// One bad request: what it is, and why it must be refused.
struct BadRequest: CustomStringConvertible {
    var method: HTTPRequest.Method = .get
    var uri: String
    var token: String?
    var contentType = "application/json"
    var body: String?
    var description: String { "\(method) \(uri.prefix(120))" }

    static func get(_ uri: String, _ token: String? = nil) -> BadRequest { BadRequest(uri: uri, token: token) }
    static func post(_ uri: String, _ body: String, _ token: String? = nil, type: String = "application/json") -> BadRequest {
        BadRequest(method: .post, uri: uri, token: token, contentType: type, body: body)
    }
}

/// Table-driven bad input over every HTTP endpoint family (issue 17): each request gets a 4xx with
/// a clear message (JSON `description`, or an OGC exception report for WMS/WMTS) that never shows
/// internals, the server keeps serving, and the store's content is byte for byte what it was.
enum BadInputMatrix {
    /// Every row of the tables that hold content (layers and their features, the change feed,
    /// users and roles, cases, incidents, jobs, the audit log), read straight from the file.
    static func content(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }())
        return try queue.read { db in
            var tables = ["layers", "layer_changes", "users", "roles", "audit_log"]
            tables += try String.fetchAll(db, sql: "SELECT table_name FROM layers")
            for t in ["cases", "case_steps", "case_attachments", "incidents", "unit_positions", "jobs"] where try db.tableExists(t) { tables.append(t) }
            var out: [String] = []
            for t in tables where try db.tableExists(t) {
                // Pyramid tables have no rowid: sort the rows' text instead. Failed sign-ins are
                // audited on purpose (a security record, not content).
                let only = t == "audit_log" ? " WHERE action != 'session.failed'" : ""
                out.append("\(t): " + (try Row.fetchAll(db, sql: "SELECT * FROM \"\(t)\"\(only)").map(\.description).sorted().joined(separator: "\n")))
            }
            return out
        }
    }

    static let internals = ["SQLite", "SQL", "GRDB", "while executing", "Fatal", "Swift.", "OneMapStore.", "/work/", "stack"]

    /// Runs the requests; returns how many were checked.
    static func run(_ requests: [BadRequest], fixture: some RouterFixture, store: String) async throws -> Int {
        let before = try content(store)
        try await fixture.test { client in
            for r in requests {
                var headers: HTTPFields = [.contentType: r.contentType]
                if let token = r.token { headers[.authorization] = "Bearer \(token)" }
                let response = try await client.execute(uri: r.uri, method: r.method, headers: headers, body: r.body.map { ByteBuffer(string: $0) })
                let status = response.status.code
                #expect((400..<500).contains(status), "\(r): \(status) \(response.text.prefix(200))")
                let text = response.text
                let message: String
                if text.hasPrefix("<?xml") || text.hasPrefix("<") {
                    #expect(text.contains("Exception"), "\(r): \(text.prefix(200))")
                    message = text
                } else {
                    // OneMap's error JSON, or OGC API – Processes' exception (RFC 7807) for processes and jobs.
                    let json = response.json
                    message = json["description"]?.string ?? json["detail"]?.string ?? ""
                    #expect(!message.isEmpty && (json["code"]?.string ?? json["title"]?.string)?.isEmpty == false, "\(r): \(text.prefix(200))")
                }
                for word in internals { #expect(!message.contains(word), "\(r) shows '\(word)': \(message.prefix(200))") }
            }
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
        }
        let after = try content(store)
        let changed = zip(before, after).filter { $0 != $1 }.map { "\($0.0.prefix(40))…: \($0.1.suffix(300))" }
        #expect(after == before, "the store changed: \(changed)")
        return requests.count
    }
}

@Suite struct BadInputMatrixTests {
    static let long = String(repeating: "A", count: 20_000)

    @Test func featuresTilesMapsAndAccounts() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture(users: true) }
        let editor = fixture.tokens["editor"]!, viewer = fixture.tokens["viewer"]!
        let items = "/ogc/collections/parcels/items"
        let feature = #"{"type": "Feature", "properties": {"code": "P9999", "landuse": "residential", "area_m2": 10, "floors": 2, "name": "x", "surveyed": "2024-01-01"}, "geometry": {"type": "Polygon", "coordinates": [[[116.8, 38.3], [116.801, 38.3], [116.801, 38.301], [116.8, 38.3]]]}}"#
        let requests: [BadRequest] = [
            // Items: parameters malformed, out of range, of the wrong type, unknown.
            .get(items + "?limit=0"), .get(items + "?limit=-5"), .get(items + "?limit=abc"), .get(items + "?limit=100001"),
            .get(items + "?offset=-1"), .get(items + "?offset=1e3"), .get(items + "?bbox=1,2,3"), .get(items + "?bbox=a,b,c,d"),
            .get(items + "?bbox=116.9,38.3,116.8,38.4"), .get(items + "?bbox=1,2,3,4,5"), .get(items + "?bbox-crs=EPSG:4490"),
            .get(items + "?bbox=1,2,3,4&bbox-crs=EPSG:999999"), .get(items + "?crs=EPSG:2000"), .get(items + "?crs=../../etc/passwd"),
            .get(items + "?datetime=yesterday"), .get(items + "?datetime=2024-05-01/2024-01-01"), .get(items + "?filter=area_m2%20%3E"),
            .get(items + "?filter=nosuch%20%3D%201"), .get(items + "?filter=code%20%3D%20'x'%3B%20DROP%20TABLE%20parcels"),
            .get(items + "?filter=area_m2%20%3D%20'abc'"), .get(items + "?filter-lang=cql2-json&filter=code%3D'x'"),
            .get(items + "?filter-lang=sql"), .get(items + "?filter-crs=EPSG:1"), .get(items + "?sortby=nosuch"), .get(items + "?sortby=-"),
            .get(items + "?properties=nosuch"), .get(items + "?skipGeometry=maybe"), .get(items + "?f=xml"), .get(items + "?area_m2=abc"),
            .get(items + "?nosuch=1"), .get(items + "?limit=1&limit=2"), .get(items + "?filter=" + Self.long),
            .get(items + "?code%27%20OR%201%3D1--=x"), .get(items + "?filter=S_INTERSECTS(geom%2C%20POINT(1))"),
            // Single items and collections.
            .get(items + "/abc"), .get(items + "/-1"), .get(items + "/99999999"), .get(items + "/1%27%20OR%201%3D1"),
            .get("/ogc/collections/nosuch"), .get("/ogc/collections/..%2F..%2Fetc"), .get("/ogc/collections/secret_sites/items"),
            .get("/ogc/collections/parcels%27--/items"), .get("/ogc/collections/parcels/queryables?f=bogus"), .get("/ogc/collections/parcels?f=pdf"), .get("/ogc?f=xml"), .get("/ogc/conformance?f=csv"),
            .get("/ogc/collections?f=bogus"), .get("/ogc/api?f=yaml"),
            // Edits: no token, a viewer's, malformed bodies, wrong types, stale versions, wrong methods.
            .post(items, feature), .post(items, feature, viewer), .post(items, "{", editor), .post(items, "[]", editor),
            .post(items, #"{"type": "FeatureCollection", "features": []}"#, editor), .post(items, #"{"type": "Feature"}"#, editor),
            .post(items, feature.replacingOccurrences(of: "\"area_m2\": 10", with: "\"area_m2\": \"ten\""), editor),
            .post(items, feature.replacingOccurrences(of: "\"floors\": 2", with: "\"nosuch\": 2"), editor),
            .post(items, feature.replacingOccurrences(of: "Polygon", with: "Point"), editor),
            .post(items, feature.replacingOccurrences(of: "[116.8, 38.3], [116.801, 38.3]", with: "[\"a\", 38.3], [116.801, 38.3]"), editor),
            .post(items, feature, editor, type: "text/plain"), .post(items, String(repeating: "[", count: 100_000), editor),
            .post("/ogc/collections/nosuch/items", feature, editor), .post("/ogc/collections/secret_sites/items", feature, editor),
            BadRequest(method: .put, uri: items + "/1", token: editor, body: "{"), BadRequest(method: .put, uri: items + "/999999", token: editor, body: feature),
            BadRequest(method: .patch, uri: items + "/1", token: editor, body: #"{"properties": {"area_m2": []}}"#),
            BadRequest(method: .patch, uri: items + "/1", token: editor, body: #"{"properties": {"code": null}}"#),
            BadRequest(method: .delete, uri: items + "/1"), BadRequest(method: .delete, uri: items + "/1", token: viewer),
            BadRequest(method: .delete, uri: items + "/abc", token: editor), BadRequest(method: .delete, uri: items, token: editor),
            BadRequest(method: .put, uri: "/ogc/collections/parcels", token: editor, body: "{}"),
            // Tiles, WMTS, OGC API – Tiles.
            .get("/tiles/parcels/WebMercatorQuad/99/0/0.png"), .get("/tiles/parcels/WebMercatorQuad/1/5/0.png"),
            .get("/tiles/parcels/WebMercatorQuad/a/b/c.png"), .get("/tiles/parcels/NoSuchSet/1/0/0.png"), .get("/tiles/nosuch/WebMercatorQuad/1/0/0.png"),
            .get("/tiles/parcels/WebMercatorQuad/1/0/0.gif"), .get("/tiles/parcels/WebMercatorQuad/1/0/0@3x.png"),
            .get("/tiles/..%2F..%2Fetc/WebMercatorQuad/1/0/0.png"), .get("/tiles/parcels/WebMercatorQuad/1/-1/0.png"),
            .get("/tiles/parcels/WebMercatorQuad/16/54031/25208.png?layers=secret_sites"), .get("/wmts/parcels/default/WebMercatorQuad/40/0/0.png"),
            .get("/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=parcels&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=x&TILEROW=0&TILECOL=0&FORMAT=image/png"),
            .get("/wmts?SERVICE=WFS&REQUEST=GetCapabilities"), .get("/ogc/tileMatrixSets/NoSuch"),
            .get("/ogc/maps/parcels/tiles/WebMercatorQuad/1/9/9"), .get("/ogc/maps/nosuch/tiles"), .get("/overlays/WebMercatorQuad/1/0/0?layers="),
            // WMS.
            .get("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=parcels&STYLES=&CRS=EPSG:4326&BBOX=1,2,3&WIDTH=10&HEIGHT=10&FORMAT=image/png"),
            .get("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=parcels&STYLES=&CRS=EPSG:9&BBOX=1,2,3,4&WIDTH=10&HEIGHT=10&FORMAT=image/png"),
            .get("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=parcels&STYLES=&CRS=EPSG:4326&BBOX=1,2,3,4&WIDTH=100000&HEIGHT=10&FORMAT=image/png"),
            .get("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=parcels&STYLES=&CRS=EPSG:4326&BBOX=1,2,3,4&WIDTH=-1&HEIGHT=10&FORMAT=image/png"),
            .get("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=nosuch&STYLES=&CRS=EPSG:4326&BBOX=1,2,3,4&WIDTH=10&HEIGHT=10&FORMAT=image/png"),
            .get("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=parcels&STYLES=fancy&CRS=EPSG:4326&BBOX=1,2,3,4&WIDTH=10&HEIGHT=10&FORMAT=image/png"),
            .get("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=parcels&STYLES=&CRS=EPSG:4326&BBOX=1,2,3,4&WIDTH=10&HEIGHT=10&FORMAT=image/svg"),
            .get("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=2.0.0&LAYERS=parcels&STYLES=&CRS=EPSG:4326&BBOX=1,2,3,4&WIDTH=10&HEIGHT=10&FORMAT=image/png"),
            .get("/wms?SERVICE=WMS&REQUEST=GetFeatureInfo&VERSION=1.3.0&LAYERS=parcels&QUERY_LAYERS=parcels&CRS=CRS:84&BBOX=116.8,38.3,116.802,38.31&WIDTH=40&HEIGHT=200&I=500&J=99&INFO_FORMAT=application/json"),
            .get("/wms?SERVICE=WMS&REQUEST=GetLegendGraphic&LAYER=nosuch&FORMAT=image/png"),             .get("/wms?REQUEST=GetMap"),
            // Maps, identify, search, print, legends, elevation, geocoding without rules.
            .get("/maps/nosuch/style.json"), .get("/maps/nosuch/WebMercatorQuad/tilejson.json"), .get("/maps/parcels/NoSuch/tilejson.json"),
            .get("/maps/parcels/identify?lon=abc&lat=38"), .get("/maps/parcels/identify?lon=500&lat=38"), .get("/maps/parcels/identify?lon=116.8"),
            .get("/maps/parcels/identify?lon=116.8&lat=38.3&crs=EPSG:1234567"), .get("/maps/parcels/identify?lon=116.8&lat=38.3&zoom=99"),
            .get("/search"), .get("/search?q="), .get("/search?q=" + Self.long), .get("/search?q=x&limit=-1"),
            .get("/maps/parcels/print?bbox=1,2"), .get("/maps/parcels/print?bbox=116.8,38.3,116.81,38.31&format=docx"),
            .get("/maps/parcels/print?bbox=116.8,38.3,116.81,38.31&width=99999"), .get("/maps/nosuch/legend"), .get("/legend/icons/..%2F..%2Fetc%2Fpasswd"),
            .get("/legend/icons/nosuch"), .get("/elevation?lon=abc&lat=1"), .get("/web/../Package.swift"), .get("/web/%2e%2e/%2e%2e/etc/passwd"),
            .get("/vendor/leaflet/../../../etc/passwd"), .get("/nosuch"), BadRequest(method: .delete, uri: "/maps"), BadRequest(method: .post, uri: "/wms", body: "x"),
            // Accounts.
            .post("/auth/login", "{"), .post("/auth/login", #"{"user": "ed"}"#), .post("/auth/login", #"{"user": "ed", "password": "wrong"}"#),
            .post("/auth/login", #"{"user": "nobody", "password": "x"}"#), .post("/auth/login", #"{"user": 5, "password": []}"#),
            .post("/auth/login", "user=ed&password=x", type: "application/x-www-form-urlencoded"), .get("/auth/me", "om_not_a_token"),
            .get("/ogc/collections", "om_" + String(repeating: "f", count: 64)), .post("/auth/login", Self.long),
            // Processes and jobs without planning rules here.
            .get("/ogc/processes/nosuch"), .post("/ogc/processes/nosuch/execution", "{}", editor), .get("/ogc/jobs/nosuch"),
            .get("/ogc/jobs/../../etc"), BadRequest(method: .delete, uri: "/ogc/jobs/nosuch", token: editor),
        ]
        let n = try await BadInputMatrix.run(requests, fixture: fixture, store: fixture.directory + "/s.sqlite")
        #expect(n >= 130)
    }

    @Test func casesIncidentsLiveAndAnalyses() async throws {
        let cases = try await OwnThread.build { try CaseServerFixture() }
        let report = #"{"source": "监督员", "kind": "event", "classCode": "0102", "description": "路边暴露垃圾", "location": [116.805, 38.305]}"#
        let caseRequests: [BadRequest] = [
            .post("/cases", report), .post("/cases", "{", "sup"), .post("/cases", "[]", "sup"),
            .post("/cases", report.replacingOccurrences(of: "0102", with: "9999"), "sup"),
            .post("/cases", report.replacingOccurrences(of: "[116.805, 38.305]", with: "[200, 38.305]"), "sup"),
            .post("/cases", report.replacingOccurrences(of: "[116.805, 38.305]", with: "[0, 0]"), "sup"),
            .post("/cases", report.replacingOccurrences(of: "\"event\"", with: "\"rumour\""), "sup"),
            .post("/cases", report.replacingOccurrences(of: "路边暴露垃圾", with: Self.long + Self.long), "sup"),
            .post("/cases", report.replacingOccurrences(of: "监督员", with: "<script>"), "sup"),
            .post("/cases", #"{"source": "监督员", "kind": "event", "classCode": "0102", "description": "x"}"#, "sup"),
            .get("/cases/nosuch", "sup"), .get("/cases/99999999", "sup"), .get("/cases/1%27%20OR%201%3D1", "sup"),
            .post("/cases/99999999/actions", #"{"action": "accept"}"#, "acc"), .post("/cases/1/actions", "{", "acc"),
            .post("/cases/1/actions", #"{"action": "fly"}"#, "acc"), .post("/cases/1/actions", #"{"action": "close"}"#, "hw"),
            .post("/cases/1/actions", #"{"action": "accept", "version": 1e300}"#, "acc"), .post("/cases/1/actions", #"{"action": "extend", "minutes": 1e300}"#, "acc"),
            .get("/cases?state=nosuch", "sup"), .get("/cases?limit=-1", "sup"), .get("/cases?from=yesterday", "sup"),
            .get("/cases/stats?by=planet", "lead"), .get("/cases/stats?from=2024-02-01&to=2024-01-01", "lead"),
            .get("/cases/stats?from=2020-01-01&to=2024-01-01", "lead"), .get("/cases/density?from=x", "lead"),
            .get("/cases/1/attachments/99999", "sup"), .post("/cases/1/attachments", "not an image", "sup", type: "image/png"),
            .get("/geocode"), .get("/geocode?address=" + Self.long), .get("/geocode/reverse?lon=abc&lat=1"), .get("/geocode/reverse?lon=1"),
        ]
        var n = try await BadInputMatrix.run(caseRequests, fixture: cases, store: cases.directory + "/city.sqlite")

        let emergency = try await OwnThread.build { try EmergencyServerFixture() }
        let leak = #"{"title": "化工厂泄漏", "category": "accident", "subtype": "危险化学品泄漏", "level": "II", "geometry": {"type": "Point", "coordinates": [116.85, 38.30]}}"#
        let emergencyRequests: [BadRequest] = [
            .post("/incidents", leak), .post("/incidents", leak, "viewer"), .post("/incidents", "{", "cmd"),
            .post("/incidents", leak.replacingOccurrences(of: "\"II\"", with: "\"V\""), "cmd"),
            .post("/incidents", leak.replacingOccurrences(of: "accident", with: "alien"), "cmd"),
            .post("/incidents", leak.replacingOccurrences(of: "[116.85, 38.30]", with: "[116.85]"), "cmd"),
            .post("/incidents", leak.replacingOccurrences(of: "化工厂泄漏", with: ""), "cmd"),
            .get("/incidents/nosuch", "cmd"), .get("/incidents/99999", "cmd"), .get("/incidents?status=nosuch", "cmd"),
            BadRequest(method: .patch, uri: "/incidents/99999", token: "cmd", body: #"{"status": "closed"}"#),
            .post("/live/positions", #"{"lon": 116.8}"#, "unit"), .post("/live/positions", #"{"lon": "a", "lat": 38}"#, "unit"),
            .post("/live/positions", #"{"lon": 116.8, "lat": 38.3}"#), .get("/live/replay?minutes=abc", "cmd"), .get("/live/replay?minutes=-5", "cmd"),
            .post("/ogc/processes/impact-rings/execution", "{", "cmd"), .post("/ogc/processes/impact-rings/execution", #"{"inputs": {}}"#, "cmd"),
            .post("/ogc/processes/impact-rings/execution", #"{"inputs": {"incident": 99999}}"#, "cmd"),
            .post("/ogc/processes/route/execution", #"{"inputs": {"from": [0, 0], "to": [1, 1]}}"#, "cmd"),
            .post("/ogc/processes/flood/execution", #"{"inputs": {"source": [116.85, 38.3], "level": "high"}}"#, "cmd"),
            .post("/ogc/processes/elevation-profile/execution", #"{"inputs": {"line": {"type": "Point", "coordinates": [1, 2]}}}"#, "cmd"),
            .get("/elevation?lon=500&lat=1"), .get("/elevation?lon=116.85"),
            // Numbers no integer or cell index can hold (the process-inputs fuzz target's finding and its kin).
            .post("/ogc/processes/elevation-profile/execution", #"{"inputs": {"line": {"type": "LineString", "coordinates": [[7e83, 8.3], [116.85, 38.32]]}}}"#, "cmd"),
            .post("/ogc/processes/impact-rings/execution", #"{"inputs": {"incident": 1e300}}"#, "cmd"),
            .post("/ogc/processes/flood/execution", #"{"inputs": {"seed": [116.85, 38.3], "level": 10, "connectivity": 1e300}}"#, "cmd"),
            .post("/ogc/processes/elevation-profile/execution", #"{"inputs": {"line": {"type": "LineString", "coordinates": [[116.8, 38.3], [116.85, 38.32]]}, "samples": 1e300}}"#, "cmd"),
            BadRequest(method: .patch, uri: "/incidents/1", token: "cmd", body: #"{"version": 1e300}"#),
            // A broken surrogate pair in a JSON string once stopped the server (fuzz finding).
            .post("/ogc/processes/impact-rings/execution", #"{"\ud999\ud99A": 6, "inputs": {}}"#, "cmd"),
        ]
        n += try await BadInputMatrix.run(emergencyRequests, fixture: emergency, store: emergency.directory + "/city.sqlite")
        #expect(n >= 50)
    }
}
