import Foundation
import Hummingbird
import OneMapGeometry
import OneMapRender
import OneMapStore
import OneMapTiles

/// OGC API – Tiles: tile matrix sets (OGC TMS 2.0 JSON) and map tiles per map and set.
struct OGCTilesRoutes {
    let services: AppServices

    static let conformance = [
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/png",
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    ]

    func register(on router: Router<AppRequestContext>) {
        router.get("/ogc/tileMatrixSets") { _, context -> Response in
            let base = context.baseURL
            return Responses.json(.object([("tileMatrixSets", .array(services.tiles.matrixSets.all.map { set in
                .object([("id", .string(set.id)), ("title", .string(set.title)),
                         ("links", .array([.object([("rel", .string("self")), ("type", .string("application/json")),
                                                    ("href", .string("\(base)/ogc/tileMatrixSets/\(set.id)"))])]))])
            }))]))
        }
        router.get("/ogc/tileMatrixSets/:id") { _, context -> Response in
            guard let set = services.tiles.matrixSets.named(context.parameters.get("id") ?? ""), set.id == context.parameters.get("id") else {
                throw APIError.notFound("no tile matrix set '\(context.parameters.get("id") ?? "")' (WebMercatorQuad, CGCS2000Quad)")
            }
            return Responses.json(Self.definition(set))
        }
        router.get("/ogc/maps/:map/tiles") { request, context -> Response in
            let style = try services.tiles.style(context.parameters.get("map") ?? "", for: context.principal)
            let base = context.baseURL
            return Responses.json(.object([("tilesets", .array(services.tiles.matrixSets.all.map { set in
                .object([("title", .string("\(style.name) (\(set.id))")), ("dataType", .string("map")), ("crs", .string(set.crs.uri)),
                         ("tileMatrixSetURI", set.uri.map { .string($0) } ?? .string("\(base)/ogc/tileMatrixSets/\(set.id)")),
                         ("links", .array([.object([("rel", .string("self")), ("href", .string("\(base)/ogc/maps/\(style.id)/tiles/\(set.id)"))])]))])
            }))]))
        }
        router.get("/ogc/maps/:map/tiles/:tms") { request, context -> Response in
            let style = try services.tiles.style(context.parameters.get("map") ?? "", for: context.principal)
            guard let set = services.tiles.matrixSets.named(context.parameters.get("tms") ?? "") else {
                throw RenderError.unknownTileMatrixSet(context.parameters.get("tms") ?? "")
            }
            let base = context.baseURL
            return Responses.json(.object([
                ("title", .string(style.name)), ("dataType", .string("map")), ("crs", .string(set.crs.uri)),
                ("tileMatrixSetURI", .string(set.uri ?? "\(base)/ogc/tileMatrixSets/\(set.id)")),
                ("links", .array([
                    .object([("rel", .string("http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme")), ("href", .string("\(base)/ogc/tileMatrixSets/\(set.id)"))]),
                    .object([("rel", .string("item")), ("type", .string("image/png")), ("templated", .bool(true)),
                             ("href", .string("\(base)/ogc/maps/\(style.id)/tiles/\(set.id)/{tileMatrix}/{tileRow}/{tileCol}"))]),
                ])),
            ]))
        }
        router.get("/ogc/maps/:map/tiles/:tms/:z/:row/:col") { request, context -> Response in
            let p = context.parameters
            let tile = TileID(z: try Parse.int(p.get("z").map { Substring($0) }, "tileMatrix"), x: try Parse.int(p.get("col").map { Substring($0) }, "tileCol"),
                              y: try Parse.int(p.get("row").map { Substring($0) }, "tileRow"))
            let result = try await services.tiles.tile(map: p.get("map") ?? "", tms: p.get("tms") ?? "", tile: tile, scale: 1, principal: context.principal)
            return TileRoutes.response(result, request: request, principal: context.principal)
        }
    }

    /// OGC Two Dimensional Tile Matrix Set 2.0 JSON.
    static func definition(_ set: TileMatrixSet) -> JSONValue {
        let origin: JSONValue = set.crs.isNorthFirst ? .numbers([set.origin.y, set.origin.x]) : .numbers([set.origin.x, set.origin.y])
        var fields: [(String, JSONValue)] = [("id", .string(set.id)), ("title", .string(set.title)), ("crs", .string(set.crs.uri))]
        if let uri = set.uri { fields.append(("uri", .string(uri))) }
        if let wkss = set.wellKnownScaleSet { fields.append(("wellKnownScaleSet", .string(wkss))) }
        // The axes in the order pointOfOrigin gives them: the CRS's own (EPSG:4490 and the GK zones put north first).
        let axes = set.crs.isGeographic ? ["Lon", "Lat"] : ["E", "N"]
        fields.append(("orderedAxes", .array((set.crs.isNorthFirst ? axes.reversed() : axes).map { .string($0) })))
        fields.append(("tileMatrices", .array((set.minZoom...set.maxZoom).map { z in
            .object([
                ("id", .string(String(z))), ("scaleDenominator", .number(set.scaleDenominator(z))), ("cellSize", .number(set.cellSize(z))),
                ("cornerOfOrigin", .string("topLeft")), ("pointOfOrigin", origin), ("tileWidth", .number(Double(set.tileSize))),
                ("tileHeight", .number(Double(set.tileSize))), ("matrixWidth", .number(Double(set.matrixWidth(z)))),
                ("matrixHeight", .number(Double(set.matrixHeight(z)))),
            ])
        })))
        return .object(fields)
    }
}
