import Hummingbird
import Logging

/// The one error funnel: turns any error a route throws into its response, in the format of the
/// protocol the path speaks (`ErrorFormat`); unexpected ones become a 500 with a fixed
/// description, and the full error goes only to the log, with the request id.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let methods: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && [nil, "NotFound"].contains(context.endpointPath) {
            // No route took the request (the router's not-found responder names the endpoint
            // "NotFound"): a path that exists for other methods is a 405.
            let allowed = methods.allowed(at: request.uri.path)
            let failure: any Error = allowed.isEmpty ? error : APIError(
                .methodNotAllowed, "MethodNotAllowed", "\(request.method) is not answered at \(request.uri.path); use \(allowed.map(\.rawValue).joined(separator: ", "))",
                headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")])
            return try ErrorFormat(path: request.uri.path).response(for: failure, request: request, context: context)
        } catch {
            let api = APIError.from(error)
            if api.status == .internalServerError {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            }
            return try ErrorFormat(path: request.uri.path).response(for: error, request: request, context: context)
        }
    }
}

/// Counts requests by route and status for /metrics.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.request(route: context.endpointPath ?? "unmatched", status: response.status.code)
            return response
        } catch {
            metrics.request(route: context.endpointPath ?? "unmatched", status: APIError.from(error).status.code)
            throw error
        }
    }
}
