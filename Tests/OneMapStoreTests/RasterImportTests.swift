import Foundation
import GRDB
import OneMapGeometry
import Testing

@testable import OneMapStore

@Suite struct RasterImportTests {
    @Test func demPointQueriesReturnTheSourceCell() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let s = try store.importLayer(ImportRequest(source: Fixtures.importFile("gk_dem.tif"), layerID: "dem", kind: .dem))
        let info = try #require(s.layer.raster)
        #expect(s.layer.storageCRS == CRS(.epsg(4548)) && info.sampleType == .float32 && info.noData == -9999)
        #expect(info.width == 8 && info.height == 6 && info.minValue == 11.25 && info.maxValue == 57.25)
        // Every cell centre, against the generator's formula; (0,0) is no-data.
        for row in 0..<6 {
            for col in 0..<8 {
                let p = Coordinate(500_000 + Double(col) * 100 + 50, 4_250_000 - Double(row) * 100 - 50)
                let v = try store.elevation(layer: "dem", at: p, for: .system)
                if row == 0 && col == 0 { #expect(v == nil) } else {
                    #expect(v == 10 + Double(row * 8 + col) + 0.25 * Double(col % 2))
                }
            }
        }
        // Outside the grid: nil; through another CRS: the same cell.
        #expect(try store.elevation(layer: "dem", at: Coordinate(499_999, 4_249_950), for: .system) == nil)
        let lonLat = try CoordinateTransform(from: CRS(.epsg(4548)), to: .cgcs2000).apply(Coordinate(500_350, 4_249_750))
        #expect(try store.elevation(layer: "dem", at: lonLat, crs: .cgcs2000, for: .system) == 10 + 19 + 0.25)
    }

    @Test func chinaDEMKeepsFloat64ValuesAndNoData() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let s = try store.importLayer(ImportRequest(source: Fixtures.layersData("china_dem.tif"), layerID: "china", kind: .dem))
        let info = try #require(s.layer.raster)
        #expect(info.sampleType == .float64 && info.width == 350 && info.height == 225 && info.levels == 2)
        #expect(info.minValue == -160 && info.maxValue == 7393)
        // data/README.md: the cell containing Cangzhou's centre (116.84E, 38.30N) is 13; the South China Sea is no-data.
        #expect(try store.elevation(layer: "china", at: Coordinate(116.84, 38.30), for: .system) == 13)
        #expect(try store.elevation(layer: "china", at: Coordinate(115.0, 15.5), for: .system) == nil)
        // Against GDAL's own reading of the source, at a few hundred cells.
        for (i, lon) in stride(from: 75.05, to: 135.0, by: 3.1).enumerated() {
            let lat = 20.05 + Double(i % 12) * 3.1
            let out = try run("/usr/bin/gdallocationinfo", ["-valonly", "-wgs84", Fixtures.layersData("china_dem.tif"), String(lon), String(lat)])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let expected = Double(out)
            let v = try store.elevation(layer: "china", at: Coordinate(lon, lat), for: .system)
            if let expected, expected < 1e30 { #expect(v == expected, "at \(lon),\(lat)") } else { #expect(v == nil) }
        }
    }

    @Test func domIsReprojectedWithTransparencyOutside() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let s = try store.importLayer(ImportRequest(source: Fixtures.importFile("gk_dom.tif"), layerID: "dom", kind: .dom))
        let info = try #require(s.layer.raster)
        #expect(s.layer.storageCRS == .cgcs2000 && info.encoding == .png)
        let e = info.extent
        #expect(e.minX > 116.99 && e.maxX < 117.05 && e.minY > 38.3 && e.maxY < 38.4)
        guard case .image(let tile) = try store.rasterTile(s.layer, level: 0, col: 0, row: 0) else {
            Issue.record("no tile")
            return
        }
        // The source's top-left 10×10 block is no-data (0,0,0): transparent after the warp; the
        // middle is opaque with the source's blue 128; cells beyond the raster are transparent.
        let mid = ((info.height / 2) * tile.width + info.width / 2) * 4
        #expect(tile.pixels[mid + 3] == 255 && tile.pixels[mid + 2] == 128)
        #expect(tile.pixels[(2 * tile.width + 2) * 4 + 3] == 0)
        #expect(tile.pixels[(2 * tile.width + info.width + 2) * 4 + 3] == 0)
    }

    @Test func jpegTilesForImagery() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let s = try store.importLayer(ImportRequest(source: Fixtures.importFile("gk_dom.tif"), layerID: "dom", kind: .dom, imageEncoding: .jpeg))
        #expect(s.layer.raster?.encoding == .jpeg)
        guard case .image(let tile) = try store.rasterTile(s.layer, level: 0, col: 0, row: 0) else {
            Issue.record("no tile")
            return
        }
        #expect(tile.width == 256)
    }
}

@Suite struct SpatiaLiteBlobTests {
    @Test(spatiaLiteOnly) func spatiaLiteReadsOurBlobsAndWeReadItsBlobs() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let samples = [
            "POINT(116.8 38.3)", "LINESTRING(1 2,3 4,5 6)", "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,2 4,4 4,2 2))",
            "MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))", "MULTILINESTRING((0 0,1 1),(2 2,3 3))", "MULTIPOINT(1 1,2 2)",
        ]
        for wkt in samples {
            let g = try WKT.parse(wkt)
            let ours = SpatiaLiteBlob.encode(g, srid: 4490)
            let (text, theirs, compressed) = try store.pool.read { db in
                (try String.fetchOne(db, sql: "SELECT AsText(?)", arguments: [Data(ours)]),
                 try Data.fetchOne(db, sql: "SELECT GeomFromText(?, 4490)", arguments: [wkt]),
                 try Data.fetchOne(db, sql: "SELECT CompressGeometry(GeomFromText(?, 4490))", arguments: [wkt]))
            }
            #expect(try WKT.parse(try #require(text)) == g)
            #expect(try SpatiaLiteBlob.decode([UInt8](try #require(theirs))) == g)
            let c = try SpatiaLiteBlob.decode([UInt8](try #require(compressed)))
            var maxError = 0.0
            var a: [Coordinate] = [], b: [Coordinate] = []
            g.forEachCoordinate { a.append($0) }
            c.forEachCoordinate { b.append($0) }
            for (p, q) in zip(a, b) { maxError = max(maxError, abs(p.x - q.x), abs(p.y - q.y)) }
            #expect(a.count == b.count && maxError < 1e-5)
        }
    }

    @Test func headerBoundingBoxIsReadWithoutDecoding() {
        let blob = SpatiaLiteBlob.encode(.lineString([Coordinate(1, 2), Coordinate(3, -4)]), srid: 4490)
        #expect(blob.withUnsafeBytes { SpatiaLiteBlob.boundingBox($0) } == BoundingBox(minX: 1, minY: -4, maxX: 3, maxY: 2))
    }
}
