import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapServer
@testable import OneMapStore

/// Web map sign-in: passwords, the session cookie, cross-site request protection, sign-out.
@Suite struct AuthRoutesTests {
    static let cookieName = "onemap_session"

    /// The fixture's store users with passwords: ed (editor), vera (viewer).
    static func fixture(_ configure: @escaping @Sendable (inout ServerConfiguration) -> Void = { _ in }) async throws -> FeatureFixture {
        // (scrypt takes a second or more in a debug build: off the cooperative pool, like the import.)
        try await OwnThread.build {
            let fixture = try FeatureFixture(users: true, configure: configure)
            try fixture.services.store.setPassword("correct horse", for: "ed")
            try fixture.services.store.setPassword("battery staple", for: "vera")
            return fixture
        }
    }

    static func login(_ client: any TestClientProtocol, _ user: String, _ password: String) async throws -> TestResponse {
        try await client.execute(uri: "/auth/login", method: .post, headers: [.contentType: "application/json"],
                                 body: ByteBuffer(string: #"{"user": "\#(user)", "password": "\#(password)"}"#))
    }

    /// The session cookie's value from a response.
    static func cookie(_ r: TestResponse) -> String? {
        guard let header = r.headers[.setCookie], header.hasPrefix(cookieName + "=") else { return nil }
        return String(header.dropFirst(cookieName.count + 1).prefix { $0 != ";" })
    }

    static let newWell = #"{"type": "Feature", "geometry": {"type": "Point", "coordinates": [116.805, 38.305]}, "properties": {"name": "新井", "status": "open"}}"#

    @Test func signingInOpensASessionThatSeesInternalLayers() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let anonymous = try await client.execute(uri: "/auth/me", method: .get).json
            #expect(anonymous["signedIn"]?.bool == false && anonymous["layers"]?.array?.contains(.string("draft_sites")) == false)
            let r = try await Self.login(client, "ed", "correct horse")
            #expect(r.status == .ok)
            let setCookie = try #require(r.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Max-Age=28800") && setCookie.contains("Path=/"))
            #expect(!setCookie.contains("Secure"), "plain HTTP")
            let token = try #require(Self.cookie(r))
            let csrf = try #require(r.json["csrf"]?.string)
            #expect(r.json["user"]?.string == "ed" && r.json["roles"]?.array == [.string("editor")])
            let session: HTTPFields = [.cookie: "\(Self.cookieName)=\(token)"]
            let me = try await client.execute(uri: "/auth/me", method: .get, headers: session).json
            #expect(me["signedIn"]?.bool == true && me["csrf"]?.string == csrf)
            #expect(me["layers"]?.array?.contains(.string("draft_sites")) == true)
            // The internal layer reads with the cookie and not without it.
            #expect(try await client.execute(uri: "/ogc/collections/draft_sites/items", method: .get, headers: session).status == .ok)
            #expect(try await client.execute(uri: "/ogc/collections/draft_sites/items", method: .get).status == .notFound)
            // A write with the cross-site request token goes through.
            var write = session
            write[.contentType] = "application/geo+json"
            write[SessionCookie.csrfHeader] = csrf
            let created = try await client.execute(uri: "/ogc/collections/wells/items", method: .post, headers: write, body: ByteBuffer(string: Self.newWell))
            #expect(created.status == .created, "\(created.text)")
            // Behind an HTTPS proxy the cookie is Secure.
            let proxied = try await client.execute(uri: "/auth/login", method: .post, headers: [.contentType: "application/json", HTTPField.Name("X-Forwarded-Proto")!: "https"],
                                                   body: ByteBuffer(string: #"{"user": "vera", "password": "battery staple"}"#))
            #expect(proxied.headers[.setCookie]?.contains("; Secure") == true)
            // Signing out ends the session: the cookie then counts for nothing.
            var logout = session
            logout[SessionCookie.csrfHeader] = csrf
            let out = try await client.execute(uri: "/auth/logout", method: .post, headers: logout)
            #expect(out.status == .ok && out.headers[.setCookie]?.contains("Max-Age=0") == true)
            let after = try await client.execute(uri: "/auth/me", method: .get, headers: session)
            #expect(after.json["signedIn"]?.bool == false && after.headers[.setCookie]?.contains("Max-Age=0") == true, "the dead cookie is cleared")
            let audit = try fixture.services.store.auditRecords().map(\.action)
            #expect(audit.contains("session.login") && audit.contains("session.logout"))
        }
    }

    @Test func badSignInsAreRefusedAuditedAndRateLimited() async throws {
        let fixture = try await Self.fixture { $0.failedTokensPerMinute = 5 }
        try await fixture.test { client in
            let wrong = try await Self.login(client, "ed", "wrong password")
            #expect(wrong.status == .unauthorized && wrong.json["description"]?.string == "wrong user name or password" && wrong.headers[.setCookie] == nil)
            let unknown = try await Self.login(client, "nobody", "whatever1")
            #expect(unknown.status == .unauthorized && unknown.json["description"]?.string == "wrong user name or password", "the same answer for both")
            let noPassword = try await client.execute(uri: "/auth/login", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"user": "ed"}"#))
            #expect(noPassword.status == .badRequest)
            let notJSON = try await client.execute(uri: "/auth/login", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "user=ed"))
            #expect(notJSON.status == .badRequest)
            let failures = try fixture.services.store.auditRecords().filter { $0.action == "session.failed" }
            #expect(failures.count == 2 && failures.allSatisfy { $0.detail?.contains("from ") == true })
            // Five failures a minute: then 429 (within a few more tries even if a slow machine lets
            // the bucket refill a little), and then even the right password is refused.
            var tries = 0, answer = HTTPResponse.Status.unauthorized
            while answer != .tooManyRequests && tries < 8 {
                answer = try await Self.login(client, "ed", "wrong again").status
                tries += 1
            }
            #expect(answer == .tooManyRequests && tries >= 4, "\(tries) more failures before 429")
            let limited = try await Self.login(client, "ed", "correct horse")
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] != nil && limited.headers[.setCookie] == nil)
        }
    }

    @Test func cookieWritesWithoutTheCrossSiteTokenAreRefused() async throws {
        let fixture = try await Self.fixture()
        try await fixture.test { client in
            let r = try await Self.login(client, "ed", "correct horse")
            let token = try #require(Self.cookie(r))
            let before = try fixture.services.store.features(in: "wells", for: .system).count
            var write: HTTPFields = [.cookie: "\(Self.cookieName)=\(token)", .contentType: "application/geo+json"]
            let missing = try await client.execute(uri: "/ogc/collections/wells/items", method: .post, headers: write, body: ByteBuffer(string: Self.newWell))
            #expect(missing.status == .forbidden && missing.text.contains("X-CSRF-Token"))
            write[SessionCookie.csrfHeader] = "0123456789abcdef0123456789abcdef"
            let forged = try await client.execute(uri: "/ogc/collections/wells/items", method: .post, headers: write, body: ByteBuffer(string: Self.newWell))
            #expect(forged.status == .forbidden)
            // A forged or ended session cookie is nobody: the write is refused as anonymous.
            let fake: HTTPFields = [.cookie: "\(Self.cookieName)=os_\(String(repeating: "x", count: 40))", .contentType: "application/geo+json",
                                    SessionCookie.csrfHeader: Store.csrfToken(for: "os_\(String(repeating: "x", count: 40))")]
            let fakeWrite = try await client.execute(uri: "/ogc/collections/wells/items", method: .post, headers: fake, body: ByteBuffer(string: Self.newWell))
            #expect(fakeWrite.status == .unauthorized || fakeWrite.status == .forbidden, "\(fakeWrite.status)")
            #expect(try fixture.services.store.features(in: "wells", for: .system).count == before, "nothing written")
            // Scripts with a bearer token need no cross-site token.
            let bearer: HTTPFields = [.authorization: "Bearer \(fixture.tokens["editor"]!)", .contentType: "application/geo+json"]
            #expect(try await client.execute(uri: "/ogc/collections/wells/items", method: .post, headers: bearer, body: ByteBuffer(string: Self.newWell)).status == .created)
        }
    }

    @Test func sessionsExpireAndEndWithAPasswordChange() async throws {
        let fixture = try await Self.fixture { $0.sessionLifetime = 3600 }
        try await fixture.test { client in
            let login = try await Self.login(client, "vera", "battery staple")
            #expect(login.headers[.setCookie]?.contains("Max-Age=3600") == true, "the cookie lives as long as the session")
            let token = try #require(Self.cookie(login))
            #expect(try await client.execute(uri: "/auth/me", method: .get, headers: [.cookie: "\(Self.cookieName)=\(token)"]).json["signedIn"]?.bool == true)
            // A session that has run its time is nobody, whatever the cookie says (made through the
            // store so that a slow password hash under load cannot use up its two seconds).
            let store = fixture.services.store
            let short = try #require(try await OwnThread.run { try store.signIn(user: "vera", password: "battery staple", lifetime: 2, from: "test") })
            let session: HTTPFields = [.cookie: "\(Self.cookieName)=\(short.token)"]
            try await Task.sleep(for: .milliseconds(2500))
            #expect(try await client.execute(uri: "/auth/me", method: .get, headers: session).json["signedIn"]?.bool == false, "expired")
        }
        let long = try await Self.fixture()
        try await long.test { client in
            let token = try #require(Self.cookie(try await Self.login(client, "vera", "battery staple")))
            let store = long.services.store
            try await OwnThread.run { try store.setPassword("a new password", for: "vera") }
            let me = try await client.execute(uri: "/auth/me", method: .get, headers: [.cookie: "\(Self.cookieName)=\(token)"]).json
            #expect(me["signedIn"]?.bool == false, "a new password ends the old sessions")
            #expect(try await Self.login(client, "vera", "battery staple").status == .unauthorized)
            #expect(try await Self.login(client, "vera", "a new password").status == .ok)
        }
        #expect(throws: StoreError.self) { try long.services.store.setPassword("short", for: "vera") }
        #expect(throws: StoreError.self) { try long.services.store.setPassword("long enough", for: "nobody") }
    }

    @Test func passwordsAreStoredOnlyAsSaltedHashes() async throws {
        let (a, b) = try await OwnThread.run { (try PasswordHash.make("correct horse"), try PasswordHash.make("correct horse")) }
        #expect(a != b, "salted")
        #expect(a.hasPrefix("scrypt$32768$8$1$") && !a.contains("correct"))
        let verified = await (try? OwnThread.run { (PasswordHash.verify("correct horse", against: a), PasswordHash.verify("correct hors", against: a)) })
        #expect(verified?.0 == true && verified?.1 == false)
        #expect(!PasswordHash.verify("x", against: "scrypt$1$1$1$$") && !PasswordHash.verify("x", against: "md5$abc"))
    }
}
