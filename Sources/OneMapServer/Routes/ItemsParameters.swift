import Foundation
import HTTPTypes
import Hummingbird
import OneMapGeometry
import OneMapStore

/// The query parameters of an items request, checked against the collection: every problem
/// is a 400 naming the parameter, found before any row is read.
struct ItemsParameters: Sendable {
    var query: FeatureQuery
    var output: OutputCRS
    var format: OGCFormat
    /// The parameters as sent (without `offset`, `f` and `token`), for next/prev links.
    var passThrough: [(String, String)]

    /// - Parameter offered: the server's output CRSs (`AppServices.offeredCRS`).
    init(_ request: Request, layer: Layer, offered: [CRS]) throws {
        let kvp = try QueryParameters.checked(request)
        var query = FeatureQuery()
        var filters: [FeatureFilter] = []
        var passThrough: [(String, String)] = []
        for (k, v) in kvp.pairs {
            if !["offset", "f", "token"].contains(k) { passThrough.append((k, v)) }
            if Self.isKnown(k) { continue }
            guard let field = layer.attribute(k) else {
                throw APIError.badRequest("unknown parameter '\(k)': use limit, offset, bbox, bbox-crs, crs, datetime, filter, filter-lang, filter-crs, sortby, properties, skipGeometry, f, or a property of '\(layer.id)' (\(layer.attributes.map(\.name).joined(separator: ", ")))")
            }
            filters.append(.compare(.property(k), .equal, .value(try Self.value(v, for: field))))
        }
        if let text = kvp["limit"] {
            guard let n = Int(text), (1...OGCFeaturesRoutes.maxLimit).contains(n) else {
                throw APIError.badRequest("limit must be an integer from 1 to \(OGCFeaturesRoutes.maxLimit), not '\(text)'")
            }
            query.limit = n
        }
        if let text = kvp["offset"] {
            guard let n = Int(text), n >= 0, n <= 100_000_000 else { throw APIError.badRequest("offset must be a non-negative integer, not '\(text)'") }
            query.offset = n
        }
        if let text = kvp["bbox"] {
            let bboxCRS = try Self.crs(kvp["bbox-crs"] ?? CRS.crs84.uri, parameter: "bbox-crs", layer: layer, offered: offered)
            query.bbox = try Self.bbox(text, crs: bboxCRS, storage: layer.storageCRS)
        } else if kvp["bbox-crs"] != nil {
            throw APIError.badRequest("bbox-crs needs a bbox")
        }
        if let text = kvp["datetime"] { filters.append(try Self.datetime(text, layer: layer)) }
        // The filter's language and CRS are checked whether or not a filter came with them: a
        // wrong value is a mistake the caller should hear about, not a parameter silently ignored.
        let lang = kvp["filter-lang"] ?? "cql2-text"
        guard lang == "cql2-text" else { throw APIError.badRequest("filter-lang must be cql2-text, not '\(lang)'") }
        let filterCRS = try Self.crs(kvp["filter-crs"] ?? CRS.crs84.uri, parameter: "filter-crs", layer: layer, offered: offered)
        if let text = kvp["filter"] {
            do { filters.append(try CQL2Parser.parse(text, crs: filterCRS)) } catch {
                throw APIError.badRequest(error.description)
            }
        }
        if let text = kvp["sortby"] {
            query.sortBy = try text.split(separator: ",").map { part in
                var name = part.trimmingCharacters(in: .whitespaces)
                var ascending = true
                if name.hasPrefix("-") { ascending = false; name.removeFirst() } else if name.hasPrefix("+") { name.removeFirst() }
                if name.hasSuffix(" DESC") || name.hasSuffix(" desc") { ascending = false; name = String(name.dropLast(5)) }
                guard !name.isEmpty else { throw APIError.badRequest("sortby has an empty entry") }
                return FeatureQuery.SortKey(property: name, ascending: ascending)
            }
        }
        if let text = kvp["properties"] {
            query.properties = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let text = kvp["skipGeometry"] {
            guard ["true", "false"].contains(text) else { throw APIError.badRequest("skipGeometry must be true or false") }
            query.includeGeometry = text == "false"
        }
        query.filter = FeatureFilter.all(filters)
        self.query = query
        self.output = try Self.outputCRS(kvp["crs"], layer: layer, offered: offered)
        self.format = try OGCFormat(request)
        self.passThrough = passThrough
    }

    static func isKnown(_ name: String) -> Bool { OGCFeaturesRoutes.itemsParameters.contains(name) }

    /// `datetime` (an instant or `start/end`, `..` for an open end) on the layer's first date
    /// property. ISO 8601 text compares in time order; an end date includes the whole day.
    static func datetime(_ text: String, layer: Layer) throws -> FeatureFilter {
        guard let field = layer.attributes.first(where: { $0.type == .date }) else {
            throw APIError.badRequest("datetime: collection '\(layer.id)' has no temporal property")
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let open = { (part: String) in part == ".." || part.isEmpty }
        guard (1...2).contains(parts.count), parts.allSatisfy({ open($0) || Store.isISODate($0) }), !(parts.count == 1 && open(parts[0])) else {
            throw APIError.badRequest("datetime must be an ISO 8601 instant or interval (2024-05-01, 2024-05-01/2024-06-30, ../2024-06-30), not '\(text)'")
        }
        let property = FilterOperand.property(field.name)
        if parts.count == 1 {
            return .between(property, .value(.text(parts[0])), .value(.text(parts[0] + "~")))
        }
        var filters: [FeatureFilter] = []
        if !open(parts[0]) { filters.append(.compare(property, .greaterOrEqual, .value(.text(parts[0])))) }
        if !open(parts[1]) { filters.append(.compare(property, .lessOrEqual, .value(.text(parts[1] + "~")))) }
        if !open(parts[0]) && !open(parts[1]) && parts[0] > parts[1] + "~" {
            throw APIError.badRequest("datetime: the interval ends before it starts")
        }
        return FeatureFilter.all(filters) ?? .not(.isNull(property))
    }

    /// The output CRS from `crs` (CRS84 when absent): one of the offered list or the storage CRS.
    static func outputCRS(_ text: String?, layer: Layer, offered: [CRS]) throws -> OutputCRS {
        guard let text else { return .crs84 }
        return OutputCRS(try crs(text, parameter: "crs", layer: layer, offered: offered))
    }

    static func crs(_ text: String, parameter: String, layer: Layer, offered list: [CRS]) throws -> CRS {
        let offered = list + (list.contains(layer.storageCRS) ? [] : [layer.storageCRS])
        let cleaned = text.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
        guard let crs = try? CRS(parsing: cleaned), offered.contains(crs) else {
            throw APIError.badRequest("\(parameter) '\(text)' is not offered for '\(layer.id)'; use one of \(offered.map(\.uri).joined(separator: ", "))")
        }
        return crs
    }

    /// A bbox in `crs` (in its axis order) as a box in the storage CRS.
    static func bbox(_ text: String, crs: CRS, storage: CRS) throws -> BoundingBox {
        let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == 4 || numbers.count == 6, numbers.allSatisfy({ $0?.isFinite == true }) else {
            throw APIError.badRequest("bbox must be 4 (or 6) comma-separated numbers, not '\(text)'")
        }
        let n = numbers.map { $0! }
        var (a, b, c, d) = numbers.count == 4 ? (n[0], n[1], n[2], n[3]) : (n[0], n[1], n[3], n[4])
        if crs.isNorthFirst { (a, b, c, d) = (b, a, d, c) }
        guard a <= c, b <= d else { throw APIError.badRequest("bbox: the lower corner (\(a), \(b)) is above the upper corner (\(c), \(d))") }
        if crs.isGeographic, !(a >= -180 && c <= 180 && b >= -90 && d <= 90) {
            throw APIError.badRequest("bbox is outside longitude ±180 / latitude ±90 (bbox-crs \(crs.identifier))")
        }
        let box = BoundingBox(minX: a, minY: b, maxX: c, maxY: d)
        if crs == storage { return box }
        do { return try CoordinateTransform(from: crs, to: storage).apply(box) } catch {
            throw APIError.badRequest("bbox cannot be moved from \(crs.identifier) to the storage CRS")
        }
    }

    /// A `property=value` parameter's value in the property's type.
    static func value(_ text: String, for field: AttributeField) throws -> FeatureValue {
        switch field.type {
        case .text, .date: return .text(text)
        case .integer:
            guard let i = Int64(text) else { throw APIError.badRequest("\(field.name) is an integer property; '\(text)' is not an integer") }
            return .integer(i)
        case .real:
            guard let d = Double(text), d.isFinite else { throw APIError.badRequest("\(field.name) is a number property; '\(text)' is not a number") }
            return .real(d)
        }
    }

    /// `?…&offset=N` for links, with every other parameter as sent.
    func queryString(offset: Int, format: String? = nil) -> String {
        var parts = passThrough
        if offset > 0 { parts.append(("offset", String(offset))) }
        if let format { parts.append(("f", format)) }
        guard !parts.isEmpty else { return "" }
        return "?" + parts.map { "\(Self.encode($0))=\(Self.encode($1))" }.joined(separator: "&")
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#?")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

/// The body of a POST, PUT or PATCH: a GeoJSON Feature, its CRS from `Content-Crs`.
enum FeatureBody {
    static func read(_ request: Request, patch: Bool, offered: [CRS]) async throws -> FeatureInput {
        if let type = request.headers[.contentType]?.lowercased(),
           !(type.hasPrefix("application/geo+json") || type.hasPrefix("application/json") || type.hasPrefix("application/merge-patch+json")) {
            throw APIError(.unsupportedMediaType, "UnsupportedMediaType", "send the feature as application/geo+json, not \(type)")
        }
        let buffer = try await request.body.collect(upTo: OGCFeaturesRoutes.maxBody)
        return try parse(Array(buffer.readableBytesView), contentCrs: request.headers[HTTPField.Name("Content-Crs")!], patch: patch, offered: offered)
    }

    /// The feature in `body` (JSON bytes), its coordinates in `contentCrs` (the header's value).
    static func parse(_ body: [UInt8], contentCrs: String?, patch: Bool, offered: [CRS]) throws -> FeatureInput {
        let json: JSONValue
        do { json = try JSONValue.parse(body) } catch {
            throw APIError.badRequest("the body is not JSON: \(error)")
        }
        guard case .object = json else { throw APIError.badRequest("the body must be a GeoJSON Feature object") }
        if let type = json["type"]?.string, type != "Feature" {
            throw APIError.badRequest("the body must be a GeoJSON Feature, not \(type)")
        } else if json["type"] == nil && !patch {
            throw APIError.badRequest("the body must be a GeoJSON Feature (\"type\": \"Feature\")")
        }
        var crs = CRS.crs84
        if let header = contentCrs {
            let cleaned = header.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
            guard let parsed = try? CRS(parsing: cleaned), offered.contains(parsed) else {
                throw APIError.badRequest("Content-Crs '\(header)' is not supported; use one of \(offered.map(\.uri).joined(separator: ", "))")
            }
            crs = parsed
        }
        var geometry: Geometry?
        if let g = json["geometry"], g != .null {
            do { geometry = try GeoJSON.geometry(from: g.foundationObject) } catch {
                throw APIError.badRequest("geometry: \(error)")
            }
            if crs.isNorthFirst { geometry = geometry!.mapCoordinates { Coordinate($0.y, $0.x) } }
        } else if !patch {
            throw APIError.badRequest("the feature has no geometry")
        }
        var properties: [String: FeatureValue] = [:]
        if let p = json["properties"] {
            guard let members = p.object else {
                if p == .null { return FeatureInput(geometry: geometry, crs: crs, properties: [:]) }
                throw APIError.badRequest("properties must be an object")
            }
            for (name, value) in members {
                switch value {
                case .null: properties[name] = .null
                case .bool(let b): properties[name] = .integer(b ? 1 : 0)
                case .string(let s): properties[name] = .text(s)
                case .number(let d):
                    properties[name] = d == d.rounded() && abs(d) < 9e15 ? .integer(Int64(d)) : .real(d)
                case .array, .object: throw APIError.badRequest("property '\(name)' is \(value.typeName); only strings, numbers, booleans and null are stored")
                }
            }
        }
        return FeatureInput(geometry: geometry, crs: crs, properties: properties)
    }
}
