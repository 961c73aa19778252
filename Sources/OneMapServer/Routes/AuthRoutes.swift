import Foundation
import HTTPTypes
import Hummingbird
import OneMapGeometry
import OneMapStore

/// The web map's session cookie: HttpOnly (scripts cannot read it), SameSite=Strict (other
/// sites' requests do not carry it), Secure when the server is reached over HTTPS.
enum SessionCookie {
    static let name = "onemap_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    static func value(_ request: Request) -> String? {
        for field in request.headers[values: .cookie] {
            for pair in field.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    let v = parts[1].trimmingCharacters(in: .whitespaces)
                    return v.isEmpty ? nil : v
                }
            }
        }
        return nil
    }

    /// `Secure` when clients reach the server over https (the public URL, or a checked proxy header).
    static func attributes(_ baseURL: String) -> String {
        "; Path=/; HttpOnly; SameSite=Strict" + (baseURL.hasPrefix("https:") ? "; Secure" : "")
    }

    static func setting(_ token: String, lifetime: TimeInterval, baseURL: String) -> String {
        "\(name)=\(token)\(attributes(baseURL)); Max-Age=\(Int(lifetime))"
    }

    static func clearing(baseURL: String) -> String { "\(name)=\(attributes(baseURL)); Max-Age=0" }
}

/// Sign-in for the web map: `POST /auth/login` (user and password: a session cookie and the
/// cross-site request token), `POST /auth/logout`, `GET /auth/me` (who is signed in, what they
/// may see). Failed sign-ins are rate limited per address like bad tokens, and audited.
struct AuthRoutes {
    let services: AppServices

    func register(on router: Router<AppRequestContext>) {
        router.post("/auth/login") { request, context -> Response in
            let limits = services.limits
            guard limits.failures.allows(context.remoteAddress) else {
                throw AuthMiddleware.tooMany(60 / limits.failures.rate / 60, "too many failed sign-ins from this address; wait a minute")
            }
            let (user, password) = try await Self.credentials(request)
            let store = services.store, lifetime = services.configuration.sessionLifetime, address = context.remoteAddress
            let session = try await Blocking.run { try store.signIn(user: user, password: password, lifetime: lifetime, from: address) }
            guard let session else {
                _ = limits.failures.take(context.remoteAddress)
                throw APIError(.unauthorized, "Unauthorized", "wrong user name or password")
            }
            var body = try await Self.me(session.principal, csrf: session.csrf, store: store)
            if case .object(var fields) = body {
                fields.append(("expires", .string(session.expires.formatted(.iso8601))))
                body = .object(fields)
            }
            return Responses.json(body, headers: [.setCookie: SessionCookie.setting(session.token, lifetime: lifetime, baseURL: context.baseURL), .cacheControl: "no-store"])
        }
        router.post("/auth/logout") { request, context -> Response in
            if let token = context.sessionToken {
                let store = services.store, principal = context.principal
                try await Blocking.run { try store.signOut(token: token, by: principal) }
            }
            return Responses.json(.object([("signedIn", .bool(false))]), headers: [.setCookie: SessionCookie.clearing(baseURL: context.baseURL), .cacheControl: "no-store"])
        }
        router.get("/auth/me") { _, context -> Response in
            let csrf = context.sessionToken.map(Store.csrfToken(for:))
            return Responses.json(try await Self.me(context.principal, csrf: csrf, store: services.store), headers: [.cacheControl: "no-store"])
        }
    }

    /// Who the caller is, their roles and the layers they may see.
    static func me(_ principal: Principal, csrf: String?, store: Store) async throws -> JSONValue {
        let layers = try await Blocking.run { try store.layers(for: principal) }
        let signedIn = principal != .anonymous
        var fields: [(String, JSONValue)] = [
            ("signedIn", .bool(signedIn)), ("user", signedIn ? .string(principal.name) : .null),
            ("roles", .array(principal.roles.map { .string($0) })), ("level", .string(principal.level.rawValue)),
            ("layers", .array(layers.map { .string($0.id) })),
        ]
        if let csrf { fields.append(("csrf", .string(csrf))) }
        return .object(fields)
    }

    /// `{"user": …, "password": …}` as JSON or as a form.
    static func credentials(_ request: Request) async throws -> (String, String) {
        let body = try await request.body.collect(upTo: 16 << 10)
        let bytes = Array(body.readableBytesView)
        var user: String?, password: String?
        if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            var components = URLComponents()
            components.percentEncodedQuery = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "+", with: "%20")
            for item in components.queryItems ?? [] {
                if item.name == "user" { user = item.value }
                if item.name == "password" { password = item.value }
            }
        } else {
            guard let json = try? JSONValue.parse(bytes), json.object != nil else {
                throw APIError.badRequest("the body must be JSON {\"user\": …, \"password\": …} or a form")
            }
            user = json["user"]?.string
            password = json["password"]?.string
        }
        guard let user, !user.isEmpty, let password, !password.isEmpty else { throw APIError.badRequest("user and password are required") }
        return (user, password)
    }
}
