import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapAnalysis
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapServer
@testable import OneMapStore

/// The grid city served in process, with one token per 数字城管 role.
final class CaseServerFixture: RouterFixture, @unchecked Sendable {
    struct Tokens: Authenticator {
        static let people: [String: Principal] = [
            "sup": Principal(name: "sup.test", roles: ["supervisor"], level: .internal),
            "acc": Principal(name: "acc.test", roles: ["acceptor"], level: .internal),
            "dis": Principal(name: "dis.test", roles: ["dispatcher"], level: .internal),
            "lead": Principal(name: "lead.test", roles: ["shiftleader"], level: .internal),
            "hw": Principal(name: "dept.hw01", roles: ["dept.HW01"], level: .internal),
            "sw": Principal(name: "dept.sw01", roles: ["dept.SW01"], level: .internal),
        ]
        func principal(forToken token: String) throws -> Principal? { Self.people[token] }
    }

    let directory = NSTemporaryDirectory() + "onemap-case-routes-" + UUID().uuidString
    let services: AppServices

    init() throws {
        let (city, _) = try GridCity.build(in: directory)
        var configuration = ServerConfiguration(storePath: city.path, stylesDirectory: Repo.path("Styles"), webDirectory: Repo.path("Web"))
        configuration.layersDirectory = directory + "/Layers"
        configuration.cacheDirectory = nil
        services = try AppServices(configuration: configuration, authenticator: Tokens())
    }

    deinit {
        services.pool.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func as_(_ who: String) -> HTTPFields { [.authorization: "Bearer \(who)", .contentType: "application/json"] }

    func counts() throws -> [Int] {
        if TestStores.onPostGIS {
            return try ["onemap_cases", "onemap_case_steps", "onemap_case_attachments"].map {
                Int(try TestStores.psqlValue(services.store.path, "SELECT count(*) FROM \($0)")) ?? -1
            }
        }
        return try services.store.pool.read { db in
            try ["cases", "case_steps", "case_attachments"].map { try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? -1 }
        }
    }
}

@Suite struct CaseRoutesTests {
    static let report = #"{"source": "监督员", "kind": "event", "classCode": "0102", "description": "路边暴露垃圾", "location": [116.805, 38.305]}"#

