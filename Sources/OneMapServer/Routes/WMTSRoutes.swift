import Foundation
import Hummingbird
import OneMapGeometry
import OneMapRender
import OneMapStore
import OneMapTiles

/// WMTS 1.0.0 (OGC 07-057r7): GetCapabilities and GetTile, in KVP (`/wmts?…`) and RESTful
/// (`/wmts/1.0.0/WMTSCapabilities.xml`, `/wmts/{map}/{style}/{tms}/{z}/{row}/{col}.png`) form.
/// Errors are OWS ExceptionReports.
struct WMTSRoutes {
    let services: AppServices

    func register(on router: Router<AppRequestContext>) {
        // Errors become OWS ExceptionReports in the error funnel (`ErrorFormat.wmts`).
        router.get("/wmts") { request, context -> Response in
            let kvp = try KVP(request)
            let service = kvp["SERVICE"]
            if let service, service.uppercased() != "WMTS" {
                throw ProtocolError(code: "InvalidParameterValue", locator: "SERVICE", message: "SERVICE must be WMTS")
            }
            switch try kvp.require("REQUEST").lowercased() {
            case "getcapabilities": return capabilities(request, context)
            case "gettile":
                if let version = kvp["VERSION"], version != "1.0.0" {
                    throw ProtocolError(code: "InvalidParameterValue", locator: "VERSION", message: "only WMTS 1.0.0 is served")
                }
                let format = kvp["FORMAT"] ?? "image/png"
                guard format == "image/png" else { throw ProtocolError(code: "InvalidParameterValue", locator: "FORMAT", message: "FORMAT must be image/png") }
                return try await tile(request, context, map: try kvp.require("LAYER"), style: kvp["STYLE"] ?? "default",
                                      tms: try kvp.require("TILEMATRIXSET"), matrix: try kvp.require("TILEMATRIX"),
                                      row: try kvp.integer("TILEROW"), col: try kvp.integer("TILECOL"))
            default:
                throw ProtocolError(code: "OperationNotSupported", locator: "REQUEST", message: "REQUEST must be GetCapabilities or GetTile", status: .notImplemented)
            }
        }
        router.get("/wmts/1.0.0/WMTSCapabilities.xml") { request, context -> Response in capabilities(request, context) }
        router.get("/wmts/:map/:style/:tms/:z/:row/:col") { request, context -> Response in
            let p = context.parameters
            guard let colText = p.get("col"), colText.hasSuffix(".png"), let col = Int(colText.dropLast(4)) else {
                throw ProtocolError(code: "InvalidParameterValue", locator: "TileCol", message: "the tile column must be an integer followed by .png")
            }
            guard let row = Int(p.get("row") ?? "") else { throw ProtocolError(code: "InvalidParameterValue", locator: "TileRow", message: "TileRow must be an integer") }
            return try await tile(request, context, map: p.get("map") ?? "", style: p.get("style") ?? "", tms: p.get("tms") ?? "",
                                  matrix: p.get("z") ?? "", row: row, col: col)
        }
    }

    func tile(_ request: Request, _ context: AppRequestContext, map: String, style: String, tms: String, matrix: String, row: Int, col: Int) async throws -> Response {
        guard style.isEmpty || style == "default" else { throw ProtocolError(code: "InvalidParameterValue", locator: "STYLE", message: "STYLE must be default") }
        guard let set = services.tiles.matrixSets.named(tms) else {
            throw ProtocolError(code: "InvalidParameterValue", locator: "TILEMATRIXSET", message: "unknown TileMatrixSet '\(tms)' (WebMercatorQuad, CGCS2000Quad)")
        }
        guard let z = Int(matrix), set.contains(zoom: z) else {
            throw ProtocolError(code: "InvalidParameterValue", locator: "TILEMATRIX", message: "TileMatrix must be \(set.minZoom)–\(set.maxZoom) in \(set.id)")
        }
        let id = TileID(z: z, x: col, y: row)
        guard set.contains(id) else {
            throw ProtocolError(code: "TileOutOfRange", locator: row < 0 || row >= set.matrixHeight(z) ? "TILEROW" : "TILECOL",
                                message: "TileRow must be 0–\(set.matrixHeight(z) - 1) and TileCol 0–\(set.matrixWidth(z) - 1) at TileMatrix \(z)")
        }
        // A map, or a store layer alone drawn by its map (`ServiceLayer`).
        guard let layer = ServiceLayer.named(map, services, context.principal) else {
            throw ProtocolError(code: "InvalidParameterValue", locator: "LAYER", message: "unknown layer '\(map)'")
        }
        do {
            let result = try await services.tiles.tile(map: layer.style.id, tms: set.id, tile: id, scale: 1, principal: context.principal, only: layer.only)
            return TileRoutes.response(result, request: request, principal: context.principal)
        } catch RenderError.unknownMap {
            throw ProtocolError(code: "InvalidParameterValue", locator: "LAYER", message: "unknown layer '\(map)'")
        }
    }

