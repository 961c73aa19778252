import Foundation
import OneMapGeometry
import OneMapStore

/// How a process describes itself (OGC API – Processes 1.0, ogc-process-description): what it
/// takes and what it gives, as JSON Schemas, with Chinese titles for the people who use it.
public struct ProcessDescription: Sendable {
    public struct Parameter: Sendable {
        public var id: String
        public var title: String
        public var description: String
        public var schema: JSONValue
        public var minOccurs: Int
        public var maxOccurs: Int

        public init(_ id: String, title: String, description: String, schema: JSONValue, required: Bool = true) {
            self.id = id
            self.title = title
            self.description = description
            self.schema = schema
            minOccurs = required ? 1 : 0
            maxOccurs = 1
        }
    }

    public var id: String
    public var version: String
    public var title: String
    public var description: String
    public var keywords: [String]
    public var inputs: [Parameter]
    public var outputs: [Parameter]

    public init(id: String, version: String = "1.0.0", title: String, description: String, keywords: [String], inputs: [Parameter],
                outputs: [Parameter]) {
        self.id = id
        self.version = version
        self.title = title
        self.description = description
        self.keywords = keywords
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// Progress of a run: percent done and the step it is in.
public typealias ProcessProgress = @Sendable (Int, String) throws -> Void

/// A run made ready: inputs checked, not yet started. `run` does the work (blocking: callers put
/// it on a blocking pool) and returns the results document (output id → value).
public struct PreparedRun: Sendable {
    public let run: @Sendable (_ progress: ProcessProgress) throws -> JSONValue

    public init(_ run: @escaping @Sendable (_ progress: ProcessProgress) throws -> JSONValue) { self.run = run }
}

/// An analysis offered as an OGC API – Processes process.
public protocol AnalysisProcess: Sendable {
    var description: ProcessDescription { get }
    /// Checks the inputs for `principal` and makes the run ready; every input error is thrown
    /// here, before a job exists.
    /// - Throws: `AnalysisError.invalidInput`.
    func prepare(_ inputs: ProcessInputs, for principal: Principal) throws -> PreparedRun
}

/// The `inputs` of an execute request, read with errors that name the input.
public struct ProcessInputs: Sendable {
    public let values: [String: JSONValue]

    public init(_ values: [String: JSONValue]) { self.values = values }

    /// Refuses inputs the process does not take.
    func only(_ known: [String]) throws {
        for key in values.keys.sorted() where !known.contains(key) {
            throw AnalysisError.invalidInput(input: key, detail: "is not an input of this process (its inputs: \(known.joined(separator: ", ")))")
        }
    }

    /// An input's value, unwrapping the `{"value": …}` form of qualified inputs.
    func value(_ id: String) -> JSONValue? {
        guard let v = values[id], v != .null else { return nil }
        if let inner = v["value"], v.object?.count == 1 { return inner }
        return v
    }

    func string(_ id: String) throws -> String {
        guard let v = value(id) else { throw AnalysisError.invalidInput(input: id, detail: "is required") }
        guard let s = v.string, !s.isEmpty else { throw AnalysisError.invalidInput(input: id, detail: "must be a non-empty string") }
        return s
    }

    func optionalString(_ id: String) throws -> String? {
        guard value(id) != nil else { return nil }
        return try string(id)
    }

    func number(_ id: String) throws -> Double? {
        guard let v = value(id) else { return nil }
        guard let d = v.number, d.isFinite else { throw AnalysisError.invalidInput(input: id, detail: "must be a number") }
        return d
    }

    /// A whole-number input (one a double holds exactly, so no conversion can trap), within
    /// `range` when given.
    func integer(_ id: String, in range: ClosedRange<Int>? = nil, detail: String? = nil) throws -> Int? {
        guard let v = value(id) else { return nil }
        guard let n = v.integer, range?.contains(n) ?? true else {
            throw AnalysisError.invalidInput(input: id, detail: detail ?? range.map { "must be an integer \($0.lowerBound)–\($0.upperBound)" } ?? "must be an integer")
        }
        return n
    }

    func numbers(_ id: String) throws -> [Double]? {
        guard let v = value(id) else { return nil }
        guard let a = v.array, let ds = Optional(a.compactMap(\.number)), ds.count == a.count, ds.allSatisfy(\.isFinite) else {
            throw AnalysisError.invalidInput(input: id, detail: "must be a list of numbers")
        }
        return ds
    }

    /// A CRS input (`EPSG:4490`, an OGC CRS URI, `CRS84`); `fallback` when absent.
    func crs(_ id: String, fallback: CRS = .crs84) throws -> CRS {
        guard let text = try optionalString(id) else { return fallback }
        do { return try CRS(parsing: text) } catch { throw AnalysisError.invalidInput(input: id, detail: "unknown CRS '\(text)'") }
    }

    /// A GeoJSON geometry (or Feature) input.
    func geometry(_ id: String) throws -> Geometry? {
        guard let v = value(id) else { return nil }
        guard v.object != nil else { throw AnalysisError.invalidInput(input: id, detail: "must be a GeoJSON geometry or Feature") }
        let g: Geometry
        do { g = try GeoJSON.geometry(v, path: id) } catch { throw AnalysisError.invalidInput(input: id, detail: "\(error)") }
        // No CRS in use reaches a billion units (Gauss-Krüger with its zone prefix stays under
        // 10⁸): larger numbers are a mistake, and grid and raster indexes cannot be made of them.
        if let box = g.boundingBox, ![box.minX, box.minY, box.maxX, box.maxY].allSatisfy({ abs($0) <= Self.coordinateLimit }) {
            throw AnalysisError.invalidInput(input: id, detail: "has coordinates beyond ±10⁹, which no coordinate reference system uses")
        }
        return g
    }

    static let coordinateLimit = 1e9

    /// A region: a GeoJSON polygon, `{"layer", "featureId"}` or `{"layer", "field", "value"}`.
    func region(_ id: String, crs: CRS) throws -> Region? {
        guard let v = value(id) else { return nil }
        if let layer = v["layer"]?.string {
            if let fid = v["featureId"]?.integer { return .feature(layer: layer, id: Int64(fid)) }
            if let field = v["field"]?.string, let value = v["value"]?.string { return .featureWhere(layer: layer, field: field, value: value) }
            throw AnalysisError.invalidInput(input: id, detail: "a stored region needs featureId, or field and value")
        }
        guard let g = try geometry(id) else { return nil }
        return .geometry(g, crs: crs)
    }
}

/// JSON Schema fragments the processes share.
enum Schemas {
    static let geoJSONPolygon: JSONValue = .object([
        ("oneOf", .array([
            .object([("$ref", .string("https://geojson.org/schema/Polygon.json"))]),
            .object([("$ref", .string("https://geojson.org/schema/MultiPolygon.json"))]),
            .object([("$ref", .string("https://geojson.org/schema/Feature.json"))]),
        ])),
    ])
    static let region: JSONValue = .object([
        ("oneOf", .array([
            geoJSONPolygon,
            .object([("type", .string("object")), ("required", .array([.string("layer"), .string("featureId")])),
                     ("properties", .object([("layer", .object([("type", .string("string"))])), ("featureId", .object([("type", .string("integer"))]))]))]),
            .object([("type", .string("object")), ("required", .array([.string("layer"), .string("field"), .string("value")])),
                     ("properties", .object([("layer", .object([("type", .string("string"))])), ("field", .object([("type", .string("string"))])),
                                             ("value", .object([("type", .string("string"))]))]))]),
        ])),
    ])
    static let string: JSONValue = .object([("type", .string("string"))])
    static let crs: JSONValue = .object([("type", .string("string")), ("format", .string("uri")),
                                         ("default", .string(CRS.crs84.uri))])
    static let object: JSONValue = .object([("type", .string("object"))])
}
