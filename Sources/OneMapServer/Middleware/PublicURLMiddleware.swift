import HTTPTypes
import Hummingbird

/// Decides the base of the links a request's answer holds. Behind a proxy the configured public
/// URL is used and request headers are not trusted at all; otherwise the Host header, and
/// X-Forwarded-Proto, are used only when they are a plain authority and http or https (a Host of
/// `x"><script>` must not reach a page or a capabilities document).
struct PublicURLMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let publicURL: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.baseURL = publicURL ?? Self.baseURL(authority: request.head.authority, forwardedProto: request.headers[Self.forwardedProto])
        return try await next(request, context)
    }

    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let fallback = "http://127.0.0.1"

    static func baseURL(authority: String?, forwardedProto: String?) -> String {
        let scheme = forwardedProto.map { $0.lowercased() } ?? "http"
        guard scheme == "http" || scheme == "https", let authority, isAuthority(authority) else { return fallback }
        return "\(scheme)://\(authority)"
    }

    /// A host name, IPv4 or bracketed IPv6 address, with an optional port: nothing that needs escaping.
    static func isAuthority(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 255 else { return false }
        return text.unicodeScalars.allSatisfy { s in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || "-.:[]_".unicodeScalars.contains(s))
        }
    }
}
