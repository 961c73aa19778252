import Foundation
import Hummingbird
import OneMapGeometry
import OneMapImage
import OneMapRender
import OneMapStore
import OneMapTiles

/// `/maps`, `/maps/{map}/style.json`, `/maps/{map}/{tms}/tilejson.json` (TileJSON 3.0.0),
/// `/maps/{map}/legend[?layers=][&f=png]` and the legend's icons (`/legend/icons/{name}.png`).
struct MapRoutes {
    let services: AppServices

    func register(on router: Router<AppRequestContext>) {
        router.get("/maps") { request, context -> Response in
            let base = context.baseURL
            var list: [JSONValue] = []
            for entry in services.maps.entries where entry.style.map({ services.tiles.isVisible($0, to: context.principal) }) ?? true {
                var fields: [(String, JSONValue)] = [("id", .string(entry.id)), ("style", .string("\(base)/maps/\(entry.id)/style.json"))]
                if let style = entry.style {
                    fields += [("name", .string(style.name)), ("status", .string("ok")), ("format", .string(style.format.rawValue))]
                    fields.append(("tilejson", .object(services.tiles.matrixSets.all.map { ($0.id, .string("\(base)/maps/\(entry.id)/\($0.id)/tilejson.json")) })))
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

        router.get("/maps/:map/legend") { request, context -> Response in
            let kvp = try QueryParameters.checked(request)
            let style = try services.tiles.style(context.parameters.get("map") ?? "", for: context.principal)
            let visible = services.tiles.visibleLayers(style, for: context.principal)
            var only: Set<String>?
            if let list = kvp["layers"] {
                let ids = Set(list.split(separator: ",").map(String.init))
                let known = Set(visible.map(\.id))
                if let unknown = ids.subtracting(known).sorted().first { throw APIError.badRequest("the map draws no layer '\(unknown)'") }
                only = ids
            }
            let legend = Legend(style: style, layers: visible, only: only)
            switch kvp["f"] ?? "json" {
            case "json": return Responses.json(Self.json(legend, base: context.baseURL))
            case "png":
                let sprites = services.maps.sprites
                let png = try await Blocking.run { try legend.png(icons: sprites) }
                return Responses.bytes(png, contentType: "image/png", headers: [.cacheControl: "private, max-age=60"])
            default: throw APIError.badRequest("f must be json or png")
            }
        }

        router.get("/legend/icons/:name") { _, context -> Response in
            let file = context.parameters.get("name") ?? ""
            guard file.hasSuffix(".png"), let icon = services.maps.sprites.icon(String(file.dropLast(4)), scale: 2) else { throw APIError.notFound("no such icon") }
            let png = try ImageCodec.encodePNG(icon.image, level: 6)
            return Responses.bytes(png, contentType: "image/png", headers: [.cacheControl: "public, max-age=3600"])
        }

        router.get("/maps/:map/:tms/tilejson.json") { request, context -> Response in
            let style = try services.tiles.style(context.parameters.get("map") ?? "", for: context.principal)
            guard let tms = services.tiles.matrixSets.named(context.parameters.get("tms") ?? "") else {
                throw RenderError.unknownTileMatrixSet(context.parameters.get("tms") ?? "")
            }
            return Responses.json(tileJSON(style, tms: tms, base: context.baseURL, principal: context.principal))
        }
    }

    /// The legend as the web map draws it: sections of entries, each symbol with CSS colours.
    static func json(_ legend: Legend, base: String) -> JSONValue {
        .object([("sections", .array(legend.sections.map { section in
            .object([("layer", .string(section.layerID)), ("title", .string(section.title)), ("entries", .array(section.entries.map { entry in
                var symbol: [(String, JSONValue)]
                switch entry.symbol {
                case .fill(let c, let outline): symbol = [("type", .string("fill")), ("color", .string(c.description))] + (outline.map { [("stroke", .string($0.description))] } ?? [])
                case .line(let c, let w, let dashed): symbol = [("type", .string("line")), ("color", .string(c.description)), ("width", .number(w)), ("dashed", .bool(dashed))]
                case .casedLine(let c, let casing, let w):
                    symbol = [("type", .string("line")), ("color", .string(c.description)), ("casing", .string(casing.description)), ("width", .number(w))]
                case .circle(let c, let stroke):
                    symbol = [("type", .string(c.a == 0 ? "ring" : "circle")), ("color", .string((c.a == 0 ? stroke ?? c : c).description))]
                    if c.a > 0, let stroke { symbol.append(("stroke", .string(stroke.description))) }
                case .icon(let name): symbol = [("type", .string("icon")), ("icon", .string("\(base)/legend/icons/\(name).png"))]
                }
                return .object([("label", .string(entry.label)), ("symbol", .object(symbol))])
            }))])
        }))])
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
