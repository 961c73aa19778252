import Foundation
import Hummingbird
import OneMapGeometry
import OneMapRender
import OneMapStore
import OneMapTiles

/// WMS 1.3.0 (and 1.1.1 for older clients): GetCapabilities, GetMap, GetFeatureInfo and
/// GetLegendGraphic over the maps and each store layer alone (`ServiceLayer`), in the CRSs
/// Chinese clients use. BBOX follows each version's axis rules; errors are
/// ServiceExceptionReports with the right 4xx status.
struct WMSRoutes {
    let services: AppServices
    /// The offered CRSs by their WMS names, `CRS:84` last (clients look for the EPSG codes first).
    var crsNames: [String] {
        let offered = services.offeredCRS
        return offered.filter { $0 != .crs84 }.map(\.identifier) + (offered.contains(.crs84) ? ["CRS:84"] : [])
    }

    func register(on router: Router<AppRequestContext>) {
        // Errors become ServiceExceptionReports in the error funnel (`ErrorFormat.wms`).
        router.get("/wms") { request, context -> Response in
            let kvp = try KVP(request)
            if let service = kvp["SERVICE"], service.uppercased() != "WMS" {
                throw ProtocolError(code: "InvalidParameterValue", locator: "SERVICE", message: "SERVICE must be WMS")
            }
            switch try kvp.require("REQUEST").lowercased() {
            case "getcapabilities": return capabilities(request, context)
            case "getmap": return try await getMap(kvp, context)
            case "getfeatureinfo": return try await getFeatureInfo(kvp, context)
            case "getlegendgraphic": return try await getLegendGraphic(kvp, context)
            default:
                throw ProtocolError(code: "OperationNotSupported", locator: "REQUEST",
                                    message: "REQUEST must be GetCapabilities, GetMap, GetFeatureInfo or GetLegendGraphic", status: .notImplemented)
            }
        }
    }

    /// The maps and layers named in LAYERS that the caller may use (others answer as if they did not exist).
    func layers(_ names: String, _ principal: Principal, parameter: String = "LAYERS") throws -> [ServiceLayer] {
        let list = names.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !list.isEmpty else { throw ProtocolError(code: "MissingParameterValue", locator: parameter, message: "\(parameter) is empty") }
        return try list.map { name in
            guard let layer = ServiceLayer.named(name, services, principal) else {
                throw ProtocolError(code: "LayerNotDefined", locator: parameter, message: "unknown layer '\(name)'")
            }
            return layer
        }
    }

    /// The parts GetMap and GetFeatureInfo share: version, maps, CRS, BBOX (axis order applied) and size.
    struct MapRequest {
        var version: String
        var layers: [ServiceLayer]
        var crs: CRS
        var box: BoundingBox
        var width: Int
        var height: Int
    }

