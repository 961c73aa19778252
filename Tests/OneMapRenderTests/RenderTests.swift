import Foundation
import OneMapImage
import OneMapGeometry
import OneMapStore
import Testing

@testable import OneMapRender

@Suite(.serialized) struct RenderTests {
    nonisolated(unsafe) static let fixture = Result { try DrawingFixture() }
    var f: DrawingFixture { get throws { try Self.fixture.get() } }

    let fillStyle = #"{"id": "b", "type": "fill", "source": "s", "source-layer": "blocks", "paint": {"fill-color": "red"}}"#

    @Test(arguments: [TileMatrixSet.webMercatorQuad, TileMatrixSet.cgcs2000Quad])
    func polygonsFillWhereTheyAre(tms: TileMatrixSet) throws {
        let f = try f
        let style = try f.style(fillStyle)
        let tile = DrawingFixture.tile(tms, lon: 116.85, lat: 38.31, z: 14)
        let png = try f.render(style, tms, tile).encode(column: 0, row: 0, format: .rgba)
        let image = try ImageCodec.decodePNG(png.data)
        let (x, y) = DrawingFixture.pixel(tms, tile, lon: 116.85, lat: 38.31)
        #expect(image.at(x, y) == (255, 0, 0, 255))
        // Just outside the square (116.835, 38.31) stays transparent.
        let (ox, oy) = DrawingFixture.pixel(tms, tile, lon: 116.835, lat: 38.31)
        if ox >= 0 && ox < 256 { #expect(image.at(ox, oy).3 == 0) }
    }

    @Test func retinaTilesDoubleSizeAndWidths() throws {
        let f = try f
        let style = try f.style(#"{"id": "r", "type": "line", "source": "s", "source-layer": "roads", "paint": {"line-width": 4, "line-color": "blue"}}"#)
        let tms = TileMatrixSet.webMercatorQuad
        let tile = DrawingFixture.tile(tms, lon: 116.85, lat: 38.25, z: 13)
        func thickness(_ scale: Int) throws -> (Int, Int) {
            let image = try ImageCodec.decodePNG(try f.render(style, tms, tile, scale: scale).encode(column: 0, row: 0, format: .rgba).data)
            let x = image.width / 2
            let rows = (0..<image.height).filter { image.at(x, $0).3 > 128 && image.at(x, $0).2 > 128 }
            return (image.width, rows.count)
        }
        let (w1, t1) = try thickness(1), (w2, t2) = try thickness(2)
        #expect(w1 == 256 && w2 == 512)
        #expect((3...5).contains(t1) && (7...9).contains(t2), "line thickness \(t1) px at 1x, \(t2) px at 2x")
    }

    @Test func emptyTilesAreTheSharedTinyPNG() throws {
        let f = try f
        let tile = TileID(z: 14, x: 0, y: 0)
        let encoded = try f.render(try f.style(fillStyle), .webMercatorQuad, tile).encode(column: 0, row: 0, format: .rgba)
        #expect(encoded.isEmpty && encoded.data == EmptyTile.png256)
        #expect(EmptyTile.png256.count < 200 && EmptyTile.png512.count < 400)
        let decoded = try ImageCodec.decodePNG(EmptyTile.png512)
        #expect(decoded.width == 512 && decoded.isFullyTransparent)
    }

    @Test func outOfRangeTilesAreErrorsNotCrashes() throws {
        let f = try f
        let style = try f.style(fillStyle)
        for (tms, tile) in [(TileMatrixSet.webMercatorQuad, TileID(z: 23, x: 0, y: 0)), (.webMercatorQuad, TileID(z: 3, x: 8, y: 0)),
                            (.webMercatorQuad, TileID(z: 3, x: -1, y: 0)), (.cgcs2000Quad, TileID(z: 0, x: 0, y: 0)), (.cgcs2000Quad, TileID(z: 2, x: 0, y: 2))] {
            #expect(throws: RenderError.self) { try f.render(style, tms, tile) }
        }
        do {
            _ = try f.render(style, .webMercatorQuad, TileID(z: 3, x: 8, y: 0))
        } catch RenderError.tileOutOfRange(let message) {
            #expect(message.contains("columns 0–7"))
        }
    }

    @Test func paletteTilesMatchTheRGBAOnes() throws {
        let f = try f
        let style = try f.style(fillStyle + "," + #"{"id": "r", "type": "line", "source": "s", "source-layer": "roads", "paint": {"line-width": 3, "line-color": "rgb(10,126,60)"}}"#)
        let tms = TileMatrixSet.webMercatorQuad
        let tile = DrawingFixture.tile(tms, lon: 116.85, lat: 38.30, z: 12)
        let rendered = try f.render(style, tms, tile)
        let rgba = try ImageCodec.decodePNG(rendered.encode(column: 0, row: 0, format: .rgba).data)
        let palette = try rendered.encode(column: 0, row: 0, format: .palette).data
        #expect(palette[25] == 3)  // IHDR colour type: indexed
        let decoded = try ImageCodec.decodePNG(palette)
        var worst = 0
        for i in 0..<rgba.pixels.count { worst = max(worst, abs(Int(rgba.pixels[i]) - Int(decoded.pixels[i]))) }
        #expect(worst <= 24)
    }

    @Test func layersTheCallerMayNotSeeAreNotDrawn() throws {
        let f = try f
        let style = try f.style(#"{"id": "s", "type": "fill", "source": "s", "source-layer": "secret", "paint": {"fill-color": "lime"}}"#)
        let tms = TileMatrixSet.webMercatorQuad
        let tile = DrawingFixture.tile(tms, lon: 116.81, lat: 38.31, z: 14)
        let (x, y) = DrawingFixture.pixel(tms, tile, lon: 116.81, lat: 38.31)
        let seen = try ImageCodec.decodePNG(f.render(style, tms, tile, principal: .system).encode(column: 0, row: 0, format: .rgba).data)
        #expect(seen.at(x, y) == (0, 255, 0, 255))
        let hidden = try f.render(style, tms, tile, principal: .anonymous)
        #expect(hidden.layerVersions["secret"] == nil)
        #expect(try hidden.encode(column: 0, row: 0, format: .rgba).isEmpty)
    }

    @Test func labelsCrossInnerTileEdgesButNeverTheMetatileEdge() throws {
        let f = try f
        // The road's name placed at the line's centre: in a 2×2 block it may straddle the inner edge;
        // rendered alone, a label that would cross the tile's edge is dropped rather than cut.
        let style = try f.style(#"{"id": "n", "type": "symbol", "source": "s", "source-layer": "roads", "layout": {"text-field": "解放路解放路解放路", "text-size": 24, "symbol-placement": "line-center", "text-font": ["Noto Sans CJK SC Regular"]}, "paint": {"text-color": "black"}}"#)
        let tms = TileMatrixSet.webMercatorQuad
        // Level 8: the 0.3°-long road spans about 55 px around 116.85E.
        let tile = DrawingFixture.tile(tms, lon: 116.85, lat: 38.25, z: 8)
        let alone = try f.render(style, tms, tile).encode(column: 0, row: 0, format: .rgba)
        let image = try ImageCodec.decodePNG(alone.data)
        // Every drawn pixel lies fully inside (no glyph is cut): nothing in the outermost column or row.
        for k in 0..<256 {
            #expect(image.at(0, k).3 == 0 && image.at(255, k).3 == 0 && image.at(k, 0).3 == 0 && image.at(k, 255).3 == 0)
        }
    }

    @Test func hillshadeIsSeamlessAcrossTileEdges() throws {
        let f = try f
        let style = try f.style(#"{"id": "h", "type": "hillshade", "source": "d", "paint": {"hillshade-exaggeration": 0.8}}"#,
                                sources: #""d": {"type": "raster-dem", "url": "onemap:dem"}"#)
        let tms = TileMatrixSet.webMercatorQuad
        // Tibet at level 7: two neighbouring tiles rendered separately.
        let left = DrawingFixture.tile(tms, lon: 90.9, lat: 30.0, z: 7)
        let right = TileID(z: 7, x: left.x + 1, y: left.y)
        let a = try ImageCodec.decodePNG(f.render(style, tms, left).encode(column: 0, row: 0, format: .rgba).data)
        let b = try ImageCodec.decodePNG(f.render(style, tms, right).encode(column: 0, row: 0, format: .rgba).data)
        func alpha(_ img: RGBAImage, _ x: Int) -> [Int] { (0..<256).map { img.at(x, $0).3 } }
        func difference(_ p: [Int], _ q: [Int]) -> Double { Double(zip(p, q).map { abs($0 - $1) }.reduce(0, +)) / 256 }
        let across = difference(alpha(a, 255), alpha(b, 0))
        let within = difference(alpha(a, 254), alpha(a, 255))
        #expect(alpha(a, 128).contains { $0 > 0 }, "no relief drawn")
        #expect(across <= within * 2 + 1, "edge step \(across) vs interior \(within)")
    }

    @Test func colorReliefUsesTheRamp() throws {
        let f = try f
        let style = try f.style(#"{"id": "c", "type": "color-relief", "source": "d", "paint": {"color-relief-color": ["interpolate", ["linear"], ["elevation"], 0, "blue", 5000, "red"]}}"#,
                                sources: #""d": {"type": "raster-dem", "url": "onemap:dem"}"#)
        let tms = TileMatrixSet.cgcs2000Quad
        let tile = DrawingFixture.tile(tms, lon: 116.84, lat: 38.30, z: 6)
        let image = try ImageCodec.decodePNG(f.render(style, tms, tile).encode(column: 0, row: 0, format: .rgba).data)
        let (x, y) = DrawingFixture.pixel(tms, tile, lon: 116.84, lat: 38.30)
        let (r, _, b, a) = image.at(x, y)
        // Cangzhou is about 13 m high: almost pure blue.
        #expect(a == 255 && b > 240 && r < 10)
    }
}
