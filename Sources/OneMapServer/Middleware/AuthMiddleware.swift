import Hummingbird
import OneMapStore

/// Turns a credential into a principal. `onemap serve` uses the store's users and tokens; tests
/// may supply their own.
public protocol Authenticator: Sendable {
    /// The principal a token belongs to, or nil when the token is unknown or revoked.
    func principal(forToken token: String) throws -> Principal?
}

/// Users and tokens from the store (`onemap user …`, `onemap token …`). Without users every
/// token is refused and callers are anonymous.
public struct StoreAuthenticator: Authenticator {
    let store: Store
    public init(store: Store) { self.store = store }
    public func principal(forToken token: String) throws -> Principal? { try store.principal(forToken: token) }
}

/// Decides who is asking and puts it in the context; every route reads `context.principal`.
/// A token comes as `Authorization: Bearer …` or, for WMTS/WMS clients that cannot set headers,
/// a `token` query parameter. No token: anonymous (public layers only). A wrong token: 401.
/// Then applies the rate limits: per token for callers with one, per address for the others,
/// and a much lower one on failed tokens per address (429 with Retry-After).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticator: any Authenticator
    let limits: RateLimits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.principal = .anonymous
        var user: String?
        if let token = Self.token(request) {
            if !limits.failures.allows(context.remoteAddress) {
                throw Self.tooMany(60 / limits.failures.rate / 60, "too many invalid tokens from this address")
            }
            guard let principal = try authenticator.principal(forToken: token) else {
                _ = limits.failures.take(context.remoteAddress)
                throw APIError(.unauthorized, "Unauthorized", "the token is not valid", headers: [.wwwAuthenticate: "Bearer"])
            }
            context.principal = principal
            user = principal.name
        }
        if let wait = limits.take(user: user, address: context.remoteAddress) { throw Self.tooMany(wait, "too many requests; slow down") }
        return try await next(request, context)
    }

    static func tooMany(_ seconds: Double, _ message: String) -> APIError {
        APIError(.tooManyRequests, "TooManyRequests", message, headers: [.retryAfter: String(max(1, Int(seconds.rounded(.up))))])
    }

    static func token(_ request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        if let t = QueryParameters(request)["token"], !t.isEmpty { return t }
        return nil
    }
}

/// Each request counts once per confidential layer it reads in the audit log, however many
/// lookups serving it takes.
struct ReadAuditMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let store: Store

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await store.countingEachReadOnce { try await next(request, context) }
    }
}
