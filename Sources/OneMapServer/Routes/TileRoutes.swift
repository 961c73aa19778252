import HTTPTypes
import Hummingbird
import OneMapGeometry
import OneMapRender
import OneMapStore
import OneMapTiles

/// `/tiles/{map}/{tms}/{z}/{x}/{y}.png` and `{y}@2x.png` (XYZ order, row from the top), and
/// `/overlays/{tms}/{z}/{x}/{y}.png?layers=a,b`: store layers from any maps as one tile, their
/// labels placed together (the command screen).
struct TileRoutes {
    let services: AppServices

    func register(on router: Router<AppRequestContext>) {
        router.get("/tiles/:map/:tms/:z/:x/:y") { request, context -> Response in
            let p = context.parameters
            let (y, scale) = try Self.row(Substring(p.get("y") ?? ""))
            let tile = TileID(z: try Parse.int(p.get("z").map { Substring($0) }, "z"), x: try Parse.int(p.get("x").map { Substring($0) }, "x"), y: y)
            let only = try QueryParameters.checked(request)["layers"].map { $0.split(separator: ",").map(String.init).filter { !$0.isEmpty } }
            if let only, only.isEmpty { throw APIError.badRequest("layers must name at least one layer of the map") }
            let result = try await services.tiles.tile(map: p.get("map") ?? "", tms: p.get("tms") ?? "", tile: tile, scale: scale,
                                                        principal: context.principal, only: only)
            return Self.response(result, request: request, principal: context.principal)
        }
        router.get("/overlays/:tms/:z/:x/:y") { request, context -> Response in
            let p = context.parameters
            let (y, scale) = try Self.row(Substring(p.get("y") ?? ""))
            let tile = TileID(z: try Parse.int(p.get("z").map { Substring($0) }, "z"), x: try Parse.int(p.get("x").map { Substring($0) }, "x"), y: y)
            let ids = (try QueryParameters.checked(request)["layers"] ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty }
            guard !ids.isEmpty, ids.count <= 32 else { throw APIError.badRequest("layers must name 1–32 layers") }
            let result = try await services.tiles.overlayTile(layers: ids, tms: p.get("tms") ?? "", tile: tile, scale: scale, principal: context.principal)
            return Self.response(result, request: request, principal: context.principal)
        }
    }

    /// "123.png" → (123, 1); "123@2x.png" → (123, 2).
    static func row(_ text: Substring) throws -> (Int, Int) {
        var name = text
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

    static let publicCacheControl = "public, max-age=60"

    /// Status and headers of a tile response.
    static func head(_ result: TileResult, ifNoneMatch: String?, principal: Principal) -> (HTTPResponse.Status, HTTPFields) {
        let cacheControl = principal == .anonymous ? publicCacheControl : "private, max-age=60"
        if let ifNoneMatch, Self.ifNoneMatch(ifNoneMatch, matches: result.etag) {
            return (.notModified, [.eTag: result.etag, .cacheControl: cacheControl])
        }
        return (.ok, [.contentType: "image/png", .eTag: result.etag, .cacheControl: cacheControl, HTTPField.Name("X-OneMap-Cache")!: result.source])
    }

    /// Whether an If-None-Match list names `etag`: weak comparison, as RFC 9110 asks, and `*`
    /// matches any tile.
    static func ifNoneMatch(_ header: String, matches etag: String) -> Bool {
        var rest = header[...]
        while true {
            let end = rest.firstIndex(of: ",") ?? rest.endIndex
            var tag = rest[..<end].drop { $0 == " " || $0 == "\t" }
            while tag.last == " " || tag.last == "\t" { tag = tag.dropLast() }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            if tag == "*" || tag == etag { return true }
            guard end < rest.endIndex else { return false }
            rest = rest[rest.index(after: end)...]
        }
    }

    /// The parts of a tile path, or nil when it is not one: "/tiles/m/t/15/1/2@2x.png".
    static func parse(path: Substring) -> (map: String, tms: String, tile: TileID, scale: Int)? {
        guard path.hasPrefix("/tiles/") else { return nil }
        var rest = path.dropFirst(7)
        func segment() -> Substring? {
            guard let slash = rest.utf8.firstIndex(of: UInt8(ascii: "/")) else { return nil }
            defer { rest = rest[rest.utf8.index(after: slash)...] }
            return rest[..<slash]
        }
        guard let map = segment(), let tms = segment(), let z = segment().flatMap({ Int($0) }), let x = segment().flatMap({ Int($0) }),
              !rest.utf8.contains(UInt8(ascii: "/")), let (y, scale) = try? row(rest)
        else { return nil }
        return (String(map), String(tms), TileID(z: z, x: x, y: y), scale)
    }
}
