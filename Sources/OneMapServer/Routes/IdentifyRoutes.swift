import Foundation
import Hummingbird
import OneMapGeometry
import OneMapStore
import OneMapTiles

/// `/maps/{map}/identify?lon=&lat=[&crs=][&zoom=][&geometry=false]`: the features under a
/// point, top-most first, with layer titles and attribute display names.
struct IdentifyRoutes {
    let services: AppServices

    func register(on router: Router<AppRequestContext>) {
        router.get("/maps/:map/identify") { request, context -> Response in
            let kvp = try QueryParameters.checked(request)
            func number(_ name: String) throws -> Double {
                guard let text = kvp[name] else { throw APIError.badRequest("missing parameter \(name)") }
                guard let d = Double(text), d.isFinite else { throw APIError.badRequest("\(name) must be a number, not '\(text)'") }
                return d
            }
            var point = Coordinate(try number("lon"), try number("lat"))
            if let text = kvp["crs"] {
                guard let crs = try? CRS(parsing: text), services.offeredCRS.contains(crs) else {
                    throw APIError.badRequest("crs must be one of \(services.offeredCRS.map(\.identifier).joined(separator: ", "))")
                }
                // lon/lat name the east and north values whatever the CRS's axis order.
                point = try CoordinateTransform(from: crs, to: .crs84).apply(point)
            }
            guard abs(point.x) <= 180, abs(point.y) <= 85 else { throw APIError.badRequest("the point is outside longitude ±180 / latitude ±85") }
            let zoom = kvp["zoom"] == nil ? 16 : try number("zoom")
            guard (0...24).contains(zoom) else { throw APIError.badRequest("zoom must be 0–24") }
            let withGeometry = kvp["geometry"].map { $0 != "false" } ?? true
            let only = kvp["layers"].map { Set($0.split(separator: ",").map(String.init)) }
            let principal = context.principal, at = point
            let identify = services.identify, map = context.parameters.get("map") ?? ""
            let found = try await Blocking.run { try identify.identify(map: map, at: at, zoom: zoom, only: only, for: principal) }
            return Responses.json(Self.json(found, geometry: withGeometry))
        }
    }

    /// A FeatureCollection: each feature carries its layer and its values under display names
    /// (coded values with their labels), geometry in CRS84.
    static func json(_ found: [IdentifiedFeature], geometry: Bool) -> JSONValue {
        .object([
            ("type", .string("FeatureCollection")),
            ("features", .array(found.map { hit in
                let layer = hit.layer
                var geometryValue: JSONValue = .null
                if geometry, let g = hit.feature.geometry, let lonLat = try? CoordinateTransform(from: layer.storageCRS, to: .crs84).apply(g) {
                    geometryValue = GeoJSON.value(lonLat, precision: 7)
                }
                var properties: [(String, JSONValue)] = []
                var display: [JSONValue] = []
                for (field, value) in zip(layer.attributes, hit.feature.values) {
                    properties.append((field.name, value.json))
                    var entry: [(String, JSONValue)] = [("name", .string(field.name)), ("title", .string(field.displayName)), ("value", value.json)]
                    if let label = field.codes?[value.description] { entry.append(("label", .string(label))) }
                    display.append(.object(entry))
                }
                return .object([
                    ("type", .string("Feature")), ("id", .number(Double(hit.feature.id))),
                    ("layer", .object([("id", .string(layer.id)), ("title", .string(layer.title)), ("group", .string(layer.group))])),
                    ("distance_m", .number((hit.distance * 10).rounded() / 10)),
                    // Also without the geometry: clients order points, lines and areas by it.
                    ("geometryType", hit.feature.geometry.map { .string($0.type.name) } ?? .null),
                    ("geometry", geometryValue), ("properties", .object(properties)), ("display", .array(display)),
                ])
            })),
        ])
    }
}

extension FeatureValue {
    var json: JSONValue {
        switch self {
        case .null: .null
        case .integer(let i): .number(Double(i))
        case .real(let d): d.isFinite ? .number(d) : .null
        case .text(let s): .string(s)
        }
    }
}
