import HTTPTypes
import Hummingbird
import OneMapGeometry
import OneMapRender
import OneMapStore

/// `/tiles/{map}/{tms}/{z}/{x}/{y}.png` and `{y}@2x.png` (XYZ order, row from the top).
struct TileRoutes {
    let services: AppServices

    func register(on router: Router<AppRequestContext>) {
        router.get("/tiles/:map/:tms/:z/:x/:y") { request, context -> Response in
            let p = context.parameters
            let (y, scale) = try Self.row(p.get("y") ?? "")
            let tile = TileID(z: try Parse.int(p.get("z").map { Substring($0) }, "z"), x: try Parse.int(p.get("x").map { Substring($0) }, "x"), y: y)
            let only = FormQuery(request)["layers"].map { $0.split(separator: ",").map(String.init).filter { !$0.isEmpty } }
            if let only, only.isEmpty { throw APIError.badRequest("layers must name at least one layer of the map") }
            let result = try await services.tiles.tile(map: p.get("map") ?? "", tms: p.get("tms") ?? "", tile: tile, scale: scale,
                                                        principal: context.principal, only: only)
            return Self.response(result, request: request, principal: context.principal)
        }
    }

    /// "123.png" → (123, 1); "123@2x.png" → (123, 2).
    static func row(_ text: String) throws -> (Int, Int) {
        var name = Substring(text)
        guard name.hasSuffix(".png") else { throw APIError.notFound("tiles are PNG: …/{y}.png or …/{y}@2x.png") }
        name = name.dropLast(4)
        var scale = 1
        if name.hasSuffix("@2x") {
            scale = 2
            name = name.dropLast(3)
        }
        return (try Parse.int(name, "y"), scale)
    }

    /// The route's label in the request metrics.
    static let route = "/tiles/{map}/{tms}/{z}/{x}/{y}"

    /// 200 with the PNG, or 304 when the client's copy is current.
    static func response(_ result: TileResult, request: Request, principal: Principal) -> Response {
        let (status, headers) = head(result, ifNoneMatch: request.headers[.ifNoneMatch], principal: principal)
        if status == .notModified { return Response(status: status, headers: headers) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: result.buffer))
    }

    /// Status and headers of a tile response (shared with the pipeline's fast path).
    static func head(_ result: TileResult, ifNoneMatch: String?, principal: Principal) -> (HTTPResponse.Status, HTTPFields) {
        let cacheControl = principal == .anonymous ? "public, max-age=60" : "private, max-age=60"
        if let ifNoneMatch, ifNoneMatch.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == result.etag }) {
            return (.notModified, [.eTag: result.etag, .cacheControl: cacheControl])
        }
        return (.ok, [.contentType: "image/png", .eTag: result.etag, .cacheControl: cacheControl, HTTPField.Name("X-OneMap-Cache")!: result.source])
    }

    /// The parts of a tile path, or nil when it is not one: "/tiles/m/t/15/1/2@2x.png".
    static func parse(path: Substring) -> (map: String, tms: String, tile: TileID, scale: Int)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 7, parts[0].isEmpty, parts[1] == "tiles", let z = Int(parts[4]), let x = Int(parts[5]),
              let (y, scale) = try? row(String(parts[6]))
        else { return nil }
        return (String(parts[2]), String(parts[3]), TileID(z: z, x: x, y: y), scale)
    }
}
