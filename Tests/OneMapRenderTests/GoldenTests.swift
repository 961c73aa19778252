import Foundation
import OneMapImage
import OneMapGeometry
import OneMapStore
import Testing

@testable import OneMapRender

/// Reference images in Tests/Fixtures/Golden/<map>_<tms>_<z>_<x>_<y>@<scale>x.png, compared with a
/// small per-pixel tolerance. A mismatch writes the actual image and a difference image under
/// .build/golden/; a missing reference is written locally but fails on CI (CI=1);
/// ONEMAP_BLESS=1 rewrites the references.
enum Golden {
    static let directory = Paths.path("Tests/Fixtures/Golden")
    static let failures = Paths.path(".build/golden")

    static func check(_ png: [UInt8], name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = "\(directory)/\(name).png"
        let environment = ProcessInfo.processInfo.environment
        if environment["ONEMAP_BLESS"] == "1" || !FileManager.default.fileExists(atPath: path) {
            let missing = !FileManager.default.fileExists(atPath: path)
            try Data(png).write(to: URL(fileURLWithPath: path))
            if missing && environment["CI"] != nil {
                Issue.record("golden image \(name) was missing (written now; commit it)", sourceLocation: sourceLocation)
            }
            return
        }
        let expected = try ImageCodec.decodePNG([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        let actual = try ImageCodec.decodePNG(png)
        guard expected.width == actual.width, expected.height == actual.height else {
            Issue.record("\(name): size \(actual.width)×\(actual.height), expected \(expected.width)×\(expected.height)", sourceLocation: sourceLocation)
            return
        }
        var different = 0
        var total = 0
        var diff = RGBAImage(width: actual.width, height: actual.height)
        for i in stride(from: 0, to: actual.pixels.count, by: 4) {
            var worst = 0
            for c in 0..<4 { worst = max(worst, abs(Int(actual.pixels[i + c]) - Int(expected.pixels[i + c]))) }
            total += worst
            if worst > 32 {
                different += 1
                diff.pixels[i] = 255
                diff.pixels[i + 3] = 255
            } else {
                diff.pixels[i] = expected.pixels[i] / 3
                diff.pixels[i + 1] = expected.pixels[i + 1] / 3
                diff.pixels[i + 2] = expected.pixels[i + 2] / 3
                diff.pixels[i + 3] = 255
            }
        }
        let pixels = actual.width * actual.height
        let mean = Double(total) / Double(pixels)
        if Double(different) > Double(pixels) * 0.005 || mean > 2 {
            try FileManager.default.createDirectory(atPath: failures, withIntermediateDirectories: true)
            try Data(png).write(to: URL(fileURLWithPath: "\(failures)/\(name).actual.png"))
            try Data(try ImageCodec.encodePNG(diff)).write(to: URL(fileURLWithPath: "\(failures)/\(name).diff.png"))
            Issue.record("\(name): \(different) pixels differ (mean difference \(String(format: "%.2f", mean))); see \(failures)", sourceLocation: sourceLocation)
        }
    }

    static func name(_ map: String, _ tms: TileMatrixSet, _ t: TileID, scale: Int) -> String {
        "\(map)_\(tms.id)_\(t.z)_\(t.x)_\(t.y)@\(scale)x"
    }
}

@Suite(.serialized) struct GoldenTests {
    /// A store with the Helsinki OSM layers, imported the way `onemap demo` does.
    nonisolated(unsafe) static let helsinki = Result { () -> (TempDir, Store, MapCatalog) in
        let dir = TempDir()
        let store = try Store(path: dir.file("helsinki.sqlite"))
        for (id, layer) in [("helsinki_points", "points"), ("helsinki_lines", "lines"), ("helsinki_polygons", "multipolygons")] {
            _ = try store.importLayer(ImportRequest(source: Paths.path("Layers/data/Helsinki.osm.pbf"), layerID: id, sourceLayer: layer,
                                                    layersDirectory: Paths.path("Layers")))
        }
        return (dir, store, try MapCatalog(directory: Paths.path("Styles"), store: store))
    }

    @Test(arguments: [
        ("WebMercatorQuad", TileID(z: 15, x: 18654, y: 9484), 1),
        ("WebMercatorQuad", TileID(z: 17, x: 74616, y: 37936), 1),
        ("WebMercatorQuad", TileID(z: 16, x: 37308, y: 18968), 2),
        ("CGCS2000Quad", TileID(z: 16, x: 37308, y: 5430), 1),
    ])
    func helsinkiTilesMatchTheirReferences(tms: String, tile: TileID, scale: Int) throws {
        let (_, store, catalog) = try Self.helsinki.get()
        let matrixSet = TileMatrixSet.named(tms)!
        let style = try catalog.style("helsinki")
        let block = Metatile.block(containing: tile, in: matrixSet)
        let rendered = try TileRenderer(store: store, sprites: catalog.sprites).render(
            RenderRequest(style: style, tms: matrixSet, tile: block.origin, columns: block.columns, rows: block.rows, scale: scale, principal: .system))
        let png = try rendered.encode(column: tile.x - block.origin.x, row: tile.y - block.origin.y, format: .rgba)
        #expect(!png.isEmpty)
        try Golden.check(png.data, name: Golden.name("helsinki", matrixSet, tile, scale: scale))
    }

    @Test func helsinkiStyleIsOnlyBrokenWithoutItsLayers() throws {
        let (_, _, catalog) = try Self.helsinki.get()
        let entry = try #require(catalog.entries.first { $0.id == "helsinki" })
        #expect(entry.problems.isEmpty && entry.style != nil)
        // The demo maps need the demo city's layers; in this store they are reported, not fatal.
        let basemap = try #require(catalog.entries.first { $0.id == "basemap" })
        #expect(basemap.style == nil && basemap.problems.contains { $0.contains("no layer 'roads' in the store") })
        #expect(throws: RenderError.self) { try catalog.style("basemap") }
        #expect(throws: RenderError.unknownMap("nope")) { try catalog.style("nope") }
    }
}
