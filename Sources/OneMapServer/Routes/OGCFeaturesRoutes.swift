import Foundation
import HTTPTypes
import Hummingbird
import OneMapGeometry
import OneMapStore

/// OGC API – Features: Part 1 core (landing page, conformance, collections, items, items by
/// id, OpenAPI), Part 2 CRS, Part 3 filtering with CQL2 text and queryables, Part 4
/// create/replace/update/delete; JSON by default, HTML with `f=html`.
struct OGCFeaturesRoutes {
    let services: AppServices

    static let conformance = [
        "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page",
        "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
        "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
        "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sortables",
        "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/property-selection",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
        "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    ]

    /// Parameters the items endpoint understands besides `property=value` filters.
    static let itemsParameters: Set<String> = ["limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang", "filter-crs",
                                               "sortby", "properties", "skipGeometry", "f", "token"]
    static let maxLimit = 10_000
    static let maxBody = 16 << 20

    func register(on router: Router<AppRequestContext>) {
        router.get("/ogc") { request, context in try landing(request, context) }
        router.get("/ogc/conformance") { request, _ -> Response in
            let classes = Self.conformance + OGCTilesRoutes.conformance + OGCProcessesRoutes.conformance
            if try OGCFormat(request) == .html { return OGCPages.conformance(classes) }
            return Responses.json(.object([("conformsTo", .array(classes.map { .string($0) }))]))
        }
        router.get("/ogc/api") { request, context -> Response in
            _ = try OGCFormat(request)  // the document is JSON whatever the format; an unknown one is 406
            let document = OpenAPIDocument.build(base: context.baseURL, offered: services.offeredCRS, collections: try collections(context.principal),
                                                 processes: services.processes.processes, cases: services.cases != nil)
            return Responses.json(document, headers: [.contentType: "application/vnd.oai.openapi+json;version=3.0"])
        }
        router.get("/ogc/collections") { request, context -> Response in
            let base = context.baseURL
            let layers = try collections(context.principal)
            if try OGCFormat(request) == .html { return OGCPages.collections(layers, base: base) }
            return Responses.json(.object([
                ("links", .array([link("self", "\(base)/ogc/collections", "application/json"),
                                  link("alternate", "\(base)/ogc/collections?f=html", "text/html")])),
                ("collections", .array(layers.map { collection($0, base: base) })),
                ("crs", .array(services.offeredCRS.map { .string($0.uri) })),
            ]))
        }
        router.get("/ogc/collections/:id") { request, context -> Response in
            let layer = try vectorLayer(context)
            let base = context.baseURL
            if try OGCFormat(request) == .html { return OGCPages.collection(layer, base: base, preview: preview(layer.id, base: base, principal: context.principal)) }
            return Responses.json(collection(layer, base: base))
        }
        router.get("/ogc/collections/:id/queryables") { request, context -> Response in
            _ = try OGCFormat(request)
            let layer = try vectorLayer(context)
            return Responses.json(Self.queryables(layer, base: context.baseURL), headers: [.contentType: "application/schema+json"])
        }
        router.get("/ogc/collections/:id/items") { request, context in try await items(request, context) }
        // A store read: on the blocking pool, not on the connection's event loop.
        router.get("/ogc/collections/:id/items/:fid") { request, context in try await Blocking.run { try item(request, context) } }
        router.post("/ogc/collections/:id/items") { request, context in try await create(request, context) }
        router.put("/ogc/collections/:id/items/:fid") { request, context in try await edit(request, context, patch: false) }
        router.patch("/ogc/collections/:id/items/:fid") { request, context in try await edit(request, context, patch: true) }
        router.delete("/ogc/collections/:id/items/:fid") { request, context -> Response in
            let layer = try vectorLayer(context)
            let fid = try featureID(context)
            try await services.edits.delete(fid, in: layer.id, ifMatch: request.headers[.ifMatch], for: context.principal)
            return Response(status: .noContent)
        }
    }

    // MARK: landing and collections

    /// A WMS GetMap of the layer alone over the first base map, its extent at 3:2 in Web Mercator
    /// (the collection page's preview); nil when no map draws the layer.
    func preview(_ id: String, base: String, principal: Principal) -> String? {
        guard let layer = ServiceLayer.named(id, services, principal), let b = services.tiles.extent(layer.style, for: principal) else { return nil }
        let lo = WebMercator.project(Coordinate(b.minX, b.minY)), hi = WebMercator.project(Coordinate(b.maxX, b.maxY))
        var box = BoundingBox(minX: lo.x, minY: lo.y, maxX: hi.x, maxY: hi.y).expanded(by: max(hi.x - lo.x, hi.y - lo.y) * 0.05 + 100)
        if box.width / box.height < 1.5 { box = box.expanded(by: (box.height * 1.5 - box.width) / 2, 0) } else { box = box.expanded(by: 0, (box.width / 1.5 - box.height) / 2) }
        let under = services.tiles.styles(for: principal).first(where: \.isBaseMap).map { "\($0.id)," } ?? ""
        return "\(base)/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&STYLES=&FORMAT=image/png&CRS=EPSG:3857&WIDTH=480&HEIGHT=320"
            + "&LAYERS=\(under)\(id)&BBOX=\(box.minX),\(box.minY),\(box.maxX),\(box.maxY)"
    }

    func landing(_ request: Request, _ context: AppRequestContext) throws -> Response {
        let base = context.baseURL
        if try OGCFormat(request) == .html { return OGCPages.landing(base: base) }
        return Responses.json(.object([
            ("title", .string("OneMap 一张图")),
            ("description", .string("The city's base layers and thematic overlays: features (OGC API – Features) and map tiles (OGC API – Tiles).")),
            ("links", .array([
                link("self", "\(base)/ogc", "application/json"),
                link("alternate", "\(base)/ogc?f=html", "text/html"),
                link("service-desc", "\(base)/ogc/api", "application/vnd.oai.openapi+json;version=3.0"),
                link("conformance", "\(base)/ogc/conformance", "application/json"),
                link("data", "\(base)/ogc/collections", "application/json"),
                link("http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", "\(base)/ogc/tileMatrixSets", "application/json"),
                link("http://www.opengis.net/def/rel/ogc/1.0/processes", "\(base)/ogc/processes", "application/json"),
                link("http://www.opengis.net/def/rel/ogc/1.0/job-list", "\(base)/ogc/jobs", "application/json"),
                // The other services of the same data, for clients and people that start here.
                linkTitled("service", "\(base)/wmts?SERVICE=WMTS&REQUEST=GetCapabilities", "application/xml", "WMTS 1.0.0"),
                linkTitled("service", "\(base)/wms?SERVICE=WMS&REQUEST=GetCapabilities", "text/xml", "WMS 1.3.0"),
                linkTitled("service", "\(base)/maps", "application/json", "地图（MapLibre 样式、TileJSON）"),
                linkTitled("alternate", "\(base)/", "text/html", "一张图 Web 地图"),
            ])),
        ]))
    }

    /// The vector layers the caller may see.
    /// - Throws: when the store cannot be read (a 500, not an empty catalogue).
    func collections(_ principal: Principal) throws -> [Layer] {
        try services.store.layers(for: principal).filter { $0.kind == .vector }
    }

    func vectorLayer(_ context: AppRequestContext) throws -> Layer {
        let id = context.parameters.get("id") ?? ""
        let layer = try services.store.layer(id, for: context.principal)
        guard layer.kind == .vector else { throw APIError.notFound("no feature collection '\(id)' ('\(id)' is a \(layer.kind.rawValue) layer, served as tiles)") }
        return layer
    }

    func featureID(_ context: AppRequestContext) throws -> Int64 {
        let text = context.parameters.get("fid") ?? ""
        guard let fid = Int64(text) else { throw APIError.notFound("no feature '\(text)' (feature ids are integers)") }
        return fid
    }

    func collection(_ layer: Layer, base: String) -> JSONValue {
        var fields: [(String, JSONValue)] = [("id", .string(layer.id)), ("title", .string(layer.title))]
        if let d = layer.description { fields.append(("description", .string(d))) }
        fields.append(("itemType", .string("feature")))
        if let e = layer.extent, let lonLat = try? CoordinateTransform(from: layer.storageCRS, to: .crs84).apply(e) {
            fields.append(("extent", .object([("spatial", .object([
                ("bbox", .array([.numbers([lonLat.minX, lonLat.minY, lonLat.maxX, lonLat.maxY])])),
                ("crs", .string(CRS.crs84.uri)),
            ]))])))
        }
        var crs = services.offeredCRS
        if !crs.contains(layer.storageCRS) { crs.append(layer.storageCRS) }
        fields.append(("crs", .array(crs.map { .string($0.uri) })))
        fields.append(("storageCrs", .string(layer.storageCRS.uri)))
        fields.append(("links", .array([
            link("self", "\(base)/ogc/collections/\(layer.id)", "application/json"),
            link("alternate", "\(base)/ogc/collections/\(layer.id)?f=html", "text/html"),
            link("items", "\(base)/ogc/collections/\(layer.id)/items", "application/geo+json"),
            link("items", "\(base)/ogc/collections/\(layer.id)/items?f=html", "text/html"),
            link("http://www.opengis.net/def/rel/ogc/1.0/queryables", "\(base)/ogc/collections/\(layer.id)/queryables", "application/schema+json"),
        ])))
        fields.append(("onemap:geometryType", .string(layer.geometryType?.name ?? "")))
        fields.append(("onemap:featureCount", .number(Double(layer.featureCount))))
        fields.append(("onemap:group", .string(layer.group)))
        return .object(fields)
    }

    /// Queryables as JSON Schema (2020-12): one property per attribute, with its display name.
    static func queryables(_ layer: Layer, base: String) -> JSONValue {
        var properties: [(String, JSONValue)] = [("geometry", .object([("$ref", .string(geometrySchema(layer.geometryType)))]))]
        for a in layer.attributes {
            var p: [(String, JSONValue)] = [("title", .string(a.displayName))]
            switch a.type {
            case .integer: p.append(("type", .string("integer")))
            case .real: p.append(("type", .string("number")))
            case .text: p.append(("type", .string("string")))
            case .date:
                p.append(("type", .string("string")))
                p.append(("format", .string("date")))
            }
            // Coded values with their labels, as JSON Schema says it: oneOf const + title.
            if let codes = a.codes {
                p.append(("oneOf", .array(codes.keys.sorted().map { .object([("const", .string($0)), ("title", .string(codes[$0]!))]) })))
            }
            properties.append((a.name, .object(p)))
        }
        return .object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("$id", .string("\(base)/ogc/collections/\(layer.id)/queryables")),
            ("type", .string("object")), ("title", .string(layer.title)),
            ("properties", .object(properties)),
            ("required", .array(layer.attributes.filter(\.required).map { .string($0.name) })),
            ("additionalProperties", .bool(false)),
        ])
    }

    static func geometrySchema(_ type: GeometryType?) -> String {
        "https://geojson.org/schema/\(type?.name ?? "Geometry").json"
    }

    // MARK: items

    func items(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let layer = try vectorLayer(context)
        let parameters = try ItemsParameters(request, layer: layer, offered: services.offeredCRS)
        let base = context.baseURL
        let path = "\(base)/ogc/collections/\(layer.id)/items"
        if parameters.format == .html {
            return try await itemsHTML(layer, parameters, context)
        }
        let query = parameters.query
        let links: @Sendable (FeatureQueryResult) -> String = { result in
            var list: [JSONValue] = [
                link("self", path + parameters.queryString(offset: query.offset), "application/geo+json"),
                link("alternate", path + parameters.queryString(offset: query.offset, format: "html"), "text/html"),
                link("collection", "\(base)/ogc/collections/\(layer.id)", "application/json"),
            ]
            if query.offset + result.returned < result.matched {
                list.append(link("next", path + parameters.queryString(offset: query.offset + query.limit), "application/geo+json"))
            }
            if query.offset > 0 {
                list.append(link("prev", path + parameters.queryString(offset: max(0, query.offset - query.limit)), "application/geo+json"))
            }
            var out = "\"numberMatched\":\(result.matched),\"numberReturned\":\(result.returned),\"timeStamp\":"
            JSONValue.quote(ISO8601DateFormatter().string(from: Date()), into: &out)
            out += ",\"links\":" + JSONValue.array(list).text
            return out
        }
        let stream = try services.features.collection(layer: layer.id, query, output: parameters.output, for: context.principal, trailer: links)
        let headers: HTTPFields = [
            .contentType: "application/geo+json",
            HTTPField.Name("Content-Crs")!: "<\(parameters.output.crs.uri)>",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for try await chunk in stream { try await writer.write(chunk) }
            try await writer.finish(nil)
        })
    }

    func itemsHTML(_ layer: Layer, _ parameters: ItemsParameters, _ context: AppRequestContext) async throws -> Response {
        var query = parameters.query
        query.includeGeometry = false
        let collected = RowCollector()
        let store = services.store, principal = context.principal, pageQuery = query
        let result = try await Blocking.run {
            try store.queryFeatures(layer: layer.id, pageQuery, for: principal) { row in collected.add(row.id, row.values) }
        }
        return OGCPages.items(layer, rows: collected.rows, result: result, query: query,
                              next: parameters.queryString(offset: query.offset + query.limit, format: "html"))
    }

    func item(_ request: Request, _ context: AppRequestContext) throws -> Response {
        let layer = try vectorLayer(context)
        let fid = try featureID(context)
        let output = try ItemsParameters.outputCRS(QueryParameters.checked(request)["crs"], layer: layer, offered: services.offeredCRS)
        let feature = try services.store.feature(fid, in: layer.id, for: context.principal)
        if try OGCFormat(request) == .html { return OGCPages.item(feature, layer: layer) }
        let base = context.baseURL
        let links = JSONValue.array([
            link("self", "\(base)/ogc/collections/\(layer.id)/items/\(fid)", "application/geo+json"),
            link("alternate", "\(base)/ogc/collections/\(layer.id)/items/\(fid)?f=html", "text/html"),
            link("collection", "\(base)/ogc/collections/\(layer.id)", "application/json"),
        ])
        let body = try services.features.feature(feature, layer: layer, output: output, extra: "\"links\":" + links.text)
        return Responses.bytes(body, contentType: "application/geo+json", headers: [
            .eTag: feature.etag, HTTPField.Name("Content-Crs")!: "<\(output.crs.uri)>",
        ])
    }

    // MARK: transactions

    func create(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let layer = try vectorLayer(context)
        let input = try await FeatureBody.read(request, patch: false, offered: services.offeredCRS)
        let result = try await services.edits.create(in: layer.id, input, for: context.principal)
        let location = "\(context.baseURL)/ogc/collections/\(layer.id)/items/\(result.feature.id)"
        return try editResponse(result, status: .created, extra: [.location: location])
    }

    func edit(_ request: Request, _ context: AppRequestContext, patch: Bool) async throws -> Response {
        let layer = try vectorLayer(context)
        let fid = try featureID(context)
        let input = try await FeatureBody.read(request, patch: patch, offered: services.offeredCRS)
        let ifMatch = request.headers[.ifMatch]
        let result = patch ? try await services.edits.update(fid, in: layer.id, input, ifMatch: ifMatch, for: context.principal)
            : try await services.edits.replace(fid, in: layer.id, input, ifMatch: ifMatch, for: context.principal)
        return try editResponse(result, status: .ok, extra: [:])
    }

    func editResponse(_ result: EditResult, status: HTTPResponse.Status, extra: HTTPFields) throws -> Response {
        var headers = extra
        headers[.contentType] = "application/geo+json"
        headers[.eTag] = result.etag
        if let repaired = result.repaired {
            headers[HTTPField.Name("OneMap-Geometry-Repaired")!] = String(repaired.unicodeScalars.filter(\.isASCII).map(Character.init).prefix(200))
        }
        let body = try services.features.feature(result.feature, layer: result.layer, output: .crs84, extra: nil)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Rows gathered for an HTML page, from the store's reader thread.
final class RowCollector: @unchecked Sendable {
    private(set) var rows: [(Int64, [FeatureValue])] = []
    func add(_ id: Int64, _ values: [FeatureValue]) { rows.append((id, values)) }
}

/// `{"rel": …, "href": …, "type": …}`.
func link(_ rel: String, _ href: String, _ type: String) -> JSONValue {
    .object([("rel", .string(rel)), ("href", .string(href)), ("type", .string(type))])
}

/// The same with a `title`.
func linkTitled(_ rel: String, _ href: String, _ type: String, _ title: String) -> JSONValue {
    .object([("rel", .string(rel)), ("href", .string(href)), ("type", .string(type)), ("title", .string(title))])
}

/// JSON or HTML, from `f` or else the Accept header (browsers ask for HTML).
enum OGCFormat {
    case json, html

    /// `f` (json, geojson or html), else the Accept header.
    /// - Throws: 406 for an `f` the OGC APIs do not write.
    init(_ request: Request) throws {
        if let f = QueryParameters(request)["f"] {
            switch f.lowercased() {
            case "html": self = .html
            case "json", "geojson": self = .json
            default: throw APIError(.notAcceptable, "NotAcceptable", "f must be json, geojson or html, not '\(f)'")
            }
        } else if let accept = request.headers[.accept], accept.contains("text/html") {
            self = .html
        } else {
            self = .json
        }
    }
}
