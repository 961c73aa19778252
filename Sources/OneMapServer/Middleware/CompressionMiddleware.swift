import HTTPTypes
import Hummingbird
import NIOCore
import OneMapImage

/// Compresses text answers (JSON, GeoJSON, HTML, XML, JavaScript, CSS, CSV) with brotli or gzip when
/// the client says it accepts them, streaming as the handler writes. PNG, JPEG and other images are
/// compressed already and pass untouched, as does everything for clients that do not ask.
struct CompressionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    /// Below this a compressed body saves less than its headers cost.
    static let minimumSize = 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard Self.compressible(response.headers[.contentType]), response.headers[.contentEncoding] == nil,
              response.status != .noContent, response.status != .notModified, response.status.code >= 200
        else { return response }
        // Caches must keep the encodings apart, whether or not this client asked for one.
        response.headers[values: .vary].contains { $0.lowercased().contains("accept-encoding") } ? () : response.headers.append(HTTPField(name: .vary, value: "Accept-Encoding"))
        guard let encoding = Self.encoding(accepting: request.headers[values: .acceptEncoding]) else { return response }
        if let length = response.body.contentLength, length < Self.minimumSize { return response }
        response.headers[.contentEncoding] = encoding.rawValue
        response.headers[.contentLength] = nil
        // Another representation of the same resource: its tag is weak (revalidation still matches).
        if let tag = response.headers[.eTag], !tag.hasPrefix("W/") { response.headers[.eTag] = "W/" + tag }
        let body = response.body
        response.body = ResponseBody { writer in
            try await body.write(CompressingWriter(inner: writer, encoder: try ContentEncoder(encoding)))
        }
        return response
    }

    /// Text types; images, archives and octet streams are left alone.
    static func compressible(_ contentType: String?) -> Bool {
        guard let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        // Event streams are left alone: a compressor holds back bytes an event needs sent now.
        if type == "text/event-stream" { return false }
        if type.hasPrefix("text/") { return true }
        if type.hasSuffix("+json") || type.hasSuffix("+xml") { return true }
        return ["application/json", "application/xml", "application/javascript", "application/x-javascript", "application/ecmascript"].contains(type)
    }

    /// brotli when accepted, else gzip when accepted (`*` counts for gzip), else none. A q of 0 refuses.
    static func encoding(accepting values: [String]) -> ContentEncoder.Encoding? {
        var accepted: [String: Double] = [:]
        for value in values {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard let name = parts.first, !name.isEmpty else { continue }
                var q = 1.0
                for parameter in parts.dropFirst() where parameter.hasPrefix("q=") { q = Double(parameter.dropFirst(2)) ?? 0 }
                accepted[name] = q
            }
        }
        if (accepted["br"] ?? 0) > 0 { return .brotli }
        if (accepted["gzip"] ?? accepted["x-gzip"] ?? (accepted["*"] ?? 0)) > 0 { return .gzip }
        return nil
    }
}

/// Passes a body through a `ContentEncoder` on its way to the connection.
private struct CompressingWriter: ResponseBodyWriter {
    var inner: any ResponseBodyWriter
    let encoder: ContentEncoder

    mutating func write(_ buffer: ByteBuffer) async throws {
        let out = try buffer.withUnsafeReadableBytes { try encoder.compress($0) }
        if !out.isEmpty { try await inner.write(ByteBuffer(bytes: out)) }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        let out = try encoder.finish()
        var inner = self.inner
        if !out.isEmpty { try await inner.write(ByteBuffer(bytes: out)) }
        try await inner.finish(trailingHeaders)
    }
}
