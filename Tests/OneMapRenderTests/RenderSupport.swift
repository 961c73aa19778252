import Foundation
import OneMapImage
import OneMapGeometry
import OneMapStore
import Testing

@testable import OneMapRender

enum Paths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { repository.appendingPathComponent(relative).path }
}

final class TempDir {
    let path = NSTemporaryDirectory() + "onemap-render-" + UUID().uuidString
    init() { try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// A small store for drawing tests: one red square, one road, labelled points, a confidential square.
struct DrawingFixture {
    let dir = TempDir()
    let store: Store
    let sprites: SpriteSheet

    init() throws {
        store = try Store(path: dir.file("draw.sqlite"))
        sprites = try SpriteSheet(base: Paths.path("Styles/sprites/sprite"))
        let dir = self.dir
        func write(_ name: String, _ text: String) -> String {
            let p = dir.file(name)
            try! text.write(toFile: p, atomically: true, encoding: .utf8)
            return p
        }
        let blocks = write("blocks.geojson", #"""
            {"type":"FeatureCollection","features":[
             {"type":"Feature","properties":{"code":"0901"},"geometry":{"type":"Polygon","coordinates":[[[116.84,38.30],[116.86,38.30],[116.86,38.32],[116.84,38.32],[116.84,38.30]]]}}]}
            """#)
        let secret = write("secret.geojson", #"""
            {"type":"FeatureCollection","features":[
             {"type":"Feature","properties":{"code":"x"},"geometry":{"type":"Polygon","coordinates":[[[116.80,38.30],[116.82,38.30],[116.82,38.32],[116.80,38.32],[116.80,38.30]]]}}]}
            """#)
        let roads = write("roads.geojson", #"""
            {"type":"FeatureCollection","features":[
             {"type":"Feature","properties":{"name":"解放路","class":"primary"},"geometry":{"type":"LineString","coordinates":[[116.70,38.25],[117.00,38.25]]}}]}
            """#)
        _ = try store.importLayer(ImportRequest(source: blocks, layerID: "blocks"))
        _ = try store.importLayer(ImportRequest(source: secret, layerID: "secret", access: .confidential))
        _ = try store.importLayer(ImportRequest(source: roads, layerID: "roads"))
        _ = try store.importLayer(ImportRequest(source: Paths.path("Layers/data/china_dem.tif"), layerID: "dem", kind: .dem))
    }

    func style(_ layers: String, sources: String = #""s": {"type": "vector", "url": "onemap:"}"#) throws -> Style {
        let environment = StyleEnvironment(layers: Dictionary(uniqueKeysWithValues: try store.layers(for: .system).map { ($0.id, $0) }),
                                           fontExists: { FontLibrary.shared.exists($0) }, icons: sprites.names)
        return try StyleLoader.load(id: "test", text: #"{"version": 8, "sources": {\#(sources)}, "layers": [\#(layers)]}"#, environment: environment)
    }

    func render(_ style: Style, _ tms: TileMatrixSet, _ tile: TileID, columns: Int = 1, rows: Int = 1, scale: Int = 1,
                principal: Principal = .system) throws -> RenderedMetatile {
        try TileRenderer(store: store, sprites: sprites).render(RenderRequest(style: style, tms: tms, tile: tile, columns: columns, rows: rows, scale: scale, principal: principal))
    }

    /// The tile containing a lon/lat point at level z.
    static func tile(_ tms: TileMatrixSet, lon: Double, lat: Double, z: Int) -> TileID {
        let p = tms.crs == .webMercator ? WebMercator.project(Coordinate(lon, lat)) : Coordinate(lon, lat)
        let r = tms.tileRange(covering: BoundingBox(minX: p.x, minY: p.y, maxX: p.x, maxY: p.y), zoom: z)!
        return TileID(z: z, x: r.columns.lowerBound, y: r.rows.lowerBound)
    }

    /// The pixel of a lon/lat point inside a rendered block.
    static func pixel(_ tms: TileMatrixSet, _ tile: TileID, lon: Double, lat: Double, scale: Int = 1) -> (Int, Int) {
        let p = tms.crs == .webMercator ? WebMercator.project(Coordinate(lon, lat)) : Coordinate(lon, lat)
        let b = tms.bounds(of: tile)
        let res = tms.cellSize(tile.z) / Double(scale)
        return (Int((p.x - b.minX) / res), Int((b.maxY - p.y) / res))
    }
}

extension RGBAImage {
    func at(_ x: Int, _ y: Int) -> (Int, Int, Int, Int) {
        let i = (y * width + x) * 4
        return (Int(pixels[i]), Int(pixels[i + 1]), Int(pixels[i + 2]), Int(pixels[i + 3]))
    }
}