    func mapRequest(_ kvp: KVP, _ context: AppRequestContext, layersParameter: String = "LAYERS") throws -> MapRequest {
        let version = kvp["VERSION"] ?? "1.3.0"
        guard version == "1.3.0" || version == "1.1.1" else {
            throw ProtocolError(code: "InvalidParameterValue", locator: "VERSION", message: "VERSION must be 1.3.0 (or 1.1.1)")
        }
        let layers = try layers(try kvp.require(layersParameter), context.principal, parameter: layersParameter)
        let styleNames = (kvp["STYLES"] ?? "").split(separator: ",", omittingEmptySubsequences: false)
        for s in styleNames where !s.isEmpty && s != "default" {
            throw ProtocolError(code: "StyleNotDefined", locator: "STYLES", message: "unknown style '\(s)' (each map has its default style)")
        }
        let crsName = try kvp.require(version == "1.3.0" ? "CRS" : "SRS")
        guard let crs = try? CRS(parsing: crsName), services.offeredCRS.contains(crs) else {
            throw ProtocolError(code: version == "1.3.0" ? "InvalidCRS" : "InvalidSRS", locator: version == "1.3.0" ? "CRS" : "SRS",
                                message: "CRS must be one of \(crsNames.joined(separator: ", "))")
        }
        let numbers = try kvp.require("BBOX").split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == 4, numbers.allSatisfy({ $0?.isFinite == true }) else {
            throw ProtocolError(code: "InvalidParameterValue", locator: "BBOX", message: "BBOX must be four numbers minx,miny,maxx,maxy")
        }
        var (a, b, c, d) = (numbers[0]!, numbers[1]!, numbers[2]!, numbers[3]!)
        // WMS 1.3.0 uses the CRS's own axis order: latitude (or northing) first for EPSG:4490, 4326, 4527, 4548.
        if version == "1.3.0" && crs.isNorthFirst { (a, b, c, d) = (b, a, d, c) }
        guard a < c, b < d else { throw ProtocolError(code: "InvalidParameterValue", locator: "BBOX", message: "BBOX minimum must be below maximum") }
        let width = try kvp.integer("WIDTH"), height = try kvp.integer("HEIGHT")
        let cap = services.configuration.maxImageSize
        guard (1...cap).contains(width), (1...cap).contains(height) else {
            throw ProtocolError(code: "InvalidParameterValue", locator: width > cap || width < 1 ? "WIDTH" : "HEIGHT",
                                message: "WIDTH and HEIGHT must be 1–\(cap)")
        }
        return MapRequest(version: version, layers: layers, crs: crs, box: BoundingBox(minX: a, minY: b, maxX: c, maxY: d), width: width, height: height)
    }

    func getMap(_ kvp: KVP, _ context: AppRequestContext) async throws -> Response {
        let map = try mapRequest(kvp, context)
        let (styles, crs, box, width, height) = (map.layers.map(\.style), map.crs, map.box, map.width, map.height)
        let format = try kvp.require("FORMAT").lowercased().replacingOccurrences(of: " ", with: "")
        let tileFormat: TileFormat
        switch format {
        case "image/png": tileFormat = .rgba
        case "image/png;mode=8bit", "image/png8": tileFormat = .palette
        default: throw ProtocolError(code: "InvalidFormat", locator: "FORMAT", message: "FORMAT must be image/png or image/png; mode=8bit")
        }
        let transparent = (kvp["TRANSPARENT"] ?? "FALSE").uppercased() == "TRUE"
        var fill: Color?
        if !transparent {
            let bg = kvp["BGCOLOR"] ?? "0xFFFFFF"
            guard bg.uppercased().hasPrefix("0X"), let c = Color(css: "#" + bg.dropFirst(2)) else {
                throw ProtocolError(code: "InvalidParameterValue", locator: "BGCOLOR", message: "BGCOLOR must be 0xRRGGBB")
            }
            fill = c
        }
        let view = RenderView(crs: crs, bbox: box, width: width, height: height, zoom: RenderView.zoom(crs: crs, bbox: box, width: width))
        let principal = context.principal
        let background = fill
        let png = try await services.pool.submit { renderer in
            try renderer.render(view: view, styles: styles, principal: principal, backgrounds: !transparent, fill: background).encode(format: tileFormat)
        }
        return Responses.bytes(png, contentType: "image/png", headers: [.cacheControl: principal == .anonymous ? "public, max-age=60" : "private, max-age=60"])
    }

