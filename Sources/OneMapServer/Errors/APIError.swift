import Foundation
import Hummingbird
import NIOCore
import OneMapAnalysis
import OneMapGeometry
import OneMapRender
import OneMapStore
import OneMapTiles

/// An error as the API answers it: a status and `{"code": …, "description": …}`. No stack
/// traces, SQL text or server paths ever reach the body; `APIError.from` is the only mapping.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let description: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ description: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.description = description
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        var body = "{\"code\":"
        JSONValue.quote(code, into: &body)
        body += ",\"description\":"
        JSONValue.quote(description, into: &body)
        body += "}"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "InvalidParameterValue", message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "NotFound", message) }
}

extension APIError {
    /// Maps every module's errors to what the client sees.
    public static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as ProtocolError:
            let retry: HTTPFields = e.status == .serviceUnavailable ? [.retryAfter: "1"] : [:]
            return APIError(e.status, e.code, e.message, headers: retry)
        case let e as StoreError:
            switch e {
            case .layerNotFound, .featureNotFound: return .notFound(e.description)
            case .layerExists: return APIError(.conflict, "Conflict", e.description)
            case .staleVersion: return APIError(.preconditionFailed, "PreconditionFailed", e.description)
            case .permissionDenied: return APIError(.forbidden, "Forbidden", e.description)
            case .database, .interrupted: return APIError(.internalServerError, "InternalError", "the store could not complete the request")
            case .storageFull: return APIError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "InsufficientStorage", e.description)
            case .readOnly: return APIError(.serviceUnavailable, "StoreReadOnly", e.description)
            case .busy: return APIError(.serviceUnavailable, "StoreBusy", e.description, headers: [.retryAfter: "5"])
            default: return .badRequest(e.description)
            }
        case let e as RenderError:
            switch e {
            case .unknownMap, .unknownTileMatrixSet, .tileOutOfRange: return .notFound(e.description)
            case .invalidStyle(let name, let problems):
                return APIError(.serviceUnavailable, "MapUnavailable", "map '\(name)' cannot be drawn: " + problems.prefix(5).joined(separator: "; "))
            case .unsupported: return .badRequest(e.description)
            case .fontNotFound, .encodingFailed, .drawingFailed: return APIError(.internalServerError, "InternalError", "the tile could not be drawn")
            }
        case let e as GeometryError: return .badRequest(e.description)
        case let e as CaseError:
            switch e {
            case .notAllowed: return APIError(.conflict, "Conflict", e.description)
            case .staleVersion: return APIError(.conflict, "StaleVersion", e.description)
            case .forbidden: return APIError(.forbidden, "Forbidden", e.description)
            case .noSuchCase: return .notFound(e.description)
            }
        case let e as IncidentError:
            switch e {
            case .forbidden: return APIError(.forbidden, "Forbidden", e.description)
            case .noSuchIncident: return .notFound(e.description)
            case .staleVersion: return APIError(.conflict, "StaleVersion", e.description)
            }
        case let e as LiveError:
            switch e {
            case .forbidden: return APIError(.forbidden, "Forbidden", e.description)
            case .rateLimited(let seconds): return APIError(.tooManyRequests, "TooManyRequests", e.description, headers: [.retryAfter: String(seconds)])
            }
        case let e as AnalysisError:
            switch e {
            case .invalidInput: return .badRequest(e.description)
            case .noSuchProcess: return APIError(.notFound, "no-such-process", e.description)
            case .noSuchJob: return APIError(.notFound, "no-such-job", e.description)
            case .resultNotReady: return APIError(.notFound, "result-not-ready", e.description)
            case .jobFailed: return APIError(.gone, "JobFailed", e.description)
            case .invalidRules, .missingLayer: return APIError(.internalServerError, "InternalError", "the analysis is not configured correctly")
            }
        case let e as RenderPool.Failure:
            let retry: HTTPFields = [.retryAfter: e == .overloaded ? "1" : "2"]
            return APIError(.serviceUnavailable, "Overloaded", e == .overloaded ? "the server is busy rendering; retry shortly" : "the render queue is too long; retry shortly", headers: retry)
        case let e as NIOTooManyBytesError:
            return APIError(.contentTooLarge, "PayloadTooLarge", "the request body is larger than \(e.maxBytes.map { "\($0 >> 20) MB" } ?? "allowed")")
        case let e as HTTPError: return APIError(e.status, e.status.reasonPhrase.replacingOccurrences(of: " ", with: ""), e.body ?? e.status.reasonPhrase)
        default: return APIError(.internalServerError, "InternalError", "internal error")
        }
    }
}
