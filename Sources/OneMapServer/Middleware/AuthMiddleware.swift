import Hummingbird
import OneMapStore

/// Decides who is asking and puts it in the context; every route reads `context.principal`.
/// Without users configured every caller is anonymous (public layers only).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.principal = .anonymous
        return try await next(request, context)
    }
}
