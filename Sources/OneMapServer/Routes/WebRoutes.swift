import Foundation
import Hummingbird

/// The web map (`/` and `/web/…` from `Web/`) and Leaflet from Debian's libjs-leaflet (`/vendor/leaflet/…`).
struct WebRoutes {
    let services: AppServices

    static let types = ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
                        "png": "image/png", "svg": "image/svg+xml", "json": "application/json; charset=utf-8", "map": "application/json"]

    func register(on router: Router<AppRequestContext>) {
        let web = services.configuration.webDirectory, leaflet = services.configuration.leafletDirectory
        router.get("/") { _, _ in try Self.file(web, "index.html") }
        router.get("/web/**") { _, context in try Self.file(web, context.parameters.getCatchAll().joined(separator: "/")) }
        router.get("/vendor/leaflet/**") { _, context in try Self.file(leaflet, context.parameters.getCatchAll().joined(separator: "/")) }
    }

    /// A file under `root`; no path escapes it.
    static func file(_ root: String, _ relative: String) throws -> Response {
        let parts = relative.split(separator: "/")
        guard !parts.isEmpty, !parts.contains(where: { $0 == ".." || $0.hasPrefix(".") }) else { throw APIError.notFound("no such file") }
        let path = (root as NSString).appendingPathComponent(relative)
        guard let data = FileManager.default.contents(atPath: path) else { throw APIError.notFound("no such file") }
        let ext = (relative as NSString).pathExtension.lowercased()
        return Responses.bytes([UInt8](data), contentType: types[ext] ?? "application/octet-stream", headers: [.cacheControl: "no-cache"])
    }
}
