import Foundation
import Hummingbird
import OneMapGeometry
import OneMapStore
import OneMapTiles

/// `/search?q=&limit=`: features whose searchable fields (per the layer files) contain the text,
/// in the layers the caller may see, with a lon/lat box to zoom to (`SearchService`).
struct SearchRoutes {
    let services: AppServices

    func register(on router: Router<AppRequestContext>) {
        router.get("/search") { request, context -> Response in
            let kvp = try QueryParameters.checked(request)
            guard let q = kvp["q"], !q.trimmingCharacters(in: .whitespaces).isEmpty else { throw APIError.badRequest("missing parameter q (the text to find)") }
            var limit = 20
            if let text = kvp["limit"] {
                guard let n = Int(text), (1...100).contains(n) else { throw APIError.badRequest("limit must be 1–100") }
                limit = n
            }
            let search = services.search, principal = context.principal, count = limit
            let found = try await Blocking.run { try search.search(q, limit: count, for: principal) }
            let results: [JSONValue] = found.map { r in
                var fields: [(String, JSONValue)] = [
                    ("layer", .object([("id", .string(r.layer.id)), ("title", .string(r.layer.title)),
                                       ("geometryType", r.layer.geometryType.map { .string($0.name) } ?? .null)])),
                    ("id", .number(Double(r.ids[0]))), ("ids", .array(r.ids.map { .number(Double($0)) })),
                    ("field", .string(r.field.name)), ("fieldTitle", .string(r.field.displayName)),
                    ("value", .string(r.value)), ("exact", .bool(r.exact)),
                    ("bbox", .numbers([r.bbox.minX, r.bbox.minY, r.bbox.maxX, r.bbox.maxY])),
                    ("center", .numbers([r.bbox.center.x, r.bbox.center.y])),
                ]
                if let place = r.place { fields.append(("place", .string(place))) }
                return .object(fields)
            }
            return Responses.json(.object([("query", .string(q)), ("results", .array(results))]))
        }
    }
}
