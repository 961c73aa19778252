import Hummingbird
import OneMapStore

/// Turns a credential into a principal. `onemap serve` uses the store's users and tokens; tests
/// may supply their own.
public protocol Authenticator: Sendable {
    /// The principal a token belongs to, or nil when the token is unknown or revoked.
    func principal(forToken token: String) throws -> Principal?
    /// The principal and the kind of credential (API token or web map session).
    func authenticate(token: String) throws -> Authentication?
}

extension Authenticator {
    public func authenticate(token: String) throws -> Authentication? { try principal(forToken: token).map { Authentication(principal: $0) } }
}

/// Users and tokens from the store (`onemap user …`, `onemap token …`). Without users every
/// token is refused and callers are anonymous.
public struct StoreAuthenticator: Authenticator {
    let store: Store
    public init(store: Store) { self.store = store }
    public func principal(forToken token: String) throws -> Principal? { try store.principal(forToken: token) }
    public func authenticate(token: String) throws -> Authentication? { try store.authenticate(token: token) }
}

/// Decides who is asking and puts it in the context; every route reads `context.principal`.
/// A token comes as `Authorization: Bearer …`, as a `token` query parameter (WMTS/WMS clients
/// that cannot set headers) or as the web map's session cookie. No token: anonymous (public
/// layers only). A wrong token: 401; an ended session: anonymous. A write on the session cookie must carry the
/// session's cross-site request token in `X-CSRF-Token` (403 otherwise): browsers send cookies
/// with requests other sites make, never that header.
/// Then applies the rate limits: per token for callers with one, per address for the others,
/// and a much lower one on failed tokens per address (429 with Retry-After).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticator: any Authenticator
    let limits: RateLimits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.principal = .anonymous
        var clearCookie = false
        if let (token, fromCookie) = Self.token(request) {
            if !fromCookie, !limits.failures.allows(context.remoteAddress) {
                throw Self.tooMany(60 / limits.failures.rate / 60, "too many invalid tokens from this address")
            }
            // A store read: on the blocking pool, not on the connection's event loop.
            let authenticator = self.authenticator
            let authentication = try await Blocking.run { try authenticator.authenticate(token: token) }
            if fromCookie {
                if let authentication, authentication.isSession {
                    if ![.get, .head, .options].contains(request.method), request.uri.path != "/auth/login",
                       request.headers[SessionCookie.csrfHeader] != Store.csrfToken(for: token) {
                        throw APIError(.forbidden, "Forbidden", "a write from the web map needs the session's X-CSRF-Token header (cross-site requests are refused)")
                    }
                    context.sessionToken = token
                    context.principal = authentication.principal
                } else {
                    // An ended session: carry on as anonymous and clear the cookie (signing in
                    // again must work with a stale cookie in the browser).
                    clearCookie = true
                }
            } else {
                guard let authentication else {
                    _ = limits.failures.take(context.remoteAddress)
                    throw APIError(.unauthorized, "Unauthorized", "the token is not valid", headers: [.wwwAuthenticate: "Bearer"])
                }
                context.principal = authentication.principal
            }
        }
        let user = context.principal == .anonymous ? nil : context.principal.name
        if let wait = limits.take(user: user, address: context.remoteAddress) { throw Self.tooMany(wait, "too many requests; slow down") }
        var response = try await next(request, context)
        if clearCookie { response.headers[.setCookie] = SessionCookie.clearing(baseURL: context.baseURL) }
        return response
    }

    static func tooMany(_ seconds: Double, _ message: String) -> APIError {
        APIError(.tooManyRequests, "TooManyRequests", message, headers: [.retryAfter: String(max(1, Int(seconds.rounded(.up))))])
    }

    /// The credential and whether it came in the session cookie.
    static func token(_ request: Request) -> (String, Bool)? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return (String(parts[1]).trimmingCharacters(in: .whitespaces), false) }
        }
        if let t = QueryParameters(request)["token"], !t.isEmpty { return (t, false) }
        if let t = SessionCookie.value(request) { return (t, true) }
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
