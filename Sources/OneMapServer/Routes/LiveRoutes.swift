import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OneMapAnalysis
import OneMapGeometry
import OneMapStore
import ServiceLifecycle

/// The live situation: units report positions (`POST /live/positions`), command screens listen
/// (`GET /live`, Server-Sent Events: a snapshot, then positions and incident changes as they
/// happen), `GET /live/units` is every unit's last place and `GET /live/replay?minutes=N` their
/// tracks.
struct LiveRoutes {
    let services: AppServices

    func live() throws -> (LiveSituation, IncidentService) {
        guard let live = services.live, let incidents = services.incidents else {
            throw APIError(.notFound, "NotFound", "this server has no emergency rules (Layers/rules/emergency.json)")
        }
        return (live, incidents)
    }

    func register(on router: Router<AppRequestContext>) {
        router.post("/live/positions") { request, context -> Response in
            let (live, _) = try live()
            let body = try await Parse.jsonObject(request, maxBytes: 1 << 20)
            let positions = try Self.positions(body)
            let principal = context.principal
            try await Blocking.run { try live.report(positions, by: principal) }
            return Response(status: .noContent)
        }
        router.get("/live/units") { _, context -> Response in
            let (live, incidents) = try live()
            try await Blocking.run { try incidents.checkRead(context.principal) }
            return Responses.json(.object([("units", .array(live.units.map(LiveSituation.json)))]))
        }
        router.get("/live/replay") { request, context -> Response in
            let (live, incidents) = try live()
            let q = try QueryParameters.checked(request)
            let minutes = try Parse.int(q["minutes"].map { Substring($0) } ?? "30", "minutes")
            let principal = context.principal
            let tracks = try await Blocking.run { () -> JSONValue in
                try incidents.checkRead(principal)
                return try live.replay(minutes: minutes)
            }
            return Responses.json(tracks, headers: [.contentType: "application/geo+json"])
        }
        router.get("/live") { _, context -> Response in
            let (live, incidents) = try live()
            let principal = context.principal
            let open = try await Blocking.run { try incidents.list(openOnly: true, for: principal).map(incidents.json) }
            let stream = live.subscribe(incidents: open)
            return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
                            body: ResponseBody { writer in
                                // Tells an EventSource to come back after 2 s when the connection drops.
                                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                                // The stream ends when the server shuts down (it would wait on it otherwise).
                                let events = stream.cancelOnGracefulShutdown()
                                for try await event in events {
                                    var buffer = ByteBuffer()
                                    if event.kind == "ping" {
                                        buffer.writeString(": ping\n\n")
                                    } else {
                                        buffer.writeString("id: \(event.sequence)\nevent: \(event.kind)\ndata: ")
                                        buffer.writeBytes(event.data)
                                        buffer.writeString("\n\n")
                                    }
                                    try await writer.write(buffer)
                                }
                                try await writer.finish(nil)
                            })
        }
    }

    /// `{"positions": [...]}` or one position: `unit`, `kind`, `name`, `location` ([lon, lat] or
    /// a GeoJSON Point), `heading`, `speed`.
    static func positions(_ body: JSONValue) throws -> [UnitPosition] {
        let items: [JSONValue]
        if let list = body["positions"] {
            guard let a = list.array else { throw APIError.badRequest("\"positions\" must be a list") }
            items = a
        } else {
            items = [body]
        }
        let known = ["unit", "kind", "name", "location", "heading", "speed"]
        return try items.enumerated().map { i, item in
            guard let fields = item.object else { throw APIError.badRequest("positions[\(i)] must be an object") }
            for (k, _) in fields where !known.contains(k) { throw APIError.badRequest("positions[\(i)]: unknown member '\(k)' (\(known.joined(separator: ", ")))") }
            guard let unit = item["unit"]?.string else { throw APIError.badRequest("positions[\(i)].unit is required") }
            guard let kind = item["kind"]?.string else { throw APIError.badRequest("positions[\(i)].kind is required") }
            guard let location = try Parse.location(item["location"], "positions[\(i)].location") else {
                throw APIError.badRequest("positions[\(i)].location is required: [lon, lat] or a GeoJSON Point")
            }
            func number(_ key: String) throws -> Double? {
                guard let v = item[key], v != .null else { return nil }
                guard let n = v.number else { throw APIError.badRequest("positions[\(i)].\(key) must be a number") }
                return n
            }
            return UnitPosition(unit: unit, kind: kind, name: item["name"]?.string ?? "", location: location, heading: try number("heading"),
                                speed: try number("speed"), at: "", reporter: "")
        }
    }
}