    /// The maps a caller may use: loadable, with at least one layer it may see.
    static func layers(_ services: AppServices, _ principal: Principal) -> [Style] {
        services.tiles.styles(for: principal).filter { !$0.storeLayers.isEmpty }
    }

    func capabilities(_ request: Request, _ context: AppRequestContext) -> Response {
        let base = context.baseURL
        var x = XMLWriter()
        x.open("Capabilities", ["xmlns": "http://www.opengis.net/wmts/1.0", "xmlns:ows": "http://www.opengis.net/ows/1.1",
                                "xmlns:xlink": "http://www.w3.org/1999/xlink", "xmlns:gml": "http://www.opengis.net/gml", "version": "1.0.0"])
        x.open("ows:ServiceIdentification")
        x.element("ows:Title", "OneMap 一张图")
        x.element("ows:ServiceType", "OGC WMTS")
        x.element("ows:ServiceTypeVersion", "1.0.0")
        x.close()
        x.open("ows:OperationsMetadata")
        for op in ["GetCapabilities", "GetTile"] {
            x.open("ows:Operation", ["name": op])
            x.open("ows:DCP")
            x.open("ows:HTTP")
            x.open("ows:Get", ["xlink:href": "\(base)/wmts?"])
            x.open("ows:Constraint", ["name": "GetEncoding"])
            x.open("ows:AllowedValues")
            x.element("ows:Value", "KVP")
            x.close()
            x.close()
            x.close()
            x.close()
            x.close()
            x.close()
        }
        x.close()
        x.open("Contents")
        // Every map, then every layer the caller may see on its own (its department in the abstract).
        for layer in ServiceLayer.all(services, context.principal) {
            let style = layer.style
            x.open("Layer")
            x.element("ows:Title", layer.title)
            if let group = layer.group, let title = ServiceLayer.groups.first(where: { $0.id == group })?.title { x.element("ows:Abstract", title) }
            x.element("ows:Identifier", layer.name)
            if let b = services.tiles.extent(style, for: context.principal) {
                x.open("ows:WGS84BoundingBox")
                x.element("ows:LowerCorner", "\(b.minX) \(b.minY)")
                x.element("ows:UpperCorner", "\(b.maxX) \(b.maxY)")
                x.close()
            }
            x.open("Style", ["isDefault": "true"])
            x.element("ows:Identifier", "default")
            x.empty("LegendURL", ["format": "image/png",
                                  "xlink:href": "\(base)/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&FORMAT=image/png&LAYER=\(layer.name)"])
            x.close()
            x.element("Format", "image/png")
            for set in services.tiles.matrixSets.all {
                x.open("TileMatrixSetLink")
                x.element("TileMatrixSet", set.id)
                x.close()
            }
            x.empty("ResourceURL", ["format": "image/png", "resourceType": "tile",
                                    "template": "\(base)/wmts/\(layer.name)/{Style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png"])
            x.close()
        }
        for set in services.tiles.matrixSets.all { Self.write(set, into: &x) }
        x.close()
        x.empty("ServiceMetadataURL", ["xlink:href": "\(base)/wmts/1.0.0/WMTSCapabilities.xml"])
        x.close()
        return Responses.text(x.text, contentType: "application/xml; charset=utf-8")
    }

    /// A tile matrix set in WMTS form. Geographic CRSs list TopLeftCorner as latitude, longitude
    /// (EPSG axis order), as TianDiTu's own capabilities do.
    static func write(_ set: TileMatrixSet, into x: inout XMLWriter) {
        x.open("TileMatrixSet")
        x.element("ows:Identifier", set.id)
        x.element("ows:SupportedCRS", set.crs.epsg.map { "urn:ogc:def:crs:EPSG::\($0)" } ?? set.crs.uri)
        if set.id == TileMatrixSet.webMercatorQuad.id {
            x.element("WellKnownScaleSet", "urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible")
        }
        let corner = set.crs.isNorthFirst ? "\(set.origin.y) \(set.origin.x)" : "\(set.origin.x) \(set.origin.y)"
        for z in set.minZoom...set.maxZoom {
            x.open("TileMatrix")
            x.element("ows:Identifier", String(z))
            x.element("ScaleDenominator", String(set.scaleDenominator(z)))
            x.element("TopLeftCorner", corner)
            x.element("TileWidth", String(set.tileSize))
            x.element("TileHeight", String(set.tileSize))
            x.element("MatrixWidth", String(set.matrixWidth(z)))
            x.element("MatrixHeight", String(set.matrixHeight(z)))
            x.close()
        }
        x.close()
    }
}
