import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapServer

/// The OpenAPI document as a contract: every operation it lists, asked validly and invalidly,
/// answers with a status the document lists, in the media type it names.
@Suite struct OpenAPIContractTests {
    /// Path parameters filled in: an existing feature, a job that does not exist.
    static func concrete(_ path: String) -> String {
        "/ogc" + path.replacingOccurrences(of: "{featureId}", with: "1").replacingOccurrences(of: "{jobId}", with: "nosuchjob")
    }

    static func mediaType(_ response: TestResponse) -> String {
        String(response.headers[.contentType]?.split(separator: ";").first ?? "")
    }

    @Test func everyOperationAnswersAsTheDocumentSays() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture(users: true) }
        let editor: HTTPFields = [.authorization: "Bearer \(fixture.tokens["editor"]!)"]
        try await fixture.test { client in
            let document = try await client.execute(uri: "/ogc/api", method: .get, headers: editor)
            let api = document.json
            let parameters = try #require(api["components"]?["parameters"])
            let paths = try #require(api["paths"]?.object)
            var checked = 0
            for (path, item) in paths where !path.hasPrefix("/cases") && !path.hasPrefix("/geocode") {
                for (method, operation) in item.object ?? [] where ["get", "post", "put", "patch", "delete"].contains(method) {
                    let documented = Set(operation["responses"]?.object?.map(\.0) ?? [])
                    let uri = Self.concrete(path)
                    let verb = HTTPRequest.Method(rawValue: method.uppercased())!
                    func expectDocumented(_ r: TestResponse, _ what: String) {
                        #expect(documented.contains(String(r.status.code)), "\(method) \(path) \(what): \(r.status.code) is not among \(documented.sorted())")
                        if let content = operation["responses"]?[String(r.status.code)]?["content"]?.object?.map({ String($0.0.split(separator: ";")[0]) }),
                           r.status.code < 300 {
                            #expect(content.contains(Self.mediaType(r)), "\(method) \(path) \(what): \(Self.mediaType(r)) is not among \(content)")
                        }
                        checked += 1
                    }
                    if verb == .get {
                        expectDocumented(try await client.execute(uri: uri, method: .get, headers: editor), "valid")
                        // Each enumerated or bounded parameter, given a value outside its schema.
                        for p in operation["parameters"]?.array ?? [] {
                            let resolved = p["$ref"]?.string.flatMap { parameters[$0.components(separatedBy: "/").last!] } ?? p
                            guard resolved["in"]?.string == "query", let name = resolved["name"]?.string, let schema = resolved["schema"] else { continue }
                            let bad: String? = schema["enum"] != nil ? "bogus" : schema["minimum"] != nil ? "-5" : schema["type"]?.string == "boolean" ? "maybe" : nil
                            guard let bad else { continue }
                            let r = try await client.execute(uri: "\(uri)?\(name)=\(bad)", method: .get, headers: editor)
                            // A format the operation does not write is 406; any other value outside the schema 400.
                            #expect(r.status == (name == "f" ? .notAcceptable : .badRequest), "GET \(path)?\(name)=\(bad): \(r.status.code)")
                            expectDocumented(r, "\(name)=\(bad)")
                        }
                    } else if operation["requestBody"] != nil {
                        let r = try await client.execute(uri: uri, method: verb, headers: editor.merging([.contentType: "application/json"]),
                                                         body: ByteBuffer(string: "{"))
                        #expect(r.status == .badRequest, "\(method) \(path) with a broken body: \(r.status.code)")
                        expectDocumented(r, "broken body")
                    } else {
                        let r = try await client.execute(uri: uri.replacingOccurrences(of: "/items/1", with: "/items/999999"), method: verb, headers: editor)
                        expectDocumented(r, "unknown id")
                    }
                }
            }
            #expect(checked > 50, "\(checked) answers checked")
        }
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var out = self
        for field in other { out[field.name] = field.value }
        return out
    }
}
