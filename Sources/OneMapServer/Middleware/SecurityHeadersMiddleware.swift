import HTTPTypes
import Hummingbird

/// Headers that keep browsers from misreading answers: every answer is `nosniff`; pages get a
/// Content-Security-Policy without inline script (the web map's scripts are all files) and may
/// be framed only by the server's own pages.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
        "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'self'",
    ].joined(separator: "; ")
    static let csp = HTTPField.Name("Content-Security-Policy")!
    static let nosniff = HTTPField.Name("X-Content-Type-Options")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        Self.apply(to: &response.headers)
        return response
    }

    static func apply(to headers: inout HTTPFields) {
        headers[nosniff] = "nosniff"
        if headers[.contentType]?.hasPrefix("text/html") == true {
            headers[csp] = contentSecurityPolicy
            headers[frameOptions] = "SAMEORIGIN"
        }
    }
}
