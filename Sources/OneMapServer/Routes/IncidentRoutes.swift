import Foundation
import HTTPTypes
import Hummingbird
import OneMapAnalysis
import OneMapGeometry
import OneMapStore

/// 应急一张图: incidents (`/incidents`, `/incidents/{id}`, `/incidents/rules`) and point
/// elevations (`/elevation`). The analyses are processes (`/ogc/processes`); the live situation
/// is `LiveRoutes`.
struct IncidentRoutes {
    let services: AppServices
    static let maxBody = 1 << 20

    func incidents() throws -> IncidentService {
        guard let service = services.incidents else { throw APIError(.notFound, "NotFound", "this server has no emergency rules (Layers/rules/emergency.json)") }
        return service
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("/incidents") { request, context -> Response in
            let service = try incidents(), principal = context.principal
            let q = try QueryParameters.checked(request)
            let all = q["status"] == "all"
            guard q["status"] == nil || all || q["status"] == "open" else { throw APIError.badRequest("status must be open or all") }
            let list = try await Blocking.run { try service.list(openOnly: !all, for: principal) }
            return Responses.json(.object([("type", .string("FeatureCollection")), ("features", .array(list.map(service.json))),
                                           ("numberReturned", .number(Double(list.count)))]),
                                  headers: [.contentType: "application/geo+json"])
        }
        router.get("/incidents/rules") { _, context -> Response in
            let service = try incidents()
            try await Blocking.run { try service.checkRead(context.principal) }
            return Responses.json(service.rulesJSON)
        }
        router.post("/incidents") { request, context -> Response in
            let service = try incidents(), principal = context.principal
            let input = try Self.input(try await Parse.jsonObject(request, maxBytes: Self.maxBody))
            let record = try await Blocking.run { try service.create(input, by: principal) }
            return Responses.json(service.json(record), status: .created, headers: [.location: "\(context.baseURL)/incidents/\(record.id)",
                                                                                  .contentType: "application/geo+json"])
        }
        router.get("/incidents/:id") { _, context -> Response in
            let service = try incidents(), principal = context.principal
            let id = try Self.incidentID(context)
            let record = try await Blocking.run { try service.incident(id, for: principal) }
            return Responses.json(service.json(record), headers: [.contentType: "application/geo+json"])
        }
        router.patch("/incidents/:id") { request, context -> Response in
            let service = try incidents(), principal = context.principal
            let id = try Self.incidentID(context)
            let input = try Self.input(try await Parse.jsonObject(request, maxBytes: Self.maxBody))
            let record = try await Blocking.run { try service.update(id, input, by: principal) }
            return Responses.json(service.json(record), headers: [.contentType: "application/geo+json"])
        }
        router.get("/elevation") { request, context -> Response in
            let q = try QueryParameters.checked(request)
            let point = try Parse.lonLat(q)
            let layerID = q["layer"] ?? services.incidents?.rules.elevationLayer ?? "dem"
            let store = services.store, principal = context.principal
            let (layer, height) = try await Blocking.run { () -> (Layer, Double?) in
                let layer = try store.layer(layerID, for: principal)
                return (layer, try store.elevation(layer: layerID, at: point, crs: .crs84, for: principal))
            }
            guard let height else { throw APIError.notFound("layer '\(layerID)' has no elevation at \(point.x), \(point.y) (outside the DEM or no data)") }
            return Responses.json(.object([("layer", .string(layerID)), ("title", .string(layer.title)), ("location", .numbers([point.x, point.y])),
                                           ("elevation", .number(height)), ("unit", .string("m"))]))
        }
    }

    static func incidentID(_ context: AppRequestContext) throws -> Int64 {
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text) else { throw APIError.notFound("no incident '\(text)' (incident ids are integers)") }
        return id
    }

    /// An incident body: properties at the top or under `properties` (a GeoJSON Feature).
    static func input(_ body: JSONValue) throws -> IncidentInput {
        var fields: [(String, JSONValue)] = []
        for (k, v) in body.object ?? [] {
            if k == "properties", let o = v.object { fields += o } else if k != "type" { fields.append((k, v)) }
        }
        let known = ["title", "category", "subtype", "level", "status", "geometry", "crs", "occurredAt", "notes", "version", "id"]
        var input = IncidentInput()
        for (key, value) in fields {
            guard known.contains(key) else { throw APIError.badRequest("unknown member '\(key)' (\(known.joined(separator: ", ")))") }
            func text() throws -> String {
                guard let s = value.string else { throw APIError.badRequest("\"\(key)\" must be a string") }
                return s
            }
            switch key {
            case "title": input.title = try text()
            case "category": input.category = try text()
            case "subtype": input.subtype = try text()
            case "level": input.level = try text()
            case "status": input.status = try text()
            case "occurredAt": input.occurredAt = try text()
            case "notes": input.notes = try text()
            case "crs":
                do { input.crs = try CRS(parsing: try text()) } catch let e as APIError { throw e } catch { throw APIError.badRequest("unknown crs") }
            case "geometry":
                do { input.geometry = try GeoJSON.geometry(value) } catch { throw APIError.badRequest("\"geometry\": \(error)") }
            case "version":
                guard let n = value.integer else { throw APIError.badRequest("\"version\" must be an integer") }
                input.version = n
            default: break
            }
        }
        return input
    }
}