    @Test func aCaseIsReportedDispatchedAndClosedOverHTTP() async throws {
        let fixture = try await OwnThread.build { try CaseServerFixture() }
        try await fixture.test { client in
            let created = try await client.execute(uri: "/cases", method: .post, headers: CaseServerFixture.as_("sup"), body: ByteBuffer(string: Self.report))
            #expect(created.status == .created)
            let c = created.json
            let id = try #require(c["id"]?.number.map { Int($0) })
            #expect(created.headers[.location]?.hasSuffix("/cases/\(id)") == true)
            #expect(c["grid"]?["code"]?.string == "130903001001001" && c["street"]?["name"]?.string == "西街道")
            #expect(c["state"]?.string == "reported" && c["stateName"]?.string == "待受理" && c["light"]?.string == "green")
            #expect(c["actions"]?.array?.isEmpty == true, "a supervisor cannot accept")
            var version = 1
            for (who, action, extra) in [("acc", "accept", ""), ("acc", "file", ""), ("dis", "dispatch", ""), ("hw", "start", ""), ("hw", "feedback", ""),
                                         ("sup", "verify", ""), ("acc", "close", "")] {
                let r = try await client.execute(uri: "/cases/\(id)/actions", method: .post, headers: CaseServerFixture.as_(who),
                                                 body: ByteBuffer(string: #"{"action": "\#(action)", "version": \#(version)\#(extra)}"#))
                #expect(r.status == .ok, "\(action): \(r.text)")
                version = Int(r.json["version"]?.number ?? 0)
                if action == "dispatch" { #expect(r.json["department"]?["code"]?.string == "HW01") }
            }
            let detail = try await client.execute(uri: "/cases/\(id)", method: .get, headers: CaseServerFixture.as_("lead")).json
            #expect(detail["state"]?.string == "closed" && detail["light"]?.string == "none")
            #expect(detail["history"]?.array?.compactMap { $0["action"]?.string } == ["report", "accept", "file", "dispatch", "start", "feedback", "verify", "close"])
            // Listed by state and by text; the month's statistics count it; CSV for spreadsheets.
            let list = try await client.execute(uri: "/cases?state=closed&q=%E5%9E%83%E5%9C%BE", method: .get, headers: CaseServerFixture.as_("lead")).json
            #expect(list["numberMatched"]?.number == 1)
            let stats = try await client.execute(uri: "/cases/stats?by=street", method: .get, headers: CaseServerFixture.as_("lead")).json
            #expect(stats["groups"]?.array?.first?["counts"]?["closed"]?.number == 1 && stats["groups"]?.array?.first?["rates"]?["closeRate"]?.number == 1)
            let csv = try await client.execute(uri: "/cases/stats?by=department&f=csv", method: .get, headers: CaseServerFixture.as_("lead"))
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true && csv.text.contains("沧州市环境卫生管理处"))
            let density = try await client.execute(uri: "/cases/density", method: .get, headers: CaseServerFixture.as_("lead")).json
            #expect(density["features"]?.array?.count == 1 && density["maxCount"]?.number == 1)
            // The case layer as an OGC API collection: read-only, for case roles only; its tiles went stale.
            let items = try await client.execute(uri: "/ogc/collections/cases/items?f=json", method: .get, headers: CaseServerFixture.as_("lead"))
            #expect(items.status == .ok, "\(items.text)")
            let feature = try #require(items.json["features"]?.array?.first)
            #expect(feature["properties"]?["state"]?.string == "closed" && feature["properties"]?["grid_code"]?.string == "130903001001001", "\(feature)")
            #expect(try await client.execute(uri: "/ogc/collections/cases/items", method: .get).status == .notFound)
            let edit = try await client.execute(uri: "/ogc/collections/cases/items", method: .post, headers: CaseServerFixture.as_("lead"),
                                                body: ByteBuffer(string: #"{"type": "Feature", "geometry": {"type": "Point", "coordinates": [116.81, 38.31]}, "properties": {}}"#))
            #expect(edit.status == .forbidden || edit.status == .methodNotAllowed || edit.status == .conflict, "\(edit.status) \(edit.text)")
            // A photo, read back byte for byte.
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
            let attached = try await client.execute(uri: "/cases/\(id)/attachments?name=%E7%8E%B0%E5%9C%BA.png", method: .post,
                                                    headers: [.authorization: "Bearer sup", .contentType: "image/png"], body: ByteBuffer(bytes: png))
            #expect(attached.status == .created && attached.json["name"]?.string == "现场.png")
            let back = try await client.execute(uri: try #require(attached.headers[.location]?.replacingOccurrences(of: "http://localhost", with: "")),
                                                method: .get, headers: CaseServerFixture.as_("lead"))
            #expect(back.bytes == png && back.headers[.contentType] == "image/png")
        }
    }

    @Test func theAPIDocumentListsCasesAndGeocoding() async throws {
        let fixture = try await OwnThread.build { try CaseServerFixture() }
        try await fixture.test { client in
            let rules = try await client.execute(uri: "/cases/rules", method: .get, headers: CaseServerFixture.as_("sup")).json
            #expect(rules["classes"]?.array?.count == 39 && rules["departments"]?.array?.count == 14)
            #expect(rules["classes"]?.array?.first { $0["code"]?.string == "0102" && $0["kind"]?.string == "event" }?["handle"]?["text"]?.string == "4 工作时")
            #expect(try await client.execute(uri: "/cases/rules", method: .get).status == .forbidden)
            let api = try await client.execute(uri: "/ogc/api", method: .get).json
            for path in ["/geocode", "/geocode/reverse", "/cases", "/cases/rules", "/cases/stats", "/cases/density", "/cases/{id}", "/cases/{id}/actions", "/cases/{id}/attachments"] {
                #expect(api["paths"]?[path] != nil, "\(path)")
            }
            #expect(api["paths"]?["/cases"]?["post"]?["operationId"]?.string == "reportCase")
        }
    }

    @Test func geocodingOverHTTP() async throws {
        let fixture = try await OwnThread.build { try CaseServerFixture() }
        try await fixture.test { client in
            let found = try await client.execute(uri: "/geocode?q=%E8%A7%A3%E6%94%BE%E4%B8%9C%E8%B7%AF7%E5%8F%B7", method: .get).json  // 解放东路7号
            let best = try #require(found["candidates"]?.array?.first)
            #expect(best["address"]?.string == "运河区解放东路7号")
            let p = GridCity.plate(7)
            #expect(best["location"]?.array?.compactMap(\.number) == [p.x, p.y])
            let reverse = try await client.execute(uri: "/geocode/reverse?lon=116.8065&lat=38.3101", method: .get).json
            #expect(reverse["grid"]?["code"]?.string == "130903001001002" && reverse["address"]?["text"]?.string == "运河区解放东路7号")
            // Web Mercator input: the same point.
            let m = try CoordinateTransform(from: .crs84, to: .webMercator).apply(Coordinate(116.8065, 38.3101))
            let projected = try await client.execute(uri: "/geocode/reverse?x=\(m.x)&y=\(m.y)&crs=EPSG:3857", method: .get)
            #expect(projected.json["grid"]?["code"]?.string == "130903001001002", "\(projected.text)")
        }
    }

    @Test func badRequestsGetJSONErrorsAndChangeNothing() async throws {
        let fixture = try await OwnThread.build { try CaseServerFixture() }
        try await fixture.test { client in
            let created = try await client.execute(uri: "/cases", method: .post, headers: CaseServerFixture.as_("sup"), body: ByteBuffer(string: Self.report)).json
            let id = Int(created["id"]?.number ?? 0)
            let before = try fixture.counts()
            let sup = CaseServerFixture.as_("sup")
            let cases: [(String, HTTPRequest.Method, HTTPFields, String, HTTPResponse.Status, String)] = [
                ("/cases", .post, sup, #"{"source": "监督员", "classCode": "0102", "description": "x", "location": [117.5, 39.5]}"#, .badRequest, "outside every unit grid"),
                ("/cases", .post, sup, #"{"source": "监督员", "classCode": "9999", "description": "x", "location": [116.805, 38.305]}"#, .badRequest, "9999"),
                ("/cases", .post, sup, #"{"source": "监督员", "classCode": "0102", "description": "x", "address": "火星基地99号"}"#, .badRequest, "matches no place"),
                ("/cases", .post, sup, #"{"source": "监督员", "classCode": "0102", "description": "x", "location": "here"}"#, .badRequest, "location"),
                ("/cases", .post, sup, #"{"source": "监督员", "classCode": "0102", "description": "x", "colour": "red"}"#, .badRequest, "unknown member"),
                ("/cases", .post, sup, "not json", .badRequest, "not JSON"),
                ("/cases", .post, [.contentType: "application/json"], Self.report, .forbidden, "role"),
                ("/cases/\(id)/actions", .post, CaseServerFixture.as_("acc"), #"{"action": "close"}"#, .conflict, "not allowed"),
                ("/cases/\(id)/actions", .post, CaseServerFixture.as_("hw"), #"{"action": "accept"}"#, .forbidden, "受理员"),
                ("/cases/\(id)/actions", .post, CaseServerFixture.as_("acc"), #"{"action": "accept", "version": 7}"#, .conflict, "reload"),
                ("/cases/\(id)/actions", .post, CaseServerFixture.as_("acc"), #"{"action": "fly"}"#, .badRequest, "unknown action"),
                ("/cases/\(id)/actions", .post, CaseServerFixture.as_("acc"), #"{"action": "accept", "version": "one"}"#, .badRequest, "integer"),
                ("/cases/424242/actions", .post, CaseServerFixture.as_("acc"), #"{"action": "accept"}"#, .notFound, "no case"),
                ("/cases/abc", .get, sup, "", .notFound, "integers"),
                ("/cases?state=lost", .get, sup, "", .badRequest, "unknown state"),
                ("/cases?limit=5000", .get, sup, "", .badRequest, "limit"),
                ("/cases/stats?by=planet", .get, sup, "", .badRequest, "by must be"),
                ("/cases/stats?from=2026-13-45", .get, sup, "", .badRequest, "from must be"),
                ("/cases/stats?from=2026-11-02&to=2026-11-01", .get, sup, "", .badRequest, "before"),
                ("/cases/\(id)/attachments", .post, [.authorization: "Bearer sup", .contentType: "application/pdf"], "%PDF-1.4", .badRequest, "not accepted"),
                ("/cases/\(id)/attachments", .post, [.authorization: "Bearer sup", .contentType: "image/jpeg"], "GIF89a", .badRequest, "not a image/jpeg"),
                ("/geocode", .get, [:], "", .badRequest, "q"),
                ("/geocode?q=%E7%81%AB%E6%98%9F", .get, [:], "", .notFound, "matches no"),
                ("/geocode/reverse?lon=200&lat=38", .get, [:], "", .badRequest, "longitude within"),
                ("/geocode/reverse?lon=117.5&lat=39.5", .get, [:], "", .badRequest, "outside every unit grid"),
            ]
            for (uri, method, headers, body, status, text) in cases {
                let r = try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body))
                #expect(r.status == status, "\(method) \(uri): \(r.status) \(r.text)")
                #expect(r.headers[.contentType]?.contains("json") == true, "\(uri)")
                #expect(r.text.contains(text), "\(uri): \(r.text)")
            }
            // Oversized attachments: 413.
            let big = try await client.execute(uri: "/cases/\(id)/attachments", method: .post, headers: [.authorization: "Bearer sup", .contentType: "image/png"],
                                               body: ByteBuffer(bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0, count: 3 << 20)))
            #expect(big.status == .badRequest || big.status == .contentTooLarge, "\(big.status)")
            #expect(try fixture.counts() == before, "nothing was written")
        }
    }
}
