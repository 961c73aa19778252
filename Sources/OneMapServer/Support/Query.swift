import Hummingbird

/// OGC key-value parameters: names are case-insensitive, values as sent.
struct KVP {
    private var values: [String: String] = [:]

    init(_ request: Request) {
        for (key, value) in request.uri.queryParameters {
            values[String(key).uppercased()] = String(value)
        }
    }

    subscript(_ key: String) -> String? { values[key.uppercased()] }

    /// A required parameter.
    func require(_ key: String) throws(ProtocolError) -> String {
        guard let v = self[key], !v.isEmpty else { throw ProtocolError(code: "MissingParameterValue", locator: key, message: "missing parameter \(key)") }
        return v
    }

    func integer(_ key: String) throws(ProtocolError) -> Int {
        let v = try require(key)
        guard let n = Int(v) else { throw ProtocolError(code: "InvalidParameterValue", locator: key, message: "\(key) must be an integer, not '\(v)'") }
        return n
    }
}

/// A protocol-level error (WMTS, WMS) that routes render in the protocol's own format.
struct ProtocolError: Error {
    var code: String
    var locator: String?
    var message: String
    var status: HTTPResponse.Status = .badRequest
}

/// Parses path and query values, throwing 400 with a clear message.
enum Parse {
    static func int(_ text: Substring?, _ name: String) throws -> Int {
        guard let text, let n = Int(text) else { throw APIError.badRequest("\(name) must be an integer, not '\(text ?? "")'") }
        return n
    }
}