    /// GetFeatureInfo: the pixel I,J (X,Y in 1.1.1) of the described map, answered by identify
    /// at the map's scale, as GeoJSON, HTML or plain text.
    func getFeatureInfo(_ kvp: KVP, _ context: AppRequestContext) async throws -> Response {
        let map = try mapRequest(kvp, context, layersParameter: "QUERY_LAYERS")
        let i = try kvp.integer(map.version == "1.3.0" ? "I" : "X"), j = try kvp.integer(map.version == "1.3.0" ? "J" : "Y")
        guard (0..<map.width).contains(i), (0..<map.height).contains(j) else {
            throw ProtocolError(code: "InvalidPoint", locator: map.version == "1.3.0" ? "I" : "X", message: "I and J must lie inside WIDTH × HEIGHT")
        }
        let format = (kvp["INFO_FORMAT"] ?? "application/json").lowercased()
        guard ["application/json", "application/geo+json", "text/html", "text/plain"].contains(format) else {
            throw ProtocolError(code: "InvalidFormat", locator: "INFO_FORMAT", message: "INFO_FORMAT must be application/json, text/html or text/plain")
        }
        let count = kvp["FEATURE_COUNT"] == nil ? 1 : try kvp.integer("FEATURE_COUNT")
        guard (1...100).contains(count) else {
            throw ProtocolError(code: "InvalidParameterValue", locator: "FEATURE_COUNT", message: "FEATURE_COUNT must be 1–100")
        }
        let box = map.box
        let point = Coordinate(box.minX + (Double(i) + 0.5) * box.width / Double(map.width), box.maxY - (Double(j) + 0.5) * box.height / Double(map.height))
        let lonLat = try CoordinateTransform(from: map.crs, to: .crs84).apply(point)
        let zoom = max(0, min(24, RenderView.zoom(crs: map.crs, bbox: box, width: map.width)))
        let identify = services.identify, principal = context.principal, layers = map.layers
        let found = try await Blocking.run {
            var all: [IdentifiedFeature] = []
            for layer in layers {
                all += try identify.identify(map: layer.style.id, at: lonLat, zoom: zoom, limit: count, only: layer.only.map(Set.init), for: principal)
            }
            return Array(all.prefix(count))
        }
        switch format {
        case "text/plain":
            let lines = found.map { hit in
                "\(hit.layer.title) (\(hit.layer.id)) \(hit.feature.id)\n" + zip(hit.layer.attributes, hit.feature.values).map { "  \($0.displayName) = \($1)" }.joined(separator: "\n")
            }
            return Responses.text(lines.isEmpty ? "no features\n" : lines.joined(separator: "\n") + "\n", contentType: "text/plain; charset=utf-8")
        case "text/html":
            let tables = found.map { hit in
                "<h3>\(HTMLPage.escape(hit.layer.title)) \(hit.feature.id)</h3><table>" + zip(hit.layer.attributes, hit.feature.values).map {
                    "<tr><th>\(HTMLPage.escape($0.displayName))</th><td>\(HTMLPage.escape($1.description))</td></tr>"
                }.joined() + "</table>"
            }
            return Responses.text("<!doctype html><html><head><meta charset=\"utf-8\"></head><body>\(tables.joined())</body></html>", contentType: "text/html; charset=utf-8")
        default:
            return Responses.json(IdentifyRoutes.json(found, geometry: true), headers: [.contentType: "application/json; charset=utf-8"])
        }
    }

    /// GetLegendGraphic (SLD 1.1 / QGIS style): the legend of one map or layer as PNG.
    func getLegendGraphic(_ kvp: KVP, _ context: AppRequestContext) async throws -> Response {
        let layer = try layers(try kvp.require("LAYER"), context.principal, parameter: "LAYER")
        guard layer.count == 1 else { throw ProtocolError(code: "InvalidParameterValue", locator: "LAYER", message: "LAYER names one layer") }
        if let style = kvp["STYLE"], !style.isEmpty, style != "default" {
            throw ProtocolError(code: "StyleNotDefined", locator: "STYLE", message: "unknown style '\(style)' (each layer has its default style)")
        }
        let format = (kvp["FORMAT"] ?? "image/png").lowercased()
        guard format == "image/png" else { throw ProtocolError(code: "InvalidFormat", locator: "FORMAT", message: "FORMAT must be image/png") }
        var width = 220.0
        if kvp["WIDTH"] != nil {
            let w = try kvp.integer("WIDTH")
            guard (80...1000).contains(w) else { throw ProtocolError(code: "InvalidParameterValue", locator: "WIDTH", message: "WIDTH must be 80–1000") }
            width = Double(w) * 72 / 96
        }
        let legend = layer[0].legend(services, context.principal), sprites = services.tiles.maps.sprites, w = width
        let png = try await Blocking.run { try legend.png(width: w, icons: sprites) }
        return Responses.bytes(png, contentType: "image/png", headers: [.cacheControl: context.principal == .anonymous ? "public, max-age=300" : "private, max-age=300"])
    }

