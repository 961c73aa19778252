import Foundation
import HTTPTypes
import Hummingbird
import OneMapAnalysis
import OneMapGeometry
import OneMapPrint
import OneMapStore

/// OGC API – Processes 1.0 (OGC 18-062r2): the analyses as processes, executed synchronously by
/// default and asynchronously with `Prefer: respond-async`; jobs listed, watched, read and
/// dismissed. Errors are RFC 7807 exceptions (`ErrorFormat.problem`).
struct OGCProcessesRoutes {
    let services: AppServices

    static let conformance = [
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/ogc-process-description",
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/json",
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/job-list",
        "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/dismiss",
    ]
    /// Largest execute body (a site of the maximum vertex count fits well within it).
    static let maxBody = 8 << 20

    func register(on router: Router<AppRequestContext>) {
        router.get("/ogc/processes") { request, context -> Response in
            let base = context.baseURL
            let list = services.processes.processes
            if try OGCFormat(request) == .html { return ProcessPages.list(list, base: base) }
            return Responses.json(.object([
                ("processes", .array(list.map { summary($0, base: base) })),
                ("links", .array([link("self", "\(base)/ogc/processes", "application/json"),
                                  link("alternate", "\(base)/ogc/processes?f=html", "text/html")])),
            ]))
        }
        router.get("/ogc/processes/:id") { request, context -> Response in
            let process = try services.processes.process(context.parameters.get("id") ?? "").description
            if try OGCFormat(request) == .html { return ProcessPages.process(process, base: context.baseURL) }
            return Responses.json(describe(process, base: context.baseURL))
        }
        router.post("/ogc/processes/:id/execution") { request, context in try await execute(request, context) }
        router.get("/ogc/jobs") { request, context -> Response in
            let base = context.baseURL
            let principal = context.principal
            let jobs = try await Blocking.run { try services.processes.jobs(for: principal) }
            if try OGCFormat(request) == .html { return ProcessPages.jobs(jobs, base: base) }
            return Responses.json(.object([
                ("jobs", .array(jobs.map { statusInfo($0, base: base) })),
                ("links", .array([link("self", "\(base)/ogc/jobs", "application/json"), link("alternate", "\(base)/ogc/jobs?f=html", "text/html")])),
            ]))
        }
        router.get("/ogc/jobs/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? "", principal = context.principal
            let job = try await Blocking.run { try services.processes.job(id, for: principal) }
            if try OGCFormat(request) == .html { return ProcessPages.job(job, base: context.baseURL) }
            return Responses.json(statusInfo(job, base: context.baseURL))
        }
        router.get("/ogc/jobs/:id/results") { request, context -> Response in
            let id = context.parameters.get("id") ?? "", principal = context.principal
            let job = try await Blocking.run { try services.processes.job(id, for: principal) }
            if job.status == .failed, let status = job.errorStatus, let error = job.error {
                // A failed job's results are its exception, with the status it failed with.
                return Responses.json((try? JSONValue.parse(error)) ?? .null, status: HTTPResponse.Status(code: status),
                                      headers: [.contentType: "application/problem+json"])
            }
            let results = try await Blocking.run { try services.processes.results(id, for: principal) }
            let format = QueryParameters(request)["f"]?.lowercased()
            guard let format, format != "json" else { return Responses.json(results) }
            guard job.processID == "site-review", let json = results["report"] else {
                throw APIError(.notAcceptable, "NotAcceptable", "results of \(job.processID) are JSON only")
            }
            let report = try SiteReviewReport(json: json)
            switch format {
            case "html":
                let base = "\(context.baseURL)/ogc/jobs/\(id)/results"
                return Responses.text(SiteReviewPage.html(report, mapURL: "\(base)/map.png", pdfURL: "\(base)?f=pdf"), contentType: "text/html; charset=utf-8")
            case "pdf":
                let maps = services.maps, store = services.store
                let pdf = try await Blocking.run { try SiteReviewDocument(report: report, catalog: maps, store: store, principal: principal).pdf() }
                return Responses.bytes(pdf, contentType: "application/pdf", headers: [.contentDisposition: "inline; filename=\"site-review-\(id).pdf\""])
            default:
                throw APIError(.notAcceptable, "NotAcceptable", "f must be json, html or pdf")
            }
        }
        router.get("/ogc/jobs/:id/results/map.png") { request, context -> Response in
            let id = context.parameters.get("id") ?? "", principal = context.principal
            let maps = services.maps, store = services.store
            let png = try await Blocking.run { () -> [UInt8] in
                let job = try services.processes.job(id, for: principal)
                guard job.processID == "site-review", let json = try services.processes.results(id, for: principal)["report"] else {
                    throw APIError.notFound("job '\(id)' has no location map")
                }
                return try SiteReviewDocument(report: try SiteReviewReport(json: json), catalog: maps, store: store, principal: principal).mapPNG()
            }
            return Responses.bytes(png, contentType: "image/png")
        }
        router.delete("/ogc/jobs/:id") { request, context -> Response in
            let id = context.parameters.get("id") ?? "", principal = context.principal
            let job = try await Blocking.run { try services.processes.dismiss(id, for: principal) }
            return Responses.json(statusInfo(job, base: context.baseURL))
        }
    }

