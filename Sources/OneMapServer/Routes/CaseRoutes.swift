import Foundation
import HTTPTypes
import Hummingbird
import OneMapAnalysis
import OneMapGeometry
import OneMapStore

/// 数字城管: geocoding (`/geocode`, `/geocode/reverse`) and cases (`/cases`, `/cases/{id}`,
/// `/cases/{id}/actions`, attachments, `/cases/stats`, `/cases/density`).
struct CaseRoutes {
    let services: AppServices
    static let maxBody = 1 << 20
    static let maxAttachment = 8 << 20

    func cases() throws -> CaseService {
        guard let service = services.cases else { throw APIError(.notFound, "NotFound", "this server has no 数字城管 rules (Layers/rules/cases.json)") }
        return service
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("/geocode") { request, context -> Response in
            let q = try QueryParameters.checked(request)
            guard let text = q["q"] else { throw APIError.badRequest("q (the address or place) is required") }
            let limit = try q["limit"].map { try Parse.int(Substring($0), "limit") } ?? 10
            guard (1...50).contains(limit) else { throw APIError.badRequest("limit must be 1–50") }
            let geocoder = try cases().geocoder, principal = context.principal
            let found = try await Blocking.run { try geocoder.search(text, limit: limit, for: principal) }
            guard !found.isEmpty else { throw APIError.notFound("'\(text)' matches no address, road, place or community") }
            return Responses.json(.object([("query", .string(text)), ("candidates", .array(found.map(\.json)))]))
        }
        router.get("/geocode/reverse") { request, context -> Response in
            let point = try Parse.lonLat(try QueryParameters.checked(request))
            let geocoder = try cases().geocoder, principal = context.principal
            let (grid, address) = try await Blocking.run { () -> (GridLocation, (address: String, distance: Double, location: Coordinate)?) in
                (try geocoder.grid(at: point, for: principal), try geocoder.nearestAddress(to: point, for: principal))
            }
            guard case .object(var fields) = grid.json else { return Responses.json(grid.json) }
            fields.insert(("location", .numbers([point.x, point.y])), at: 0)
            fields.append(("address", address.map { a in
                .object([("text", .string(a.address)), ("distance", .number((a.distance * 10).rounded() / 10)), ("location", .numbers([a.location.x, a.location.y]))])
            } ?? .null))
            return Responses.json(.object(fields))
        }
        router.get("/cases") { request, context -> Response in
            let service = try cases(), principal = context.principal
            let query = try Self.query(try QueryParameters.checked(request), service.calendar.timeZone)
            let (list, matched) = try await Blocking.run { try service.list(query, for: principal) }
            let now = Date()
            return Responses.json(.object([
                ("cases", .array(list.map { service.json($0, for: principal, now: now) })), ("numberMatched", .number(Double(matched))),
                ("numberReturned", .number(Double(list.count))),
            ]))
        }
        router.post("/cases") { request, context -> Response in
            let service = try cases(), principal = context.principal
            let body = try await Parse.jsonObject(request, maxBytes: Self.maxBody)
            let input = try Self.caseInput(body)
            let record = try await Blocking.run { try service.report(input, by: principal) }
            return Responses.json(service.json(record, for: principal), status: .created, headers: [.location: "\(context.baseURL)/cases/\(record.id)"])
        }
        router.get("/cases/rules") { _, context -> Response in
            let service = try cases()
            try service.checkCaseAccess(context.principal)
            return Responses.json(service.rulesJSON)
        }
        router.get("/cases/stats") { request, context -> Response in
            let service = try cases(), principal = context.principal
            let q = try QueryParameters.checked(request)
            guard let group = CaseGroup(rawValue: q["by"] ?? "street") else {
                throw APIError.badRequest("by must be \(CaseGroup.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let (from, to) = try Self.period(q, service.calendar.timeZone)
            let metrics = try await Blocking.run { try service.evaluate(by: group, from: from, to: to, for: principal) }
            if q["f"] == "csv" {
                return Responses.text(CaseService.csv(metrics, group: group), contentType: "text/csv; charset=utf-8")
            }
            return Responses.json(.object([
                ("by", .string(group.rawValue)), ("from", .string(from.formatted(.iso8601))), ("to", .string(to.formatted(.iso8601))),
                ("groups", .array(metrics.enumerated().map { i, m in
                    guard case .object(var f) = m.json else { return m.json }
                    f.insert(("rank", .number(Double(i + 1))), at: 0)
                    return .object(f)
                })),
            ]))
        }
        router.get("/cases/density") { request, context -> Response in
            let service = try cases(), principal = context.principal
            let (from, to) = try Self.period(try QueryParameters.checked(request), service.calendar.timeZone)
            let features = try await Blocking.run { try service.density(from: from, to: to, for: principal) }
            return Responses.json(features, headers: [.contentType: "application/geo+json"])
        }
        router.get("/cases/:id") { request, context -> Response in
            let service = try cases(), principal = context.principal
            let id = try Self.caseID(context)
            let (record, steps, attachments) = try await Blocking.run { try service.detail(id, for: principal) }
            return Responses.json(service.json(record, steps: steps, attachments: attachments, for: principal))
        }
        router.post("/cases/:id/actions") { request, context -> Response in
            let service = try cases(), principal = context.principal
            let id = try Self.caseID(context)
            let body = try await Parse.jsonObject(request, maxBytes: Self.maxBody)
            guard let action = body["action"]?.string else { throw APIError.badRequest("\"action\" is required") }
            var input = CaseActionInput(action: action, department: body["department"]?.string, note: body["note"]?.string)
            if let m = body["minutes"] {
                guard let n = m.integer else { throw APIError.badRequest("\"minutes\" must be an integer") }
                input.minutes = n
            }
            if let v = body["version"] {
                guard let n = v.integer else { throw APIError.badRequest("\"version\" must be an integer") }
                input.version = n
            }
            let request = input
            let record = try await Blocking.run { try service.act(on: id, request, by: principal) }
            return Responses.json(service.json(record, for: principal))
        }
        router.post("/cases/:id/attachments") { request, context -> Response in
            let service = try cases(), principal = context.principal
            let id = try Self.caseID(context)
            let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            let name = QueryParameters(request)["name"] ?? "photo"
            let body = try await request.body.collect(upTo: Self.maxAttachment)
            let bytes = Array(body.readableBytesView)
            let attachment = try await Blocking.run { try service.attach(to: id, name: name, mediaType: type, bytes: bytes, by: principal) }
            return Responses.json(.object([("id", .number(Double(attachment.id))), ("name", .string(attachment.name)), ("size", .number(Double(attachment.size)))]),
                                  status: .created, headers: [.location: "\(context.baseURL)/cases/\(id)/attachments/\(attachment.id)"])
        }
        router.get("/cases/:id/attachments/:attachment") { request, context -> Response in
            let service = try cases(), principal = context.principal
            let id = try Self.caseID(context)
            guard let aid = Int64(context.parameters.get("attachment") ?? "") else { throw APIError.notFound("no such attachment") }
            let attachment = try await Blocking.run { () -> CaseAttachment? in
                _ = try service.detail(id, for: principal)
                return try service.store.cases.attachment(aid)
            }
            guard let a = attachment, a.caseID == id, let bytes = a.bytes else { throw APIError.notFound("no attachment \(aid) of case \(id)") }
            return Responses.bytes(bytes, contentType: a.mediaType)
        }
    }

    // MARK: parsing

    static func caseID(_ context: AppRequestContext) throws -> Int64 {
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text) else { throw APIError.notFound("no case '\(text)' (case ids are integers)") }
        return id
    }

    static func caseInput(_ body: JSONValue) throws -> CaseInput {
        let known = ["source", "kind", "classCode", "componentCode", "description", "location", "address", "urgent"]
        for (key, _) in body.object ?? [] where !known.contains(key) {
            throw APIError.badRequest("unknown member '\(key)' (\(known.joined(separator: ", ")))")
        }
        let location = try Parse.location(body["location"], "location")
        return CaseInput(source: body["source"]?.string ?? "", kind: body["kind"]?.string ?? "event", classCode: body["classCode"]?.string,
                         componentCode: body["componentCode"]?.string, description: body["description"]?.string ?? "", location: location,
                         address: body["address"]?.string, urgent: body["urgent"]?.bool ?? false)
    }

    static func query(_ q: QueryParameters, _ timeZone: TimeZone) throws -> CaseQuery {
        var query = CaseQuery()
        if let s = q["state"] { query.states = s.split(separator: ",").map(String.init) }
        query.classCode = q["class"]
        query.streetCode = q["street"]
        query.communityCode = q["community"]
        query.gridCode = q["grid"]
        query.department = q["department"]
        if let o = q["overdue"] {
            guard ["true", "false"].contains(o) else { throw APIError.badRequest("overdue must be true or false") }
            query.overdue = o == "true"
        }
        if q["from"] != nil || q["to"] != nil {
            let (from, to) = try period(q, timeZone)
            query.reportedFrom = from.formatted(.iso8601)
            query.reportedTo = to.formatted(.iso8601)
        }
        query.text = q["q"]
        if let l = q["limit"] { query.limit = try Parse.int(Substring(l), "limit") }
        if let o = q["offset"] { query.offset = try Parse.int(Substring(o), "offset") }
        return query
    }

    /// `from` and `to` (ISO 8601 times, or dates meaning midnight in the centre's time zone;
    /// default: the 30 days to the end of today).
    static func period(_ q: QueryParameters, _ timeZone: TimeZone) throws -> (Date, Date) {
        var dates = Date.ISO8601FormatStyle(timeZone: timeZone)
        dates = dates.year().month().day()
        func parse(_ key: String) throws -> Date? {
            guard let text = q[key] else { return nil }
            if let d = try? Date(text, strategy: .iso8601) { return d }
            if text.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil, let d = try? dates.parse(text) { return d }
            throw APIError.badRequest("\(key) must be an ISO 8601 date (YYYY-MM-DD) or time, not '\(text)'")
        }
        // By default up to the end of today: what happened this second counts.
        var days = Calendar(identifier: .gregorian)
        days.timeZone = timeZone
        let to = try parse("to") ?? days.date(byAdding: .day, value: 1, to: days.startOfDay(for: Date()))!
        let from = try parse("from") ?? to.addingTimeInterval(-30 * 86_400)
        guard from < to else { throw APIError.badRequest("from must be before to") }
        return (from, to)
    }
}
