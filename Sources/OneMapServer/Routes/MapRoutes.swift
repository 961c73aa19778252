import Foundation
import Hummingbird
import OneMapGeometry
import OneMapRender
import OneMapStore
import OneMapTiles

/// `/maps`, `/maps/{map}/style.json`, `/maps/{map}/{tms}/tilejson.json` (TileJSON 3.0.0).
struct MapRoutes {
    let services: AppServices

    func register(on router: Router<AppRequestContext>) {
        router.get("/maps") { request, context -> Response in
            let base = request.baseURL
            var list: [JSONValue] = []
            for entry in services.maps.entries where entry.style.map({ services.tiles.isVisible($0, to: context.principal) }) ?? true {
                var fields: [(String, JSONValue)] = [("id", .string(entry.id)), ("style", .string("\(base)/maps/\(entry.id)/style.json"))]
                if let style = entry.style {
                    fields += [("name", .string(style.name)), ("status", .string("ok")), ("format", .string(style.format.rawValue))]
                    fields.append(("tilejson", .object(TileMatrixSet.builtIn.map { ($0.id, .string("\(base)/maps/\(entry.id)/\($0.id)/tilejson.json")) })))
                    fields.append(("layers", .array(services.tiles.visibleLayers(style, for: context.principal).map { layer in
                        .object([("id", .string(layer.id)), ("title", .string(layer.title)), ("group", .string(layer.group)), ("kind", .string(layer.kind.rawValue))])
                    })))
                    if let c = style.center { fields.append(("center", .numbers([c.x, c.y] + (style.zoom.map { [$0] } ?? [])))) }
                    if let a = style.attribution { fields.append(("attribution", .string(a))) }
                } else {
                    fields += [("status", .string("broken")), ("problems", .array(entry.problems.map { .string($0) }))]
                }
                list.append(.object(fields))
            }
            return Responses.json(.object([("maps", .array(list))]))
        }

        router.get("/maps/:map/style.json") { request, context -> Response in
            let style = try services.tiles.style(context.parameters.get("map") ?? "", for: context.principal)
            return Responses.json(services.tiles.styleJSON(style, for: context.principal))
        }

        router.get("/maps/:map/:tms/tilejson.json") { request, context -> Response in
            let style = try services.tiles.style(context.parameters.get("map") ?? "", for: context.principal)
            guard let tms = TileMatrixSet.named(context.parameters.get("tms") ?? "") else {
                throw RenderError.unknownTileMatrixSet(context.parameters.get("tms") ?? "")
            }
            return Responses.json(tileJSON(style, tms: tms, base: request.baseURL, principal: context.principal))
        }
    }

    func tileJSON(_ style: Style, tms: TileMatrixSet, base: String, principal: Principal) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("tilejson", .string("3.0.0")), ("name", .string(style.name)), ("version", .string("1.0.0")), ("scheme", .string("xyz")),
            ("tiles", .array([.string("\(base)/tiles/\(style.id)/\(tms.id)/{z}/{x}/{y}.png")])),
            ("minzoom", .number(Double(tms.minZoom))), ("maxzoom", .number(Double(tms.maxZoom))),
        ]
        if let a = style.attribution { fields.append(("attribution", .string(a))) }
        if let b = services.tiles.extent(style, for: principal) {
            fields.append(("bounds", .numbers([b.minX, b.minY, b.maxX, b.maxY])))
            let c = style.center ?? b.center
            fields.append(("center", .numbers([c.x, c.y, (style.zoom ?? 12).rounded()])))
        }
        if tms.id != TileMatrixSet.webMercatorQuad.id {
            // TileJSON assumes Web Mercator; say which grid these tiles are on.
            fields.append(("crs", .string(tms.crs.identifier)))
            fields.append(("tile_matrix_set", .string(tms.id)))
        }
        return .object(fields)
    }
}
