import Foundation
import Logging
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapServer
@testable import OneMapStore

/// Tokens the feature tests use (their own authenticator; `onemap serve` uses the store's tokens).
struct TestAuthenticator: Authenticator {
    static let editor = Principal(name: "editor", roles: ["editor"], level: .internal, writableLayers: ["*"])
    static let reader = Principal(name: "reader", roles: ["reader"], level: .internal)

    func principal(forToken token: String) throws -> Principal? {
        switch token {
        case "editor-token": Self.editor
        case "reader-token": Self.reader
        default: nil
        }
    }
}

/// A store with a 20 × 10 grid of parcels (0.001° squares from 116.80°E, 38.30°N, ids 1–200)
/// and 10 wells, a map drawing both, served in process.
final class FeatureFixture: RouterFixture, @unchecked Sendable {
    let directory = NSTemporaryDirectory() + "onemap-features-" + UUID().uuidString
    let services: AppServices
    static let origin = Coordinate(116.80, 38.30)
    static let cell = 0.001

    /// The parcel in column `col` (0–19), row `row` (0–9): id, properties.
    static func parcel(_ col: Int, _ row: Int) -> (id: Int, landuse: String, area: Double, floors: Int?, name: String, surveyed: String) {
        let id = row * 20 + col + 1
        let landuse = ["0701", "0810", "1201"][id % 3]
        return (id, landuse, 5000 + Double(id) * 10.5, id % 4 == 0 ? nil : id % 7, "地块\(id)号", "2024-0\(1 + id % 9)-15")
    }

    /// Tokens of the store's users (when made with `users: true`): viewer, analyst, editor.
    private(set) var tokens: [String: String] = [:]

