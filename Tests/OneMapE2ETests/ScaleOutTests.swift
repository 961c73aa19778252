import Foundation
import OneMapTestSupport
import Testing

/// The scaled-out form: two `onemap serve` instances over one PostGIS database and one shared
/// tile cache directory, behind HAProxy (Debian's) on loopback, as the README describes it.
@Suite struct ScaleOutTests {
    /// A new database in the test cluster.
    static func database() throws -> String { try TestStores.newPostGISDatabase() }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// GET with curl: status and body bytes.
    static func fetch(_ url: String) -> (Int, Data) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "-o", "-", "-w", "%{http_code}", "--max-time", "10", url]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return (0, Data()) }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard data.count >= 3, let status = Int(String(decoding: data.suffix(3), as: UTF8.self)) else { return (0, data) }
        return (status, data.dropLast(3))
    }

    /// The change sequence an instance's snapshot has reached (`/health`'s storeVersion).
    static func storeVersion(_ base: String) -> Int {
        let (status, body) = fetch(base + "health")
        guard status == 200, let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return -1 }
        return (json["storeVersion"] as? NSNumber)?.intValue ?? -1
    }

    static let style = """
        {"version": 8, "name": "POIs", "center": [116.85, 38.31], "zoom": 14,
         "sources": {"onemap": {"type": "vector", "url": "onemap:"}},
         "layers": [
           {"id": "bg", "type": "background", "paint": {"background-color": "#ffffff"}},
           {"id": "pois", "type": "circle", "source": "onemap", "source-layer": "pois", "paint": {"circle-radius": 8, "circle-color": "#c00000"}}]}
        """

    /// The z14 Web Mercator tile holding a point.
    static func tile(_ lon: Double, _ lat: Double, z: Int = 14) -> String {
        let n = Double(1 << z)
        let x = Int((lon + 180) / 360 * n)
        let y = Int((1 - asinh(tan(lat * .pi / 180)) / .pi) / 2 * n)
        return "tiles/pois/WebMercatorQuad/\(z)/\(x)/\(y).png"
    }

    @Test func twoInstancesShareOneDatabaseAndCacheAndOneKeepsAnsweringWhenTheOtherDies() throws {
        let dir = WorkDirectory()
        let url = try Self.database()
        let fm = FileManager.default
        for sub in ["Layers", "Styles", "cache"] { try fm.createDirectory(atPath: dir.path + "/" + sub, withIntermediateDirectories: true) }
        try Self.style.write(toFile: dir.path + "/Styles/pois.json", atomically: true, encoding: .utf8)
        let imported = try CLI.run(["import", CLI.fixture("points.geojson"), "--layer", "pois", "--store", url, "--layers", dir.path + "/Layers"], in: dir.path)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try CLI.run(["user", "add", "ed", "--role", "editor", "--store", url], in: dir.path).status == 0)
        let token = try CLI.run(["token", "create", "ed", "--store", url], in: dir.path).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("om_"))

        let options = ["--styles", dir.path + "/Styles"]
        let a = try ServeCommandTests.Server(store: url, cache: dir.path + "/cache", layers: dir.path + "/Layers", options: options)
        let b = try ServeCommandTests.Server(store: url, cache: dir.path + "/cache", layers: dir.path + "/Layers", options: options)

        // A tile drawn by A lands in the shared cache, and B answers it the same.
        let tile = Self.tile(116.853, 38.306)
        let (s1, fromA) = Self.fetch(a.url + tile)
        let (s2, fromB) = Self.fetch(b.url + tile)
        #expect(s1 == 200 && s2 == 200 && fromA == fromB && !fromA.isEmpty)
        let cached = (fm.enumerator(atPath: dir.path + "/cache")?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".png") || $0.contains("/14/") }
        #expect(!cached.isEmpty, "nothing in the shared cache")

        // An edit through A: B serves the feature, and its tile over the edit goes stale within a second.
        let body = #"{"type": "Feature", "properties": {"name": "新站点", "kind": "station"}, "geometry": {"type": "Point", "coordinates": [116.853, 38.306]}}"#
        let post = try CLI.run(executable: "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-X", "POST",
                                                             "-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/geo+json",
                                                             "--data-binary", body, a.url + "ogc/collections/pois/items"], in: dir.path)
        #expect(post.stdout.hasPrefix("201"), "\(post.stdout)")
        let edited = Date()
        // Within a second B knows of the change (its snapshot, which every tile's freshness is
        // judged by, reaches A's sequence)…
        let sequence = Self.storeVersion(a.url)
        var known = Self.storeVersion(b.url)
        while known < sequence && Date().timeIntervalSince(edited) < 1 {
            usleep(10_000)
            known = Self.storeVersion(b.url)
        }
        #expect(sequence > 0 && known >= sequence, "B knew of change \(known), A made \(sequence), after \(Date().timeIntervalSince(edited)) s")
        // …so its tile over the edit is drawn again, with the new point (rendering may take longer
        // on a loaded machine than the news did).
        var fresh = Data()
        while Date().timeIntervalSince(edited) < 15 {
            fresh = Self.fetch(b.url + tile).1
            if fresh != fromB { break }
            usleep(20_000)
        }
        #expect(fresh != fromB, "B still served the tile from before the edit")
        let items = Self.fetch(b.url + "ogc/collections/pois/items?limit=10")
        #expect(items.0 == 200 && String(decoding: items.1, as: UTF8.self).contains("新站点"))

        // HAProxy in front of both; A is killed in the middle of the traffic.
        let port = Self.freePort()
        func hostPort(_ u: String) -> String { URLComponents(string: u).map { "\($0.host!):\($0.port!)" } ?? "" }
        let config = """
            global
                maxconn 256
            defaults
                mode http
                timeout connect 1s
                timeout client 10s
                timeout server 10s
                retries 3
                option redispatch 1
                retry-on conn-failure empty-response response-timeout
            frontend onemap
                bind 127.0.0.1:\(port)
                default_backend instances
            backend instances
                balance roundrobin
                option httpchk GET /health
                default-server inter 300ms fall 2 rise 1
                server a \(hostPort(a.url)) check
                server b \(hostPort(b.url)) check
            """
        try (config + "\n").write(toFile: dir.path + "/haproxy.cfg", atomically: true, encoding: .utf8)
        let haproxy = Process()
        haproxy.executableURL = URL(fileURLWithPath: "/usr/sbin/haproxy")
        haproxy.arguments = ["-f", dir.path + "/haproxy.cfg", "-db"]
        _ = fm.createFile(atPath: dir.path + "/haproxy.log", contents: nil)
        let haproxyLog = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path + "/haproxy.log"))
        haproxy.standardOutput = haproxyLog
        haproxy.standardError = haproxyLog
        try haproxy.run()
        defer { haproxy.terminate(); haproxy.waitUntilExit() }
        let front = "http://127.0.0.1:\(port)/"
        let ready = Date()
        while Self.fetch(front + "health").0 != 200 && Date().timeIntervalSince(ready) < 10 { usleep(50_000) }
        try #require(Self.fetch(front + "health").0 == 200, "HAProxy did not answer: \((try? String(contentsOfFile: dir.path + "/haproxy.log", encoding: .utf8)) ?? "")")

        var failures: [String] = []
        for i in 0..<120 {
            if i == 40 { kill(a.process.processIdentifier, SIGKILL) }
            let path = i % 2 == 0 ? "ogc/collections/pois/items?limit=5" : Self.tile(116.853 + Double(i % 7) * 0.01, 38.306)
            let (status, _) = Self.fetch(front + path)
            if status != 200 { failures.append("\(i) \(path): \(status)") }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(!a.process.isRunning)
        #expect(Self.fetch(b.url + "health").0 == 200)
        _ = b.stop()
    }
}
