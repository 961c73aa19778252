import Foundation
import Testing

/// Users, tokens and the audit log from the command line, and a server that honours them.
@Suite(.serialized) struct AccessCommandTests {
    /// A store with one public and one confidential layer, imported through the CLI.
    static func store() throws -> (WorkDirectory, String) {
        let dir = WorkDirectory()
        let layers = dir.path + "/Layers"
        try FileManager.default.createDirectory(atPath: layers, withIntermediateDirectories: true)
        for (id, access) in [("open_points", "public"), ("secret", "confidential")] {
            try #"{"id": "\#(id)", "title": "\#(id)", "group": "test", "kind": "vector", "geometryType": "Point", "storageCrs": "EPSG:4490", "access": "\#(access)", "source": "test", "attributes": [{"name": "name", "type": "text"}]}"#
                .write(toFile: "\(layers)/\(id).json", atomically: true, encoding: .utf8)
        }
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a"},"geometry":{"type":"Point","coordinates":[116.8,38.3]}}]}"#
            .write(toFile: dir.path + "/p.geojson", atomically: true, encoding: .utf8)
        let store = dir.path + "/onemap.sqlite"
        for id in ["open_points", "secret"] {
            let r = try CLI.run(["import", dir.path + "/p.geojson", "--layer", id, "--store", store, "--layers", layers], in: dir.path)
            guard r.status == 0 else { throw ServeCommandTests.CLIFailure(text: r.stderr) }
        }
        return (dir, store)
    }

    /// GET with curl: the status and the body.
    static func get(_ url: String, token: String? = nil) -> (Int, String) {
        var arguments = ["-s", "-w", "\n%{http_code}", url]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        guard let r = try? CLI.run(executable: "/usr/bin/curl", arguments, in: NSTemporaryDirectory()) else { return (0, "") }
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test func usersTokensAndAuditFromTheCommandLine() throws {
        let (dir, store) = try Self.store()
        let layers = try CLI.run(["layers", "--json", "--store", store], in: dir.path)
        #expect(layers.stdout.contains("\"access\" : \"confidential\""), "\(layers.stdout)")

        // Without users the server says it serves public layers only.
        let log0 = dir.path + "/serve0.log"
        let bare = try ServeCommandTests.Server(store: store, cache: "none", log: log0)
        #expect(Self.get(bare.url + "ogc/collections/secret/items").0 == 404)
        #expect(bare.stop() == 0)
        #expect((try String(contentsOfFile: log0, encoding: .utf8)).contains("no users are configured"))

        let bad = try CLI.run(["user", "add", "ana", "--role", "wizard", "--store", store], in: dir.path)
        #expect(bad.status != 0 && bad.stderr.contains("unknown role 'wizard'"), "\(bad.stderr)")
        #expect(try CLI.run(["user", "add", "ana", "--role", "analyst", "--store", store], in: dir.path).status == 0)
        let created = try CLI.run(["token", "create", "ana", "--note", "QGIS", "--store", store], in: dir.path)
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(created.status == 0 && token.hasPrefix("om_") && created.stderr.contains("cannot be shown again"))
        let list = try CLI.run(["token", "list", "--store", store], in: dir.path)
        #expect(list.stdout.contains("ana") && list.stdout.contains("QGIS") && !list.stdout.contains(token))
        #expect(try CLI.run(["user", "list", "--store", store], in: dir.path).stdout.contains("analyst"))

        let log = dir.path + "/serve.log"
        let server = try ServeCommandTests.Server(store: store, cache: "none", log: log)
        #expect(Self.get(server.url + "ogc/collections/secret/items").0 == 404)
        let (status, body) = Self.get(server.url + "ogc/collections/secret/items", token: token)
        #expect(status == 200 && body.contains("\"name\":\"a\""))
        #expect(Self.get(server.url + "ogc/collections/secret/items?token=\(token)").0 == 200)
        #expect(Self.get(server.url + "ogc/collections/secret/items?token=om_\(String(repeating: "z", count: 40))").0 == 401)
        _ = Self.get(server.url + "nope?token=\(token)")
        #expect(server.stop() == 0)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(!text.isEmpty && !text.contains(token) && !text.contains(String(repeating: "z", count: 40)), "tokens must never be logged")
        #expect(!text.contains("no users are configured"))

        // The audit log: the token's creation and the confidential reads.
        let audit = try CLI.run(["audit", "--store", store], in: dir.path)
        #expect(audit.status == 0 && audit.stdout.contains("token.create") && audit.stdout.contains("user.save"), "\(audit.stdout)")
        let reads = audit.stdout.split(separator: "\n").filter { $0.contains(" read ") || $0.contains("| read") || $0.contains("read  ") }
        #expect(audit.stdout.contains("ana") && audit.stdout.contains("secret") && !reads.isEmpty, "\(audit.stdout)")
        let json = try CLI.run(["audit", "--json", "--layer", "secret", "--store", store], in: dir.path)
        #expect(json.stdout.contains("\"action\":\"read\"") && json.stdout.contains("\"principal\":\"ana\""), "\(json.stdout)")
        #expect(try CLI.run(["audit", "--since", "2999-01-01", "--store", store], in: dir.path).stdout.contains("no audit records"))
        let since = try CLI.run(["audit", "--since", "yesterday", "--store", store], in: dir.path)
        #expect(since.status != 0 && since.stderr.contains("ISO 8601"))

        // A revoked token stops working.
        let id = try #require(list.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init))
        #expect(try CLI.run(["token", "revoke", id, "--store", store], in: dir.path).status == 0)
        let again = try ServeCommandTests.Server(store: store, cache: "none")
        #expect(Self.get(again.url + "ogc/collections/secret/items", token: token).0 == 401)
        #expect(again.stop() == 0)
        #expect(try CLI.run(["token", "revoke", id, "--store", store], in: dir.path).status != 0)
    }
}
