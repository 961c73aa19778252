import Foundation
import Testing

@testable import OneMapGeometry

/// The `Tiles/` folder: OGC Two-Dimensional Tile Matrix Set 2.0 JSON files.
@Suite struct TileMatrixSetFileTests {
    static let tiles = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tiles").path

    func read(_ name: String) throws -> TileMatrixSet {
        try TileMatrixSet(definition: Data(contentsOf: URL(fileURLWithPath: Self.tiles + "/" + name + ".json")))
    }

    func same(_ a: TileMatrixSet, _ b: TileMatrixSet) -> Bool {
        // Foundation's JSON reader on Linux can lose the last digit of a 17-digit number: nanometres here.
        a.id == b.id && a.crs == b.crs && abs(a.origin.x - b.origin.x) < 1e-6 && abs(a.origin.y - b.origin.y) < 1e-6
            && abs(a.firstCellSize - b.firstCellSize) < 1e-12 * b.firstCellSize
            && a.firstMatrixWidth == b.firstMatrixWidth && a.firstMatrixHeight == b.firstMatrixHeight && a.minZoom == b.minZoom
            && a.maxZoom == b.maxZoom && a.tileSize == b.tileSize && a.uri == b.uri
    }

    @Test func theFolderHoldsTheBuiltInSetsAndTheCitysGaussKrugerGrid() throws {
        let w = try read("WebMercatorQuad")
        #expect(same(w, .webMercatorQuad), "\(w.origin) \(w.firstCellSize) \(w.uri ?? "-") \(w.crs) \(w.maxZoom)")
        #expect(same(try read("CGCS2000Quad"), .cgcs2000Quad))
        let gk = try read("CGCS2000GK39")
        #expect(gk.crs == CRS(.epsg(4527)) && gk.minZoom == 0 && gk.maxZoom == 11)
        // pointOfOrigin is northing first (EPSG:4527's axis order); OneMap keeps x = east.
        #expect(gk.origin == Coordinate(39_350_000, 4_350_000))
        #expect(gk.bounds(of: TileID(z: 8, x: 517, y: 426)) == BoundingBox(minX: 39_482_352, minY: 4_240_688, maxX: 39_482_608, maxY: 4_240_944))
        #expect(abs(gk.scaleDenominator(0) - 914_285.714_285_714_3) < 1e-6)
        // The demo city (about 116.75–116.96 E, 38.21–38.42 N) lies inside the grid.
        let city = try CoordinateTransform(from: .cgcs2000, to: CRS(.epsg(4527))).apply(BoundingBox(minX: 116.75, minY: 38.21, maxX: 116.96, maxY: 38.42))
        #expect(gk.extent.intersection(city) == city)
    }

    @Test func aBrokenFileIsNamedWithTheJSONPathAtFault() throws {
        let base = try String(contentsOfFile: Self.tiles + "/CGCS2000GK39.json", encoding: .utf8)
        func problem(_ edit: (inout [String: Any]) -> Void) -> String {
            var object = try! JSONSerialization.jsonObject(with: Data(base.utf8)) as! [String: Any]
            edit(&object)
            do {
                _ = try TileMatrixSet(definition: try JSONSerialization.data(withJSONObject: object))
                return "accepted"
            } catch let e as TileMatrixSet.DefinitionError {
                return "\(e.path): \(e.message)"
            } catch {
                return "\(error)"
            }
        }
        func matrix(_ o: inout [String: Any], _ i: Int, _ key: String, _ value: Any) {
            var list = o["tileMatrices"] as! [[String: Any]]
            list[i][key] = value
            o["tileMatrices"] = list
        }
        #expect(problem { _ in } == "accepted")
        #expect(problem { $0["crs"] = "http://www.opengis.net/def/crs/EPSG/0/999999" }.hasPrefix("crs: "))
        #expect(problem { $0["id"] = "a/b" }.hasPrefix("id: "))
        #expect(problem { $0["tileMatrices"] = [] }.hasPrefix("tileMatrices: "))
        #expect(problem { $0["colour"] = "red" }.hasPrefix("colour: not a key"))
        #expect(problem { matrix(&$0, 3, "cellSize", 20.0) }.hasPrefix("tileMatrices[3].cellSize: must be half"))
        #expect(problem { matrix(&$0, 2, "pointOfOrigin", [4_350_000, 39_350_001]) }.hasPrefix("tileMatrices[2].pointOfOrigin"))
        #expect(problem { matrix(&$0, 1, "matrixWidth", 9) }.hasPrefix("tileMatrices[1].matrixWidth"))
        #expect(problem { matrix(&$0, 0, "scaleDenominator", 1000.0) }.hasPrefix("tileMatrices[0].scaleDenominator"))
        #expect(problem { matrix(&$0, 4, "id", "7") }.hasPrefix("tileMatrices[4].id"))
        #expect(problem { matrix(&$0, 0, "tileHeight", 512) }.hasPrefix("tileMatrices[0].tileHeight"))
        // Through the registry: the file's name comes first; nothing is registered.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tms-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"id": "Broken", "crs": "http://www.opengis.net/def/crs/EPSG/0/4527", "tileMatrices": [{"id": "0"}]}"#.write(toFile: dir + "/broken.json", atomically: true, encoding: .utf8)
        #expect(throws: GeometryError.invalid("\(dir)/broken.json: tileMatrices[0].cellSize: a number")) { try TileMatrixSetCatalog.load(directory: dir) }
        try "{ not json".write(toFile: dir + "/broken.json", atomically: true, encoding: .utf8)
        #expect(throws: GeometryError.invalid("\(dir)/broken.json: not a JSON object")) { try TileMatrixSetCatalog.load(directory: dir) }
        // The repository's folder: the built-in sets with their exact constants, then the GK grid.
        let folder = try TileMatrixSetCatalog.load(directory: Self.tiles)
        #expect(folder.all.map(\.id) == ["WebMercatorQuad", "CGCS2000Quad", "CGCS2000GK39"])
        #expect(folder.named("w")?.origin == TileMatrixSet.webMercatorQuad.origin && folder.named("c")?.firstCellSize == 0.703125)
        #expect(TileMatrixSetCatalog.builtIn.named("CGCS2000GK39") == nil)
    }
}
