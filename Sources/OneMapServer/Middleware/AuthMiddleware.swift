import Hummingbird
import OneMapStore

/// Turns a credential into a principal. `onemap serve` uses the store's users and tokens; tests
/// may supply their own.
public protocol Authenticator: Sendable {
    /// The principal a token belongs to, or nil when the token is unknown or revoked.
    func principal(forToken token: String) throws -> Principal?
}

/// No users configured: every caller is anonymous and any token is refused.
public struct NoAuthenticator: Authenticator {
    public init() {}
    public func principal(forToken token: String) throws -> Principal? { nil }
}

/// Decides who is asking and puts it in the context; every route reads `context.principal`.
/// A token comes as `Authorization: Bearer …` or, for WMTS/WMS clients that cannot set headers,
/// a `token` query parameter. No token: anonymous (public layers only). A wrong token: 401.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticator: any Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.principal = .anonymous
        if let token = Self.token(request) {
            guard let principal = try authenticator.principal(forToken: token) else {
                throw APIError(.unauthorized, "Unauthorized", "the token is not valid", headers: [.wwwAuthenticate: "Bearer"])
            }
            context.principal = principal
        }
        return try await next(request, context)
    }

    static func token(_ request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        if let t = request.uri.queryParameters["token"], !t.isEmpty { return String(t) }
        return nil
    }
}
