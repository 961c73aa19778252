import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapAnalysis
import OneMapGeometry
import OneMapTestSupport
import Synchronization
import Testing

@testable import OneMapServer
@testable import OneMapStore

/// The emergency city served in process, with a commander, a unit and a viewer.
final class EmergencyServerFixture: RouterFixture, @unchecked Sendable {
    struct Tokens: Authenticator {
        static let people: [String: Principal] = [
            "cmd": Principal(name: "cmd.test", roles: ["emergency"], level: .confidential),
            "unit": Principal(name: "unit.fire-01", roles: ["unit"], level: .internal),
            "unit2": Principal(name: "unit.fire-02", roles: ["unit"], level: .internal),
            "viewer": Principal(name: "viewer.test", roles: ["viewer"], level: .internal),
        ]
        func principal(forToken token: String) throws -> Principal? { Self.people[token] }
    }

    let directory = NSTemporaryDirectory() + "onemap-emergency-routes-" + UUID().uuidString
    let services: AppServices

    init() throws {
        let city = try EmergencyCity.build(in: directory)
        // One map drawing the DEM (the repository's maps need the whole demo city).
        try FileManager.default.createDirectory(atPath: directory + "/Styles", withIntermediateDirectories: true)
        try #"""
        {"version": 8, "name": "relief", "sources": {"dem": {"type": "raster-dem", "url": "onemap:dem"}},
         "layers": [{"id": "relief", "type": "color-relief", "source": "dem",
                     "paint": {"color-relief-color": ["interpolate", ["linear"], ["elevation"], 0, "#2b83ba", 20, "#d7191c"]}}]}
        """#.write(toFile: directory + "/Styles/relief.json", atomically: true, encoding: .utf8)
        var configuration = ServerConfiguration(storePath: city.path, stylesDirectory: directory + "/Styles", webDirectory: Repo.path("Web"))
        configuration.layersDirectory = directory + "/Layers"
        configuration.cacheDirectory = nil
        services = try AppServices(configuration: configuration, authenticator: Tokens())
    }

    deinit {
        services.pool.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func as_(_ who: String) -> HTTPFields { [.authorization: "Bearer \(who)", .contentType: "application/json"] }
    static let leak = #"{"title": "化工厂泄漏", "category": "accident", "subtype": "危险化学品泄漏", "level": "II", "geometry": {"type": "Point", "coordinates": [116.85, 38.30]}}"#

    func incidentCount() throws -> Int { try services.store.incidents.incidents(statuses: nil).count }
}

@Suite struct EmergencyRoutesTests {
    @Test func incidentsAreCreatedChangedAndListedByTheRightPeople() async throws {
        let fixture = try await OwnThread.build { try EmergencyServerFixture() }
        try await fixture.test { client in
            let created = try await client.execute(uri: "/incidents", method: .post, headers: EmergencyServerFixture.as_("cmd"),
                                                   body: ByteBuffer(string: EmergencyServerFixture.leak))
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.json["id"]?.number.map { Int($0) })
            #expect(created.json["properties"]?["levelName"]?.string == "重大" && created.json["properties"]?["status"]?.string == "reported")
            // Refused: a viewer, an unknown category, a bad body; nothing is stored.
            let forbidden = try await client.execute(uri: "/incidents", method: .post, headers: EmergencyServerFixture.as_("viewer"),
                                                     body: ByteBuffer(string: EmergencyServerFixture.leak))
            #expect(forbidden.status == .forbidden && forbidden.json["code"] != nil)
            for body in [EmergencyServerFixture.leak.replacingOccurrences(of: "accident", with: "weather"), "[1]", "{", #"{"colour": "red"}"#,
                         EmergencyServerFixture.leak.replacingOccurrences(of: "116.85", with: "416.85")] {
                let r = try await client.execute(uri: "/incidents", method: .post, headers: EmergencyServerFixture.as_("cmd"), body: ByteBuffer(string: body))
                #expect(r.status == .badRequest, "\(body): \(r.status) \(r.text)")
            }
            #expect(try fixture.incidentCount() == 1)
            // Changed with the version seen; a stale version is a conflict and changes nothing.
            let patched = try await client.execute(uri: "/incidents/\(id)", method: .patch, headers: EmergencyServerFixture.as_("cmd"),
                                                   body: ByteBuffer(string: #"{"status": "responding", "version": 1}"#))
            #expect(patched.status == .ok && patched.json["properties"]?["version"]?.number == 2)
            let stale = try await client.execute(uri: "/incidents/\(id)", method: .patch, headers: EmergencyServerFixture.as_("cmd"),
                                                 body: ByteBuffer(string: #"{"status": "closed", "version": 1}"#))
            #expect(stale.status == .conflict)
            #expect(try await client.execute(uri: "/incidents/999", method: .get, headers: EmergencyServerFixture.as_("viewer")).status == .notFound)
            // Listed for a viewer; hidden from anonymous callers (the layer is internal); an OGC collection too.
            let list = try await client.execute(uri: "/incidents", method: .get, headers: EmergencyServerFixture.as_("viewer"))
            #expect(list.json["features"]?.array?.first?["properties"]?["status"]?.string == "responding")
            #expect(try await client.execute(uri: "/incidents", method: .get).status == .notFound)
            let items = try await client.execute(uri: "/ogc/collections/incidents/items?f=json", method: .get, headers: EmergencyServerFixture.as_("viewer"))
            #expect(items.json["features"]?.array?.count == 1, "\(items.text)")
            let rules = try await client.execute(uri: "/incidents/rules", method: .get, headers: EmergencyServerFixture.as_("viewer")).json
            #expect(rules["categories"]?.array?.count == 4)
        }
    }

    @Test func elevationAndProcessesOverHTTP() async throws {
        let fixture = try await OwnThread.build { try EmergencyServerFixture() }
        try await fixture.test { client in
            let c = EmergencyCity.demCellCentre(15, 20)
            let e = try await client.execute(uri: "/elevation?lon=\(c.x)&lat=\(c.y)", method: .get)
            #expect(e.status == .ok && e.json["elevation"]?.number == 2, "\(e.text)")
            #expect(try await client.execute(uri: "/elevation?lon=100&lat=30", method: .get).status == .notFound)
            // Identify on a map that draws the DEM answers the stored elevation too.
            let identified = try await client.execute(uri: "/maps/relief/identify?lon=\(c.x)&lat=\(c.y)&zoom=14", method: .get)
            let dem = identified.json["features"]?.array?.first { $0["layer"]?["id"]?.string == "dem" }
            #expect(dem?["properties"]?["elevation"]?.number == 2, "\(identified.text)")
            #expect(try await client.execute(uri: "/elevation?lon=abc&lat=30", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/elevation?lon=116.85&lat=38.3&layer=schools", method: .get).status == .badRequest)
            let list = try await client.execute(uri: "/ogc/processes?f=json", method: .get).json
            let ids = Set(list["processes"]?.array?.compactMap { $0["id"]?.string } ?? [])
            #expect(ids.isSuperset(of: ["impact-rings", "nearest-resources", "service-area", "route", "flood", "shelter-allocation", "elevation-profile"]))
            let rings = try await client.execute(uri: "/ogc/processes/impact-rings/execution", method: .post, headers: EmergencyServerFixture.as_("cmd"),
                                                 body: ByteBuffer(string: #"{"inputs": {"geometry": {"type": "Point", "coordinates": [116.85, 38.30]}, "radii": [1000]}}"#))
            #expect(rings.status == .ok, "\(rings.text)")
            let bad = try await client.execute(uri: "/ogc/processes/flood/execution", method: .post, headers: EmergencyServerFixture.as_("cmd"),
                                               body: ByteBuffer(string: #"{"inputs": {"level": 1}}"#))
            #expect(bad.status == .badRequest && bad.text.contains("level"), "\(bad.text)")
        }
    }

    @Test func unitsReportPositionsWithinTheirRateAndTracksReplay() async throws {
        let fixture = try await OwnThread.build { try EmergencyServerFixture() }
        try await fixture.test { client in
            let one = #"{"unit": "fire-01", "kind": "fire", "name": "一中队", "location": [116.85, 38.30], "heading": 90, "speed": 40}"#
            #expect(try await client.execute(uri: "/live/positions", method: .post, headers: EmergencyServerFixture.as_("unit"), body: ByteBuffer(string: one)).status == .noContent)
            // Refused without the role, for bad reports; nothing kept.
            #expect(try await client.execute(uri: "/live/positions", method: .post, headers: EmergencyServerFixture.as_("viewer"), body: ByteBuffer(string: one)).status == .forbidden)
            for bad in [one.replacingOccurrences(of: "\"fire\"", with: "\"tank\""), one.replacingOccurrences(of: "116.85", with: "516.85"),
                        one.replacingOccurrences(of: "fire-01", with: "fire 01!"), #"{"positions": 3}"#, #"{"positions": []}"#] {
                let r = try await client.execute(uri: "/live/positions", method: .post, headers: EmergencyServerFixture.as_("unit"), body: ByteBuffer(string: bad))
                #expect(r.status == .badRequest, "\(bad): \(r.status)")
            }
            #expect(try fixture.services.store.incidents.positions(since: "").count == 1)
            // A flood of reports over the per-token rate: 429 with Retry-After; other tokens still report.
            // The token's bucket emptied (by a second's worth of reports, stamped a minute ahead so a
            // slow machine cannot refill it before the next request), then one more over HTTP.
            let live = try #require(fixture.services.live)
            let burst = (0..<1000).map { i in UnitPosition(unit: "u\(i)", kind: "rescue", name: "", location: Coordinate(116.85, 38.30), at: "", reporter: "") }
            try live.report(burst, by: EmergencyServerFixture.Tokens.people["unit"]!, now: Date().addingTimeInterval(60))
            let limited = try await client.execute(uri: "/live/positions", method: .post, headers: EmergencyServerFixture.as_("unit"), body: ByteBuffer(string: one))
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] != nil)
            #expect(try await client.execute(uri: "/live/positions", method: .post, headers: EmergencyServerFixture.as_("unit2"), body: ByteBuffer(string: one)).status == .noContent)
            let units = try await client.execute(uri: "/live/units", method: .get, headers: EmergencyServerFixture.as_("viewer")).json
            #expect(units["units"]?.array?.first { $0["unit"]?.string == "fire-01" }?["speed"]?.number == 40)
            let replay = try await client.execute(uri: "/live/replay?minutes=10", method: .get, headers: EmergencyServerFixture.as_("viewer")).json
            let track = replay["features"]?.array?.first { $0["id"]?.string == "fire-01" }
            #expect(track?["properties"]?["times"]?.array?.count == 2)
            #expect(try await client.execute(uri: "/live/replay?minutes=0", method: .get, headers: EmergencyServerFixture.as_("viewer")).status == .badRequest)
            #expect(try await client.execute(uri: "/live/replay?minutes=10", method: .get).status == .notFound)
        }
    }

    @Test func commandScreensHearPositionsAndIncidentsAsTheyHappen() async throws {
        let fixture = try await OwnThread.build { try EmergencyServerFixture() }
        let app = buildApplication(fixture.services)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let listener = try EventStreamReader(port: port, path: "/live", token: "viewer")
            defer { listener.close() }
            #expect(try await listener.wait(for: "event: snapshot"))
            let one = #"{"unit": "fire-01", "kind": "fire", "location": [116.851, 38.301]}"#
            #expect(try await client.execute(uri: "/live/positions", method: .post, headers: EmergencyServerFixture.as_("unit"), body: ByteBuffer(string: one)).status == .noContent)
            #expect(try await listener.wait(for: "116.851"))
            #expect(try await client.execute(uri: "/incidents", method: .post, headers: EmergencyServerFixture.as_("cmd"),
                                             body: ByteBuffer(string: EmergencyServerFixture.leak)).status == .created)
            #expect(try await listener.wait(for: "event: incident"))
            #expect(listener.text.contains("text/event-stream"))
        }
    }
}

/// Reads a Server-Sent Events stream on a socket of its own (on a thread of its own, off the
/// concurrency pool the in-process server needs).
final class EventStreamReader: @unchecked Sendable {
    private let fd: Int32
    private let received = Buffer()

    final class Buffer: Sendable {
        let text = Mutex("")
    }

    init(port: Int, path: String, token: String) throws {
        let fd = try TestSocket.connect(port: port)
        self.fd = fd
        let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n".utf8)
        _ = send(fd, request, request.count, 0)
        let received = self.received
        Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { break }
                received.text.withLock { $0 += String(decoding: buffer[0..<n], as: UTF8.self) }
            }
        }.start()
    }

    var text: String { received.text.withLock { $0 } }

    /// Whether `needle` arrives within 10 s.
    func wait(for needle: String) async throws -> Bool {
        for _ in 0..<200 {
            if text.contains(needle) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    func close() { shutdown(fd, Int32(SHUT_RDWR)); Glibc.close(fd) }
}
