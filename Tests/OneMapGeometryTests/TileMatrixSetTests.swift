import Testing

@testable import OneMapGeometry

@Suite struct TileMatrixSetTests {
    @Test func webMercatorQuadMatchesTheOGCTable() {
        let tms = TileMatrixSet.webMercatorQuad
        #expect(abs(tms.scaleDenominator(0) - 559_082_264.028_717) < 0.001)
        let b = tms.bounds(of: TileID(z: 1, x: 1, y: 0))
        #expect(abs(b.minX) < 1e-6 && abs(b.maxY - WebMercator.halfWorld) < 1e-6)
        #expect(tms.matrixWidth(15) == 32768)
    }

    @Test func cgcs2000QuadLinesUpWithTianDiTuLevels() {
        let tms = TileMatrixSet.cgcs2000Quad
        #expect(tms.matrixWidth(1) == 2 && tms.matrixHeight(1) == 1)
        #expect(abs(tms.scaleDenominator(1) - 279_541_132.014_358) < 0.01)
        #expect(tms.bounds(of: TileID(z: 1, x: 1, y: 0)) == BoundingBox(minX: 0, minY: -90, maxX: 180, maxY: 90))
        // TianDiTu c level 10 tile over Cangzhou: 0.703125/2^9 deg per pixel, 256 px.
        let span = 180.0 / 512
        let b = tms.bounds(of: TileID(z: 10, x: 844, y: 145))
        #expect(abs(b.minX - (-180 + 844 * span)) < 1e-9 && abs(b.maxY - (90 - 145 * span)) < 1e-9)
        #expect(!tms.contains(TileID(z: 0, x: 0, y: 0)))
        #expect(!tms.contains(TileID(z: 2, x: 4, y: 0)))
    }

    @Test func tileRangeCoversABox() {
        let tms = TileMatrixSet.cgcs2000Quad
        let box = BoundingBox(minX: 116.7, minY: 38.2, maxX: 117.0, maxY: 38.45)
        let r = tms.tileRange(covering: box, zoom: 12)!
        for x in r.columns {
            for y in r.rows { #expect(tms.bounds(of: TileID(z: 12, x: x, y: y)).intersects(box)) }
        }
        #expect(tms.bounds(of: TileID(z: 12, x: r.columns.lowerBound, y: r.rows.lowerBound)).minX <= 116.7)
    }
}