    func execute(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let processID = context.parameters.get("id") ?? ""
        _ = try services.processes.process(processID)
        let body = try await request.body.collect(upTo: Self.maxBody)
        let json: JSONValue
        do { json = try JSONValue.parse(Array(body.readableBytesView)) } catch {
            throw APIError.badRequest("the execute request is not JSON: \(error)")
        }
        guard json.object != nil else { throw APIError.badRequest("the execute request must be a JSON object with \"inputs\"") }
        for key in json.object!.map(\.0) where !["inputs", "outputs", "response", "subscriber"].contains(key) {
            throw APIError.badRequest("unknown member '\(key)' in the execute request (inputs, outputs, response)")
        }
        let inputs = json["inputs"] ?? .object([])
        guard let pairs = inputs.object else { throw APIError.badRequest("\"inputs\" must be an object") }
        let response = json["response"]?.string ?? "raw"
        guard ["raw", "document"].contains(response) else { throw APIError.badRequest("\"response\" must be raw or document") }
        if json["subscriber"] != nil { throw APIError.badRequest("callbacks (\"subscriber\") are not supported; poll the job instead") }
        let values = Dictionary(pairs, uniquingKeysWith: { a, _ in a })
        let principal = context.principal, base = context.baseURL
        if request.headers[HTTPField.Name("Prefer")!]?.lowercased().contains("respond-async") == true {
            let job = try await Blocking.run { try services.processes.submit(processID, inputs: values, for: principal) }
            return Responses.json(statusInfo(job, base: base), status: .created, headers: [
                .location: "\(base)/ogc/jobs/\(job.id)", HTTPField.Name("Preference-Applied")!: "respond-async",
            ])
        }
        let (job, results) = try await services.processes.execute(processID, inputs: values, for: principal)
        let headers: HTTPFields = [HTTPField.Name("Link")!: "<\(base)/ogc/jobs/\(job.id)>; rel=\"monitor\""]
        // raw with one output: the output itself; otherwise the results document.
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        let text = response == "raw" && results.outputs.count == 1 ? results.outputs[0].text : results.text
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: documents

    func summary(_ p: ProcessDescription, base: String) -> JSONValue {
        .object([
            ("id", .string(p.id)), ("title", .string(p.title)), ("description", .string(p.description)), ("version", .string(p.version)),
            ("keywords", .array(p.keywords.map { .string($0) })),
            ("jobControlOptions", .array([.string("sync-execute"), .string("async-execute"), .string("dismiss")])),
            ("outputTransmission", .array([.string("value")])),
            ("links", .array([
                link("self", "\(base)/ogc/processes/\(p.id)", "application/json"),
                link("alternate", "\(base)/ogc/processes/\(p.id)?f=html", "text/html"),
                link("http://www.opengis.net/def/rel/ogc/1.0/execute", "\(base)/ogc/processes/\(p.id)/execution", "application/json"),
            ])),
        ])
    }

    func describe(_ p: ProcessDescription, base: String) -> JSONValue {
        guard case .object(var fields) = summary(p, base: base) else { return .null }
        func parameters(_ list: [ProcessDescription.Parameter], occurs: Bool) -> JSONValue {
            .object(list.map { q in
                var f: [(String, JSONValue)] = [("title", .string(q.title)), ("description", .string(q.description)), ("schema", q.schema)]
                if occurs { f += [("minOccurs", .number(Double(q.minOccurs))), ("maxOccurs", .number(Double(q.maxOccurs)))] }
                return (q.id, .object(f))
            })
        }
        fields.append(("inputs", parameters(p.inputs, occurs: true)))
        fields.append(("outputs", parameters(p.outputs, occurs: false)))
        return .object(fields)
    }

    func statusInfo(_ job: JobRecord, base: String) -> JSONValue {
        var links: [JSONValue] = [
            link("self", "\(base)/ogc/jobs/\(job.id)", "application/json"),
            link("alternate", "\(base)/ogc/jobs/\(job.id)?f=html", "text/html"),
            link("up", "\(base)/ogc/processes/\(job.processID)", "application/json"),
        ]
        if job.status == .successful || job.status == .failed {
            links.append(link("http://www.opengis.net/def/rel/ogc/1.0/results", "\(base)/ogc/jobs/\(job.id)/results", "application/json"))
        }
        var fields: [(String, JSONValue)] = [
            ("jobID", .string(job.id)), ("processID", .string(job.processID)), ("type", .string("process")), ("status", .string(job.status.rawValue)),
            ("progress", .number(Double(job.progress))), ("created", .string(job.created)),
        ]
        if let m = job.message { fields.append(("message", .string(m))) }
        if let s = job.started { fields.append(("started", .string(s))) }
        if let f = job.finished { fields.append(("finished", .string(f))) }
        fields.append(("links", .array(links)))
        return .object(fields)
    }
}