    func capabilities(_ request: Request, _ context: AppRequestContext) -> Response {
        let base = context.baseURL
        var x = XMLWriter()
        x.open("WMS_Capabilities", ["version": "1.3.0", "xmlns": "http://www.opengis.net/wms", "xmlns:xlink": "http://www.w3.org/1999/xlink",
                                    "xmlns:sld": "http://www.opengis.net/sld"])
        x.open("Service")
        x.element("Name", "WMS")
        x.element("Title", "OneMap 一张图")
        x.empty("OnlineResource", ["xlink:href": "\(base)/wms"])
        x.element("MaxWidth", String(services.configuration.maxImageSize))
        x.element("MaxHeight", String(services.configuration.maxImageSize))
        x.close()
        x.open("Capability")
        x.open("Request")
        for (op, formats) in [("GetCapabilities", ["text/xml"]), ("GetMap", ["image/png", "image/png; mode=8bit"]),
                              ("GetFeatureInfo", ["application/json", "text/html", "text/plain"]), ("sld:GetLegendGraphic", ["image/png"])] {
            x.open(op)
            for f in formats { x.element("Format", f) }
            x.open("DCPType")
            x.open("HTTP")
            x.open("Get")
            x.empty("OnlineResource", ["xlink:href": "\(base)/wms?"])
            x.close()
            x.close()
            x.close()
            x.close()
        }
        x.close()
        x.open("Exception")
        x.element("Format", "XML")
        x.close()
        x.open("Layer")
        x.element("Title", "OneMap 一张图")
        for crs in crsNames { x.element("CRS", crs) }
        let principal = context.principal
        func layer(_ l: ServiceLayer) {
            x.open("Layer", ["queryable": "1", "opaque": "0"])
            x.element("Name", l.name)
            x.element("Title", l.title)
            if let b = services.tiles.extent(l.style, for: principal) {
                x.open("EX_GeographicBoundingBox")
                x.element("westBoundLongitude", String(b.minX))
                x.element("eastBoundLongitude", String(b.maxX))
                x.element("southBoundLatitude", String(b.minY))
                x.element("northBoundLatitude", String(b.maxY))
                x.close()
                for crsName in ["EPSG:4490", "EPSG:4326"] {
                    x.empty("BoundingBox", ["CRS": crsName, "minx": String(b.minY), "miny": String(b.minX), "maxx": String(b.maxY), "maxy": String(b.maxX)])
                }
                let m0 = WebMercator.project(Coordinate(b.minX, b.minY)), m1 = WebMercator.project(Coordinate(b.maxX, b.maxY))
                x.empty("BoundingBox", ["CRS": "EPSG:3857", "minx": String(m0.x), "miny": String(m0.y), "maxx": String(m1.x), "maxy": String(m1.y)])
            }
            x.open("Style")
            x.element("Name", "default")
            x.element("Title", "默认")
            x.open("LegendURL", ["width": "293", "height": String(ServiceLayer.legendHeight(l.legend(services, principal)))])
            x.element("Format", "image/png")
            x.empty("OnlineResource", ["xlink:type": "simple",
                                       "xlink:href": "\(base)/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&FORMAT=image/png&LAYER=\(l.name)"])
            x.close()
            x.close()
            x.close()
        }
        // The maps, then each layer alone under its department.
        x.open("Layer")
        x.element("Title", "地图")
        for l in ServiceLayer.maps(services, principal) { layer(l) }
        x.close()
        let single = ServiceLayer.storeLayers(services, principal)
        for group in ServiceLayer.groups + Set(single.compactMap(\.group)).subtracting(ServiceLayer.groups.map(\.id)).sorted().map({ ($0, $0) }) {
            let members = single.filter { $0.group == group.id }
            guard !members.isEmpty else { continue }
            x.open("Layer")
            x.element("Title", group.title)
            for l in members { layer(l) }
            x.close()
        }
        x.close()
        x.close()
        x.close()
        return Responses.text(x.text, contentType: "text/xml; charset=utf-8")
    }
}
