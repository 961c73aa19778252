import Foundation
import OneMapAnalysis
import OneMapGeometry
import OneMapRender
import OneMapServer
import OneMapStore

/// The parsers of outside input, one fuzz target each. A target feeds the bytes to its parser
/// and throws nothing: an error the parser throws is the right answer to bad input, while a crash,
/// a hang, a sanitizer report or a failed differential check (`FuzzFailure`) is a finding.
///
/// `onemap-fuzz` runs them under libFuzzer (`Tools/fuzz/run`); the tests replay the committed
/// corpus and every input that once crashed (`Fuzz/`) through the same functions.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case cql2
    case style
    case geojson
    case wkt
    case wkb
    case spatialiteBlob = "spatialite-blob"
    case query
    case requestHead = "request-head"
    case layerFile = "layer-file"
    case ruleFile = "rule-file"
    case tileMatrixSet = "tile-matrix-set"
    case namedCRS = "named-crs"
    case processInputs = "process-inputs"
    case geocoding

    /// The longest input worth trying (libFuzzer's `-max_len`).
    public var maxLength: Int {
        switch self {
        case .requestHead: 20 * 1024
        case .style, .layerFile, .ruleFile, .tileMatrixSet, .processInputs: 16 * 1024
        default: 4096
        }
    }

    /// Does once what the first input would otherwise pay for (the fixtures' cities, the
    /// runtime's first use of each parser), so no input is charged for it against the timeout.
    public func warmUp() {
        if [.style, .processInputs, .geocoding].contains(self) { _ = FuzzFixtures.shared }
        run([])
    }

    /// Runs one input.
    public func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .cql2:
            _ = try? CQL2Parser.parse(text)
            _ = try? CQL2Parser.parse(text, crs: .webMercator)
        case .style:
            _ = try? StyleLoader.load(id: "fuzz", text: text, environment: FuzzFixtures.shared.styleEnvironment)
        case .geojson:
            if let json = try? JSONValue.parse(bytes) { _ = try? GeoJSON.geometry(json) }
            try? ServerParsers.featureBody(bytes, contentCrs: nil, patch: false)
            try? ServerParsers.featureBody(bytes, contentCrs: "<http://www.opengis.net/def/crs/EPSG/0/4490>", patch: true)
        case .wkt:
            _ = try? WKT.parse(text)
        case .wkb:
            // The three readers of the render path must agree with the whole decoder.
            let whole = try? WKB.decode(bytes)
            var flat = FlatGeometry()
            let flatOK = bytes.withUnsafeBytes { (try? WKB.decode($0, into: &flat)) != nil }
            if let whole {
                precondition(flatOK && flat.sameParts(as: FlatGeometry(whole)), "WKB decoded into a flat geometry differs from the geometry")
                precondition(bytes.withUnsafeBytes { WKB.type($0) } == whole.type, "WKB type differs from the geometry's")
            }
        case .spatialiteBlob:
            _ = try? SpatiaLiteBlob.decode(bytes)
            var flat = FlatGeometry()
            bytes.withUnsafeBytes { _ = try? SpatiaLiteBlob.decode($0, into: &flat) }
            bytes.withUnsafeBytes { _ = SpatiaLiteBlob.geometryType($0) }
        case .query:
            ServerParsers.query(text)
            _ = ServerParsers.isTilePath(text)
        case .requestHead:
            RequestHeadDifferential.check(bytes)
        case .layerFile:
            FuzzFixtures.withFile(bytes, named: "layer.json") { _ = try? LayerFile.load(path: $0) }
        case .ruleFile:
            // The first byte picks the kind of rules file; the rest is its text.
            guard let kind = bytes.first else { return }
            let body = Array(bytes.dropFirst())
            FuzzFixtures.withFile(body, named: "rules.json") { path in
                switch kind % 5 {
                case 0: _ = try? PlanningRules.load(path: path)
                case 1: _ = try? EmergencyRules.load(path: path)
                case 2: _ = try? WorkCalendar.load(path: path)
                case 3: _ = try? GeocodingRules.load(path: path)
                default: _ = try? CaseRules.load(path: path, calendar: FuzzFixtures.shared.calendar)
                }
            }
        case .tileMatrixSet:
            _ = try? TileMatrixSet(definition: Data(bytes))
        case .namedCRS:
            FuzzFixtures.withFile(bytes, named: "crs/city.json") { path in
                if let loaded = try? CRSRegistry.load(directory: (path as NSString).deletingLastPathComponent) {
                    for crs in loaded {
                        _ = try? CRS(parsing: crs.name)
                        CRSRegistry.remove(crs.name)
                    }
                }
            }
        case .processInputs:
            FuzzFixtures.shared.prepareProcess(bytes)
        case .geocoding:
            _ = try? FuzzFixtures.shared.geocoder.search(text, limit: 5, for: .system)
        }
    }
}

/// A differential check failed: the input is a finding.
public struct FuzzFailure: Error, CustomStringConvertible {
    public let description: String
}
