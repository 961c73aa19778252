import Foundation
import GRDB
import Testing

@testable import OneMapStore

@Suite struct AccessTests {
    @Test func sha256MatchesTheStandardVectors() {
        #expect(Store.tokenHash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Store.tokenHash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Store.tokenHash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Store.tokenHash(String(repeating: "a", count: 1000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test(spatiaLiteOnly) func tokensAreStoredOnlyAsHashesAndResolveToTheirRoles() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        #expect(try !store.hasUsers())
        try store.saveRole(Role(name: "water_team", level: .public, readLayers: ["wells"], writeLayers: ["wells"]))
        try store.saveUser("li.ming", roles: ["viewer", "water_team"])
        #expect(try store.hasUsers())
        let (id, token) = try store.createToken(for: "li.ming", note: "QGIS")
        #expect(token.hasPrefix("om_") && token.count == 43)
        let p = try #require(try store.principal(forToken: token))
        #expect(p.name == "li.ming" && p.level == .internal && p.extraLayers == ["wells"] && p.writableLayers == ["wells"])
        // The token itself is nowhere in the file; its hash is.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir.file("test.sqlite")))
            + ((try? Data(contentsOf: URL(fileURLWithPath: dir.file("test.sqlite-wal")))) ?? Data())
        #expect(bytes.range(of: Data(token.utf8)) == nil)
        #expect(bytes.range(of: Data(Store.tokenHash(token).utf8)) != nil)
        #expect(try store.principal(forToken: "om_" + String(repeating: "x", count: 40)) == nil)
        #expect(try store.principal(forToken: token + "x") == nil)
        try store.revokeToken(id)
        #expect(try store.principal(forToken: token) == nil)
        #expect(throws: StoreError.self) { try store.revokeToken(id) }
        #expect(try store.tokens().first?.revokedAt != nil)
        // Bad names and unknown roles change nothing.
        #expect(throws: StoreError.self) { try store.saveUser("bad name", roles: ["viewer"]) }
        #expect(throws: StoreError.self) { try store.saveUser("wang", roles: ["wizard"]) }
        #expect(throws: StoreError.self) { _ = try store.createToken(for: "nobody") }
        #expect(try store.users().map(\.name) == ["li.ming"])
        let actions = try store.auditRecords().map(\.action)
        #expect(actions == ["role.save", "user.save", "token.create", "token.revoke"])
        // Removing a user revokes their tokens.
        let second = try store.createToken(for: "li.ming")
        try store.removeUser("li.ming")
        #expect(try store.principal(forToken: second.token) == nil)
    }

    @Test func readsOfConfidentialLayersAreAuditedInBatches() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let layersDir = dir.file("layers")
        try FileManager.default.createDirectory(atPath: layersDir, withIntermediateDirectories: true)
        try #"{"id": "secret", "title": "S", "group": "g", "kind": "vector", "geometryType": "Point", "storageCrs": "EPSG:4490", "access": "confidential", "source": "t", "attributes": []}"#
            .write(toFile: layersDir + "/secret.json", atomically: true, encoding: .utf8)
        try #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[116.8,38.3]}}]}"#
            .write(toFile: dir.file("p.geojson"), atomically: true, encoding: .utf8)
        _ = try store.importLayer(ImportRequest(source: dir.file("p.geojson"), layerID: "secret", layersDirectory: layersDir))
        let analyst = Principal(name: "ana", level: .confidential)
        #expect(throws: StoreError.layerNotFound("secret")) { try store.layer("secret", for: .anonymous) }
        for _ in 0..<3 { _ = try store.features(in: "secret", for: analyst) }
        _ = try store.features(in: "secret", for: .system)
        try store.flushReadLog()
        let reads = try store.auditRecords().filter { $0.action == "read" }
        #expect(reads.count == 1 && reads[0].principal == "ana" && reads[0].layerID == "secret" && reads[0].detail == "3 reads")
        try store.flushReadLog()
        #expect(try store.auditRecords().filter { $0.action == "read" }.count == 1)
    }
}
