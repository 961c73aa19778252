import Hummingbird
import OneMapStore

/// The per-request context: Hummingbird's core storage plus who is asking.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware`; anonymous until then.
    public var principal: Principal = .anonymous
    /// The web map session token when the caller came with the session cookie.
    public var sessionToken: String?
    /// The client's IP address (rate limits per address); "local" when there is none (tests).
    public let remoteAddress: String
    /// The base of the links this request's answer holds (`PublicURLMiddleware`).
    public var baseURL = "http://127.0.0.1"

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "local"
    }
}