    /// - Parameters:
    ///   - users: use the store's users and tokens (viewer, analyst, editor) instead of the test tokens.
    ///   - logger: where the server logs (a test may read what was logged).
    init(users: Bool = false, logger: Logger = Logger(label: "onemap"), configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        let fm = FileManager.default
        let directory = self.directory
        for sub in ["Layers", "Styles", "data"] { try fm.createDirectory(atPath: "\(directory)/\(sub)", withIntermediateDirectories: true) }
        try Self.layerFiles.forEach { id, text in try text.write(toFile: "\(directory)/Layers/\(id).json", atomically: true, encoding: .utf8) }
        try Self.style.write(toFile: "\(directory)/Styles/parcels.json", atomically: true, encoding: .utf8)
        var features: [String] = []
        for row in 0..<10 {
            for col in 0..<20 {
                let p = Self.parcel(col, row)
                let x0 = Self.origin.x + Double(col) * Self.cell, y0 = Self.origin.y + Double(row) * Self.cell
                let ring = [(x0, y0), (x0 + Self.cell, y0), (x0 + Self.cell, y0 + Self.cell), (x0, y0 + Self.cell), (x0, y0)]
                    .map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
                let floors = p.floors.map(String.init) ?? "null"
                features.append(#"{"type":"Feature","id":\#(p.id),"properties":{"code":"P\#(String(format: "%04d", p.id))","landuse":"\#(p.landuse)","area_m2":\#(p.area),"floors":\#(floors),"name":"\#(p.name)","surveyed":"\#(p.surveyed)"},"geometry":{"type":"Polygon","coordinates":[[\#(ring)]]}}"#)
            }
        }
        try #"{"type":"FeatureCollection","features":[\#(features.joined(separator: ","))]}"#.write(toFile: "\(directory)/data/parcels.geojson", atomically: true, encoding: .utf8)
        // Wells on the corners between parcels; every third is closed (the map does not draw those).
        let wells = (0..<10).map { n in
            #"{"type":"Feature","id":\#(n + 1),"properties":{"name":"井\#(n + 1)","status":"\#(n % 3 == 2 ? "closed" : "open")"},"geometry":{"type":"Point","coordinates":[\#(Self.origin.x + Double(n + 1) * Self.cell),\#(Self.origin.y + 5 * Self.cell)]}}"#
        }
        try #"{"type":"FeatureCollection","features":[\#(wells.joined(separator: ","))]}"#.write(toFile: "\(directory)/data/wells.geojson", atomically: true, encoding: .utf8)
        let location = try TestStores.location(directory + "/s.sqlite")
        let store = try Store(path: location)
        for id in ["parcels", "wells", "secret_sites", "draft_sites"] {
            _ = try store.importLayer(ImportRequest(source: "\(directory)/data/\(id.hasSuffix("_sites") ? "wells" : id).geojson", layerID: id,
                                                    layersDirectory: "\(directory)/Layers"))
        }
        if users {
            for (name, role) in [("vera", "viewer"), ("ana", "analyst"), ("ed", "editor")] {
                try store.saveUser(name, roles: [role])
                tokens[role] = try store.createToken(for: name).token
            }
        }
        var configuration = ServerConfiguration(storePath: location, stylesDirectory: directory + "/Styles", webDirectory: Repo.path("Web"))
        configure(&configuration)
        services = try AppServices(configuration: configuration, authenticator: users ? nil : TestAuthenticator(), logger: logger)
    }

    deinit {
        services.pool.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static let layerFiles: [(String, String)] = [
        ("parcels", """
            {"id": "parcels", "title": "宗地", "group": "land", "kind": "vector", "geometryType": "Polygon", "storageCrs": "EPSG:4490",
             "access": "public", "source": "test grid", "synthetic": true,
             "attributes": [
               {"name": "code", "type": "text", "title": "宗地编号", "required": true, "searchable": true},
               {"name": "landuse", "type": "text", "title": "地类编码", "codes": {"0701": "城镇住宅用地", "0810": "公园与绿地", "1201": "空闲地"}},
               {"name": "area_m2", "type": "real", "title": "面积（平方米）"},
               {"name": "floors", "type": "integer", "title": "层数"},
               {"name": "name", "type": "text", "title": "名称"},
               {"name": "surveyed", "type": "date", "title": "调查日期"}]}
            """),
        ("wells", """
            {"id": "wells", "title": "水井", "group": "water", "kind": "vector", "geometryType": "Point", "storageCrs": "EPSG:4490",
             "access": "public", "source": "test points", "synthetic": true,
             "attributes": [{"name": "name", "type": "text", "title": "名称", "searchable": true}, {"name": "status", "type": "text", "title": "状态"}]}
            """),
        ("secret_sites", """
            {"id": "secret_sites", "title": "涉密点位", "group": "emergency", "kind": "vector", "geometryType": "Point", "storageCrs": "EPSG:4490",
             "access": "confidential", "source": "test points", "synthetic": true,
             "attributes": [{"name": "name", "type": "text", "title": "名称", "searchable": true}, {"name": "status", "type": "text", "title": "状态"}]}
            """),
        ("draft_sites", """
            {"id": "draft_sites", "title": "规划草案点位", "group": "planning", "kind": "vector", "geometryType": "Point", "storageCrs": "EPSG:4490",
             "access": "internal", "source": "test points", "synthetic": true,
             "attributes": [{"name": "name", "type": "text", "title": "名称", "searchable": true}, {"name": "status", "type": "text", "title": "状态"}]}
            """),
    ]

    static let style = """
        {"version": 8, "name": "Parcels", "center": [116.81, 38.305], "zoom": 15,
         "sources": {"onemap": {"type": "vector", "url": "onemap:"}},
         "layers": [
           {"id": "bg", "type": "background", "paint": {"background-color": "#ffffff"}},
           {"id": "parcels", "type": "fill", "source": "onemap", "source-layer": "parcels", "paint": {"fill-color": "#e0c080"}},
           {"id": "draft", "type": "circle", "source": "onemap", "source-layer": "draft_sites", "paint": {"circle-radius": 14, "circle-color": "#00ff00"}},
           {"id": "secret", "type": "circle", "source": "onemap", "source-layer": "secret_sites", "paint": {"circle-radius": 9, "circle-color": "#ff0000"}},
           {"id": "wells", "type": "circle", "source": "onemap", "source-layer": "wells", "minzoom": 14,
            "filter": ["!=", ["get", "status"], "closed"], "paint": {"circle-radius": 5, "circle-color": "#0060ff"}}]}
        """
}

extension TestResponse {
    var json: JSONValue { (try? JSONValue.parse(text)) ?? .null }
}

extension JSONValue {
    /// The ids of a FeatureCollection's features.
    var featureIDs: [Int] { (self["features"]?.array ?? []).compactMap { $0["id"]?.number.map(Int.init) } }
}
