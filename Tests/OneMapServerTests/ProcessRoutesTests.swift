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

/// The planning city served in process, with the test tokens (reader: internal level).
final class PlanningServerFixture: RouterFixture, @unchecked Sendable {
    let directory = NSTemporaryDirectory() + "onemap-processes-" + UUID().uuidString
    let services: AppServices
    static let reader: HTTPFields = [.authorization: "Bearer reader-token", .contentType: "application/json"]
    static let editor: HTTPFields = [.authorization: "Bearer editor-token", .contentType: "application/json"]

    init() throws {
        let city = try PlanningCity.build(in: directory)
        var configuration = ServerConfiguration(storePath: city.path, stylesDirectory: Repo.path("Styles"), webDirectory: Repo.path("Web"))
        configuration.layersDirectory = directory + "/Layers"
        configuration.cacheDirectory = nil
        services = try AppServices(configuration: configuration, authenticator: TestAuthenticator())
    }

    deinit {
        services.pool.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func body(_ inputs: String) -> ByteBuffer { ByteBuffer(string: #"{"inputs": \#(inputs)}"#) }
    static let compliantSite = #"{"type":"Polygon","coordinates":[[[116.822,38.305],[116.826,38.305],[116.826,38.309],[116.822,38.309],[116.822,38.305]]]}"#
    static let farmlandSite = #"{"type":"Polygon","coordinates":[[[116.805,38.302],[116.815,38.302],[116.815,38.306],[116.805,38.306],[116.805,38.302]]]}"#
}

/// The text of a PDF, through poppler's `pdftotext`.
func pdfText(_ bytes: [UInt8]) throws -> String {
    let path = NSTemporaryDirectory() + "onemap-" + UUID().uuidString + ".pdf"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/pdftotext")
    process.arguments = ["-layout", path, "-"]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return text
}

@Suite struct ProcessRoutesTests {
    @Test func processesAreListedDescribedAndDeclared() async throws {
        let fixture = try await OwnThread.build { try PlanningServerFixture() }
        try await fixture.test { client in
            let list = try await client.execute(uri: "/ogc/processes", method: .get).json
            #expect(list["processes"]?.array?.compactMap { $0["id"]?.string } == ["site-review", "control-line-conflicts", "plan-compare", "area-statistics"])
            #expect(list["processes"]?.array?.first?["title"]?.string == "选址合规性审查")
            let review = try await client.execute(uri: "/ogc/processes/site-review", method: .get).json
            #expect(review["inputs"]?["use"]?["schema"]?["type"]?.string == "string" && review["inputs"]?["use"]?["minOccurs"]?.number == 1)
            #expect(review["outputs"]?["report"] != nil)
            #expect(review["jobControlOptions"]?.array?.count == 3)
            let conformance = try await client.execute(uri: "/ogc/conformance", method: .get).text
            for c in OGCProcessesRoutes.conformance { #expect(conformance.contains(c), "\(c)") }
            let landing = try await client.execute(uri: "/ogc", method: .get).text
            #expect(landing.contains("/ogc/processes") && landing.contains("/ogc/jobs"))
            let api = try await client.execute(uri: "/ogc/api", method: .get).json
            #expect(api["paths"]?["/processes/site-review/execution"]?["post"] != nil && api["paths"]?["/jobs/{jobId}/results"] != nil)
            let html = try await client.execute(uri: "/ogc/processes?f=html", method: .get)
            #expect(html.headers[.contentType]?.hasPrefix("text/html") == true && html.text.contains("选址合规性审查"))
        }
    }

    @Test func aSynchronousReviewAnswersTheReportAndKeepsTheJob() async throws {
        let fixture = try await OwnThread.build { try PlanningServerFixture() }
        try await fixture.test { client in
            let r = try await client.execute(uri: "/ogc/processes/site-review/execution", method: .post, headers: PlanningServerFixture.reader,
                                             body: PlanningServerFixture.body(#"{"site": \#(PlanningServerFixture.farmlandSite), "use": "0701"}"#))
            #expect(r.status == .ok, "\(r.text)")
            let report = r.json
            #expect(report["status"]?.string == "violation")
            #expect(report["rules"]?.array?.first { $0["rule"]?.string == "三线协调·永久基本农田" }?["conflict"] != nil)
            let link = try #require(r.headers[HTTPField.Name("Link")!])
            let id = try #require(link.split(separator: "/").last?.split(separator: ">").first.map(String.init))
            let jobs = try await client.execute(uri: "/ogc/jobs", method: .get, headers: PlanningServerFixture.reader).json
            #expect(jobs["jobs"]?.array?.compactMap { $0["jobID"]?.string } == [id])
            // Another caller sees neither the job nor its results.
            let other = try await client.execute(uri: "/ogc/jobs/\(id)", method: .get, headers: PlanningServerFixture.editor)
            #expect(other.status == .notFound && other.json["type"]?.string == "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-job")
            // The document form.
            let document = try await client.execute(uri: "/ogc/processes/site-review/execution", method: .post, headers: PlanningServerFixture.reader,
                                                    body: ByteBuffer(string: #"{"inputs": {"site": \#(PlanningServerFixture.compliantSite), "use": "0701"}, "response": "document"}"#))
            #expect(document.json["report"]?["status"] != nil)
        }
    }

    @Test func anAsynchronousReviewIsAJobWithAReportInHTMLAndPDF() async throws {
        let fixture = try await OwnThread.build { try PlanningServerFixture() }
        try await fixture.test { client in
            var headers = PlanningServerFixture.reader
            headers[HTTPField.Name("Prefer")!] = "respond-async"
            let r = try await client.execute(uri: "/ogc/processes/site-review/execution", method: .post, headers: headers,
                                             body: PlanningServerFixture.body(#"{"site": \#(PlanningServerFixture.farmlandSite), "use": "0701", "project": "西区住宅", "caseNumber": "规审2026-001"}"#))
            #expect(r.status == .created, "\(r.text)")
            let location = try #require(r.headers[.location])
            let id = r.json["jobID"]?.string ?? ""
            #expect(location.hasSuffix("/ogc/jobs/\(id)") && ["accepted", "running", "successful"].contains(r.json["status"]?.string ?? ""))
            var status = ""
            for _ in 0..<300 {
                status = try await client.execute(uri: "/ogc/jobs/\(id)", method: .get, headers: PlanningServerFixture.reader).json["status"]?.string ?? ""
                if status == "successful" || status == "failed" { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(status == "successful")
            let results = try await client.execute(uri: "/ogc/jobs/\(id)/results", method: .get, headers: PlanningServerFixture.reader).json
            #expect(results["report"]?["status"]?.string == "violation")
            let html = try await client.execute(uri: "/ogc/jobs/\(id)/results?f=html", method: .get, headers: PlanningServerFixture.reader)
            #expect(html.headers[.contentType]?.hasPrefix("text/html") == true && html.text.contains("审查结论：违规") && html.text.contains("西区住宅"))
            let pdf = try await client.execute(uri: "/ogc/jobs/\(id)/results?f=pdf", method: .get, headers: PlanningServerFixture.reader)
            #expect(pdf.headers[.contentType] == "application/pdf" && pdf.bytes.starts(with: Array("%PDF".utf8)))
            let text = try pdfText(pdf.bytes)
            #expect(text.contains("建设项目选址合规性审查报告") && text.contains("审查结论：违规") && text.contains("规审2026-001") && text.contains("三线协调·永久基本农田"), "\(text.prefix(800))")
            let map = try await client.execute(uri: "/ogc/jobs/\(id)/results/map.png", method: .get, headers: PlanningServerFixture.reader)
            #expect(map.headers[.contentType] == "image/png" && map.bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            // Dismissed: gone, and says so.
            let dismissed = try await client.execute(uri: "/ogc/jobs/\(id)", method: .delete, headers: PlanningServerFixture.reader)
            #expect(dismissed.json["status"]?.string == "dismissed")
            #expect(try await client.execute(uri: "/ogc/jobs/\(id)/results", method: .get, headers: PlanningServerFixture.reader).status == .gone)
        }
    }

    @Test func badRequestsAreOGCExceptionsAndWriteNothing() async throws {
        let fixture = try await OwnThread.build { try PlanningServerFixture() }
        let square = PlanningServerFixture.compliantSite
        try fixture.services.store.jobs.insertJob(JobRecord(id: "still-running", processID: "site-review", owner: "reader", status: .running,
                                                            created: "2026-12-04T08:00:00Z", inputs: "{}"))
        try await fixture.test { client in
            let cases: [(String, String, HTTPResponse.Status, String)] = [
                ("/ogc/processes/site-review/execution", #"{"inputs": {"site": {"type":"Point","coordinates":[116.82,38.30]}, "use": "0701"}}"#, .badRequest, "site"),
                ("/ogc/processes/site-review/execution", #"{"inputs": {"site": {"type":"Polygon","coordinates":[]}, "use": "0701"}}"#, .badRequest, "site"),
                ("/ogc/processes/site-review/execution", #"{"inputs": {"site": {"type":"Polygon","coordinates":[[[110,30],[120,30],[120,40],[110,40],[110,30]]]}, "use": "0701"}}"#, .badRequest, "km²"),
                ("/ogc/processes/site-review/execution", #"{"inputs": {"site": \#(square), "use": "0701", "crs": "EPSG:999999"}}"#, .badRequest, "crs"),
                ("/ogc/processes/site-review/execution", #"{"inputs": {"site": \#(square), "use": "7777"}}"#, .badRequest, "use"),
                ("/ogc/processes/site-review/execution", #"{"inputs": {"site": \#(square)}}"#, .badRequest, "use"),
                ("/ogc/processes/site-review/execution", #"{"inputs": [1, 2]}"#, .badRequest, "inputs"),
                ("/ogc/processes/site-review/execution", #"{"inputs": {"site": "#, .badRequest, "JSON"),
                ("/ogc/processes/site-review/execution", #"{"inputs": {}, "response": "stream"}"#, .badRequest, "response"),
                ("/ogc/processes/site-review/execution", #"{"inputs": {}, "extra": 1}"#, .badRequest, "extra"),
                ("/ogc/processes/nope/execution", #"{"inputs": {}}"#, .notFound, "nope"),
                ("/ogc/processes/area-statistics/execution", #"{"inputs": {"layer": "landuse", "classField": "nosuch", "region": \#(square)}}"#, .badRequest, "classField"),
                ("/ogc/processes/area-statistics/execution", #"{"inputs": {"layer": "hazmat_sites", "classField": "name", "region": \#(square)}}"#, .badRequest, "layer"),
            ]
            for (uri, body, status, detail) in cases {
                let r = try await client.execute(uri: uri, method: .post, headers: PlanningServerFixture.reader, body: ByteBuffer(string: body))
                #expect(r.status == status, "\(body): \(r.status) \(r.text)")
                #expect(r.headers[.contentType] == "application/problem+json", "\(body)")
                let problem = r.json
                #expect(problem["type"]?.string != nil && problem["title"]?.string != nil && problem["detail"]?.string?.contains(detail) == true, "\(body): \(r.text)")
            }
            for (uri, type) in [("/ogc/processes/nope", "no-such-process"), ("/ogc/jobs/nope", "no-such-job"), ("/ogc/jobs/nope/results", "no-such-job"),
                                ("/ogc/jobs/still-running/results", "result-not-ready")] {
                let r = try await client.execute(uri: uri, method: .get, headers: PlanningServerFixture.reader)
                #expect(r.status == .notFound && r.json["type"]?.string == "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/\(type)", "\(uri): \(r.text)")
            }
            let large = try await client.execute(uri: "/ogc/processes/site-review/execution", method: .post, headers: PlanningServerFixture.reader,
                                                 body: ByteBuffer(string: String(repeating: " ", count: OGCProcessesRoutes.maxBody + 10)))
            #expect(large.status == .contentTooLarge)
        }
        // Nothing but the seeded job was recorded.
        #expect(try fixture.services.store.jobs.jobs(owner: nil, limit: 100).map(\.id) == ["still-running"])
    }
}
