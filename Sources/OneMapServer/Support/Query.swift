import Hummingbird

/// OGC key-value parameters: names are case-insensitive, values decoded as `FormQuery` does
/// (so `FORMAT=image/png;+mode=8bit` from a form-encoding client means the same as with `%20`).
struct KVP {
    private var values: [String: String] = [:]

    init(_ request: Request) {
        // A repeated name: the last value counts, as before.
        for (key, value) in FormQuery(request).pairs { values[key.uppercased()] = value }
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

/// Query parameters decoded as HTML forms and most HTTP libraries encode them: `+` is a space,
/// `%2B` a plus (Python's `urlencode` and curl's `--data-urlencode` send spaces as `+`, which
/// matters for CQL2 filters). Repeated names keep the first value; order is kept for links.
struct FormQuery: Sendable {
    let pairs: [(String, String)]

    init(_ request: Request) {
        var pairs: [(String, String)] = []
        for part in (request.uri.query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            pairs.append((decode(kv[0]), kv.count > 1 ? decode(kv[1]) : ""))
        }
        self.pairs = pairs
    }

    subscript(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }
}
