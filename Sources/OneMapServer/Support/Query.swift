import Foundation
import Hummingbird
import OneMapGeometry

/// OGC key-value parameters (WMS, WMTS): the request's `QueryParameters` with names compared
/// case-insensitively, as those protocols define them.
struct KVP {
    private let query: QueryParameters

    /// - Throws: `ProtocolError` when a name is given twice with different values.
    init(_ request: Request) throws(ProtocolError) { try self.init(QueryParameters(request)) }

    init(_ query: QueryParameters) throws(ProtocolError) {
        self.query = query
        if let name = query.conflicting(caseInsensitive: true) {
            throw ProtocolError(code: "InvalidParameterValue", locator: name.uppercased(), message: "\(name.uppercased()) is given twice with different values")
        }
    }

    subscript(_ key: String) -> String? { query.first(caseInsensitive: key) }

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

/// The one parser of query strings: decoded as HTML forms and most HTTP libraries encode them,
/// `+` is a space and `%2B` a plus (Python's `urlencode` and curl's `--data-urlencode` send
/// spaces as `+`, which matters for CQL2 filters). A name given twice with different values is
/// a client error wherever it is read (`checked`, `KVP`), never silently one or the other.
/// Order is kept for links.
struct QueryParameters: Sendable {
    let pairs: [(String, String)]

    init(_ request: Request) { self.init(query: request.uri.query ?? "") }

    init(query: String) {
        var pairs: [(String, String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
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

    /// The parameters of `request`, refusing a name given twice with different values.
    /// - Throws: `APIError` 400 naming the parameter.
    static func checked(_ request: Request) throws -> QueryParameters {
        let q = QueryParameters(request)
        if let name = q.conflicting(caseInsensitive: false) { throw APIError.badRequest("parameter '\(name)' is given twice with different values") }
        return q
    }

    /// A name given more than once with different values, if any.
    func conflicting(caseInsensitive: Bool) -> String? {
        var seen: [String: String] = [:]
        for (k, v) in pairs {
            let key = caseInsensitive ? k.uppercased() : k
            if let earlier = seen[key], earlier != v { return k }
            seen[key] = v
        }
        return nil
    }

    /// The first value of a name compared without case (OGC KVP names).
    func first(caseInsensitive name: String) -> String? {
        pairs.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

extension Parse {
    /// The request body as a JSON object.
    static func jsonObject(_ request: Request, maxBytes: Int) async throws -> JSONValue {
        let body = try await request.body.collect(upTo: maxBytes)
        let json: JSONValue
        do { json = try JSONValue.parse(Array(body.readableBytesView)) } catch { throw APIError.badRequest("the body is not JSON: \(error)") }
        guard json.object != nil else { throw APIError.badRequest("the body must be a JSON object") }
        return json
    }

    /// `lon`/`lat`, or `x`/`y` in `crs` (for instance EPSG:4547 metres), as lon/lat.
    static func lonLat(_ q: QueryParameters) throws -> Coordinate {
        guard let x = (q["lon"] ?? q["x"]).flatMap(Double.init), let y = (q["lat"] ?? q["y"]).flatMap(Double.init), x.isFinite, y.isFinite else {
            throw APIError.badRequest("lon and lat (or x and y with crs) must be numbers")
        }
        var point = Coordinate(x, y)
        if let crs = q["crs"] {
            let parsed: CRS
            do { parsed = try CRS(parsing: crs) } catch { throw APIError.badRequest("unknown crs '\(crs)'") }
            point = try CoordinateTransform(from: parsed, to: .crs84).apply(point)
        }
        guard abs(point.x) <= 180, abs(point.y) <= 90 else { throw APIError.badRequest("the point must be a longitude within ±180 and a latitude within ±90") }
        return point
    }

    /// A `location` member: `[lon, lat]` or a GeoJSON Point; nil when absent.
    static func location(_ value: JSONValue?, _ name: String) throws -> Coordinate? {
        guard let value, value != .null else { return nil }
        if let a = value.array?.compactMap(\.number), a.count == 2 { return Coordinate(a[0], a[1]) }
        if case .point(let p)? = try? GeoJSON.geometry(value) { return p }
        throw APIError.badRequest("\"\(name)\" must be [lon, lat] or a GeoJSON Point")
    }
}
