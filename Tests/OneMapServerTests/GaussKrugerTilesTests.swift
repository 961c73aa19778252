import Foundation
import HTTPTypes
import HummingbirdTesting
import OneMapGeometry
import OneMapImage
import OneMapTestSupport
import Testing

@testable import OneMapServer

/// The `Tiles/` folder's Gauss-Krüger grid (CGCS2000GK39, EPSG:4527) served by XYZ, WMTS and
/// OGC API – Tiles, lining up with WMS GetMap in EPSG:4527.
@Suite struct GaussKrugerTilesTests {
    @Test func aGKTileIsTheWMSMapOfItsBoundsPixelForPixel() async throws {
        let fixture = try await OwnThread.build { try FeatureFixture { $0.tilesDirectory = Repo.path("Tiles") } }
        let set = try #require(fixture.services.tiles.matrixSets.named("CGCS2000GK39"))
        // Level 8 (1 m pixels) over the parcels at 116.805 E, 38.305 N: E 39,482,944, N 4,241,371.
        let tile = TileID(z: 8, x: 519, y: 424)
        let b = set.bounds(of: tile)
        _ = try await fixture.services.tiles.tile(map: "parcels", tms: set.id, tile: tile, scale: 1, principal: .anonymous)
        try await fixture.test { client in
            let xyz = try await client.execute(uri: "/tiles/parcels/CGCS2000GK39/8/519/424.png", method: .get)
            #expect(xyz.status == .ok)
            // WMS 1.3.0 puts EPSG:4527's northing first in BBOX.
            let wms = try await client.execute(
                uri: "/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=parcels&STYLES=&FORMAT=image/png&WIDTH=256&HEIGHT=256&CRS=EPSG:4527&BBOX=\(b.minY),\(b.minX),\(b.maxY),\(b.maxX)",
                method: .get)
            #expect(wms.status == .ok, "\(wms.text.prefix(300))")
            let a = try ImageCodec.decodePNG(xyz.bytes), w = try ImageCodec.decodePNG(wms.bytes)
            #expect(a.width == 256 && w.width == 256)
            #expect(Set(stride(from: 0, to: a.pixels.count, by: 4).map { a.pixels[$0] }).count > 1)  // parcels and wells, not a blank tile
            // The same pixels: anti-aliased edges may round one level apart (the metatile and the
            // single map place a circle a billionth of a pixel apart), nothing more.
            let differing = zip(a.pixels, w.pixels).filter { $0 != $1 }
            #expect(differing.allSatisfy { abs(Int($0) - Int($1)) <= 1 } && differing.count < 64, "\(differing.count) channel values differ")
            // …whereas a map one pixel (1 m) off differs all along the wells' edges.
            let shifted = try ImageCodec.decodePNG(try await client.execute(
                uri: "/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=parcels&STYLES=&FORMAT=image/png&WIDTH=256&HEIGHT=256&CRS=EPSG:4527&BBOX=\(b.minY),\(b.minX + 1),\(b.maxY),\(b.maxX + 1)",
                method: .get).bytes)
            #expect(zip(a.pixels, shifted.pixels).filter { abs(Int($0) - Int($1)) > 1 }.count > 100)
            // WMTS and OGC API – Tiles serve the same tile and describe the set.
            let wmts = try await client.execute(uri: "/wmts/parcels/default/CGCS2000GK39/8/424/519.png", method: .get)
            #expect(wmts.bytes == xyz.bytes)
            let ogc = try await client.execute(uri: "/ogc/maps/parcels/tiles/CGCS2000GK39/8/424/519", method: .get)
            #expect(ogc.bytes == xyz.bytes)
            let caps = try await client.execute(uri: "/wmts/1.0.0/WMTSCapabilities.xml", method: .get).text
            #expect(caps.contains("<ows:Identifier>CGCS2000GK39</ows:Identifier>") && caps.contains("urn:ogc:def:crs:EPSG::4527")
                    && caps.contains("<TopLeftCorner>4350000.0 39350000.0</TopLeftCorner>"))
            let definition = try await client.execute(uri: "/ogc/tileMatrixSets/CGCS2000GK39", method: .get).json
            #expect(definition["orderedAxes"]?.array?.compactMap(\.string) == ["N", "E"])
            #expect(definition["tileMatrices"]?.array?.first?["pointOfOrigin"]?.array?.compactMap(\.number) == [4_350_000, 39_350_000])
            let out = try TileMatrixSet(definition: Data(try await client.execute(uri: "/ogc/tileMatrixSets/CGCS2000GK39", method: .get).bytes))
            #expect(out.origin == set.origin && out.maxZoom == set.maxZoom)
        }
    }
}
