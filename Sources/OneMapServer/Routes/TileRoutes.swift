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
            let result = try await services.tiles.tile(map: p.get("map") ?? "", tms: p.get("tms") ?? "", tile: tile, scale: scale,
                                                        principal: context.principal)
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

    /// 200 with the PNG, or 304 when the client's copy is current.
    static func response(_ result: TileResult, request: Request, principal: Principal) -> Response {
        let cacheControl = principal == .anonymous ? "public, max-age=60" : "private, max-age=60"
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == result.etag }) {
            return Response(status: .notModified, headers: [.eTag: result.etag, .cacheControl: cacheControl])
        }
        return Responses.bytes(result.data, contentType: "image/png",
                               headers: [.eTag: result.etag, .cacheControl: cacheControl, HTTPField.Name("X-OneMap-Cache")!: result.source])
    }
}
