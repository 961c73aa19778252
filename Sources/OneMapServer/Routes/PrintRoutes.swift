import Foundation
import HTTPTypes
import Hummingbird
import OneMapGeometry
import OneMapPrint
import OneMapRender
import OneMapStore

/// `GET /maps/{map}/print?bbox=&crs=&width=&height=&dpi=&title=&format=pdf|png[&layers=]`: the map
/// (with the store layers in `layers` drawn over it, as the web map shows them) printed on a page
/// of width × height millimetres with title, legend, scale bar, north arrow, date, CRS and attribution.
struct PrintRoutes {
    let services: AppServices
    /// The raster page's largest side in pixels (PNG; the PDF's map image is smaller).
    static let maxPixels = 8000.0

    func register(on router: Router<AppRequestContext>) {
        router.get("/maps/:map/print") { request, context -> Response in
            let kvp = try QueryParameters.checked(request)
            let principal = context.principal
            let base = try services.tiles.style(context.parameters.get("map") ?? "", for: principal)
            // Overlays: each store layer alone, from the map that draws it.
            var overlays: [Style] = []
            if let list = kvp["layers"], !list.isEmpty {
                for id in list.split(separator: ",").map(String.init) {
                    guard let found = services.tiles.layerStyle(id, for: principal) else { throw APIError.badRequest("no layer '\(id)' to print") }
                    overlays.append(found.style)
                }
            }
            var r = MapPrint.Request(area: try Self.area(kvp), title: kvp["title"] ?? base.name)
            guard !r.title.isEmpty, r.title.count <= 100 else { throw APIError.badRequest("title must be 1–100 characters") }
            r.width = try Self.number(kvp, "width", default: 297, in: 100...1189, unit: "mm")
            r.height = try Self.number(kvp, "height", default: 210, in: 100...1189, unit: "mm")
            r.dpi = try Self.number(kvp, "dpi", default: 150, in: 72...300, unit: "dpi")
            guard let format = MapPrint.Format(rawValue: kvp["format"] ?? "pdf") else { throw APIError.badRequest("format must be pdf or png") }
            r.format = format
            if format == .png, max(r.width, r.height) / 25.4 * r.dpi > Self.maxPixels {
                throw APIError.badRequest("a PNG page is at most \(Int(Self.maxPixels)) pixels a side: lower dpi or the page size")
            }
            r.crsName = Self.crsName(kvp["crs"])
            let visible = services.tiles.visibleLayers(base, for: principal)
            let legend = overlays.isEmpty ? Legend(style: base, layers: visible)
                : Legend(sections: overlays.flatMap { Legend(style: $0, layers: services.tiles.visibleLayers($0, for: principal)).sections })
            let request = r, styles = [base] + overlays, sprites = services.maps.sprites, store = services.store
            let attribution = base.attribution
            let bytes = try await Blocking.run {
                try MapPrint.render(request, styles: styles, legend: legend, attribution: attribution, sprites: sprites, store: store, principal: principal)
            }
            let type = format == .pdf ? "application/pdf" : "image/png"
            return Responses.bytes(bytes, contentType: type, headers: [HTTPField.Name("Content-Disposition")!: "inline; filename=\"onemap-map.\(format.rawValue)\"",
                                                                        .cacheControl: "private, no-store"])
        }
    }

    /// The area in CRS84 from `bbox` (x,y order: longitude or easting first) in `crs`.
    static func area(_ kvp: QueryParameters) throws -> BoundingBox {
        guard let text = kvp["bbox"] else { throw APIError.badRequest("missing parameter bbox (minx,miny,maxx,maxy)") }
        let n = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard n.count == 4, n.allSatisfy(\.isFinite), n[0] < n[2], n[1] < n[3] else { throw APIError.badRequest("bbox must be minx,miny,maxx,maxy with min below max") }
        var box = BoundingBox(minX: n[0], minY: n[1], maxX: n[2], maxY: n[3])
        if let name = kvp["crs"] {
            guard let crs = try? CRS(parsing: name) else { throw APIError.badRequest("unknown crs '\(name)'") }
            if crs != .crs84 { box = try CoordinateTransform(from: crs, to: .crs84).apply(box) }
        }
        guard box.minX >= -180, box.maxX <= 180, box.minY >= -85, box.maxY <= 85 else { throw APIError.badRequest("bbox lies outside the world") }
        return box
    }

    static func number(_ kvp: QueryParameters, _ name: String, default value: Double, in range: ClosedRange<Double>, unit: String) throws -> Double {
        guard let text = kvp[name] else { return value }
        guard let n = Double(text), range.contains(n) else {
            throw APIError.badRequest("\(name) must be \(Int(range.lowerBound))–\(Int(range.upperBound)) \(unit)")
        }
        return n
    }

    static func crsName(_ name: String?) -> String {
        guard let name, let crs = try? CRS(parsing: name), let code = crs.epsg else { return "CGCS2000 经纬度（EPSG:4490）" }
        return "EPSG:\(code)"
    }
}
