import Foundation
import Hummingbird
import OneMapGeometry
import OneMapStore
import OneMapTiles

/// `/search?q=&limit=`: features whose searchable fields (per the layer files) contain the text,
/// in the layers the caller may see, with a lon/lat box to zoom to.
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
            let store = services.store, principal = context.principal, count = limit
            let hits = try await Blocking.run { try store.search(q, limit: count, for: principal) }
            var results: [JSONValue] = []
            for hit in hits {
                guard let box = try? CoordinateTransform(from: hit.layer.storageCRS, to: .crs84).apply(hit.bbox) else { continue }
                results.append(.object([
                    ("layer", .object([("id", .string(hit.layer.id)), ("title", .string(hit.layer.title))])),
                    ("id", .number(Double(hit.featureID))), ("field", .string(hit.field.name)), ("fieldTitle", .string(hit.field.displayName)),
                    ("value", .string(hit.value)), ("bbox", .numbers([box.minX, box.minY, box.maxX, box.maxY])),
                    ("center", .numbers([box.center.x, box.center.y])),
                ]))
            }
            return Responses.json(.object([("query", .string(q)), ("results", .array(results))]))
        }
    }
}
