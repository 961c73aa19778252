import Hummingbird
import OneMapGeometry
import OneMapRender

/// How an error is written for the path that failed: WMS and WMTS clients expect their
/// protocols' XML exception reports, every other path the JSON `{"code", "description"}` body.
/// The status and description come from `APIError.from` either way, so one mapping decides.
enum ErrorFormat {
    case json
    /// A WMS 1.3.0 ServiceExceptionReport.
    case wms
    /// An OWS 1.1 ExceptionReport (WMTS 1.0.0).
    case wmts
    /// An RFC 7807 problem (OGC API – Processes): `{"type", "title", "status", "detail"}`.
    case problem

    init(path: String) {
        if path == "/wms" {
            self = .wms
        } else if path == "/wmts" || path.hasPrefix("/wmts/") {
            self = .wmts
        } else if path.hasPrefix("/ogc/processes") || path.hasPrefix("/ogc/jobs") {
            self = .problem
        } else {
            self = .json
        }
    }

    func response(for error: any Error, request: Request, context: some RequestContext) throws -> Response {
        let api = APIError.from(error)
        switch self {
        case .json:
            return try api.response(from: request, context: context)
        case .problem:
            // The exception types OGC API – Processes 1.0 defines; other errors keep their code as the title.
            let defined = ["no-such-process", "no-such-job", "result-not-ready"]
            let type = defined.contains(api.code) ? "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/\(api.code)" : "about:blank"
            let body: JSONValue = .object([("type", .string(type)), ("title", .string(api.code)), ("status", .number(Double(api.status.code))),
                                           ("detail", .string(api.description))])
            var response = Responses.json(body, status: api.status, headers: [.contentType: "application/problem+json"])
            for field in api.headers { response.headers.append(field) }
            return response
        case .wms:
            var x = XMLWriter()
            x.open("ServiceExceptionReport", ["version": "1.3.0", "xmlns": "http://www.opengis.net/ogc"])
            x.element("ServiceException", api.description, ["code": Self.code(error, api)])
            x.close()
            return Self.respond(x.text, "text/xml; charset=utf-8", api)
        case .wmts:
            var x = XMLWriter()
            x.open("ows:ExceptionReport", ["xmlns:ows": "http://www.opengis.net/ows/1.1", "version": "1.1.0", "xml:lang": "en"])
            if let locator = (error as? ProtocolError)?.locator {
                x.open("ows:Exception", ["exceptionCode": Self.code(error, api), "locator": locator])
            } else {
                x.open("ows:Exception", ["exceptionCode": Self.code(error, api)])
            }
            x.element("ows:ExceptionText", api.description)
            x.close()
            x.close()
            return Self.respond(x.text, "application/xml; charset=utf-8", api)
        }
    }

    /// The OGC exception code: the protocol error's own, or one for the status.
    static func code(_ error: any Error, _ api: APIError) -> String {
        switch error {
        case let e as ProtocolError: e.code
        case RenderError.tileOutOfRange: "TileOutOfRange"
        default: api.status == .serviceUnavailable ? "ServerBusy" : "NoApplicableCode"
        }
    }

    static func respond(_ text: String, _ contentType: String, _ api: APIError) -> Response {
        var response = Responses.text(text, contentType: contentType, status: api.status)
        for field in api.headers { response.headers.append(field) }
        return response
    }
}
