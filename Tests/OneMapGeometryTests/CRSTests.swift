import Foundation
import Testing

@testable import OneMapGeometry

@Suite struct CRSTests {
    @Test func parsesTheUsualSpellings() throws {
        #expect(try CRS(parsing: "EPSG:4490") == .cgcs2000)
        #expect(try CRS(parsing: "4490") == .cgcs2000)
        #expect(try CRS(parsing: "http://www.opengis.net/def/crs/EPSG/0/4527") == CRS(.epsg(4527)))
        #expect(try CRS(parsing: "urn:ogc:def:crs:EPSG::3857") == .webMercator)
        #expect(try CRS(parsing: "http://www.opengis.net/def/crs/OGC/1.3/CRS84") == .crs84)
        #expect(try CRS(parsing: "GCJ-02") == .gcj02)
    }

    @Test func rejectsUnknownCodes() {
        #expect(throws: GeometryError.unknownCRS("EPSG:999999")) { try CRS(parsing: "EPSG:999999") }
        #expect(throws: GeometryError.self) { try CRS(parsing: "EPSG:abc") }
        #expect(throws: GeometryError.self) { try CRS(parsing: "BD09") }
    }

    @Test func knowsWhichAreGeographic() throws {
        #expect(CRS.cgcs2000.isGeographic)
        #expect(!CRS(.epsg(4548)).isGeographic)
        #expect(try CRS(parsing: "EPSG:4214").isGeographic)
        #expect(try !CRS(parsing: "EPSG:32650").isGeographic)
    }

    @Test func axisOrderFollowsTheEPSGDefinitions() {
        #expect(CRS.cgcs2000.isNorthFirst && CRS.wgs84.isNorthFirst)
        #expect(!CRS.webMercator.isNorthFirst && !CRS.crs84.isNorthFirst)
        #expect(CRS(.epsg(4527)).isNorthFirst && CRS(.epsg(4548)).isNorthFirst)
    }

    @Test func gaussKrugerZonesForCangzhou() {
        #expect(GaussKruger.crsWithZonePrefix(longitude: 116.84) == CRS(.epsg(4527)))
        #expect(GaussKruger.crsWithCentralMeridian(longitude: 116.84) == CRS(.epsg(4548)))
    }

    @Test func projectsToGaussKrugerWithLonLatOrder() throws {
        let t = try CoordinateTransform(from: .cgcs2000, to: CRS(.epsg(4527)))
        let p = try t.apply(Coordinate(117, 38.3))
        #expect(abs(p.x - 39_500_000) < 0.001)
        #expect(p.y > 4_230_000 && p.y < 4_250_000)
        let back = try CoordinateTransform(from: CRS(.epsg(4527)), to: .cgcs2000).apply(p)
        #expect(abs(back.x - 117) < 1e-9 && abs(back.y - 38.3) < 1e-9)
        let cm = try CoordinateTransform(from: .cgcs2000, to: CRS(.epsg(4548))).apply(Coordinate(117, 38.3))
        #expect(abs(cm.x - 500_000) < 0.001)
    }

    @Test func webMercatorClosedFormAgreesWithPROJ() throws {
        let fast = try CoordinateTransform(from: .wgs84, to: .webMercator)
        #expect(fast.isIdentity == false)
        let c = Coordinate(24.9414, 60.171)
        let viaFast = try fast.apply(c)
        // Through PROJ: go via a CRS that forces the PROJ path (4490 → 3857 is display-equivalent, so use 4214 → 3857).
        let viaProj = try ProjTransformer(from: "EPSG:4326", to: "EPSG:3857")
        var buffer = [c]
        try buffer.withUnsafeMutableBufferPointer { try viaProj.transform($0) }
        #expect(abs(buffer[0].x - viaFast.x) < 1e-6 && abs(buffer[0].y - viaFast.y) < 1e-6)
    }

    @Test func gcj02OffsetInCangzhouMatchesTheDataNotes() {
        // The shared data notes: GCJ-02 puts Cangzhou about 510–550 m east and 60–90 m north.
        let wgs = Coordinate(116.84, 38.30)
        let gcj = GCJ02.fromWGS84(wgs)
        let east = (gcj.x - wgs.x) * 111_320 * cos(38.30 * .pi / 180)
        let north = (gcj.y - wgs.y) * 110_950
        #expect((480...560).contains(east))
        #expect((50...100).contains(north))
    }

    @Test func gcj02InverseIsBelowHalfAMetre() {
        // 0.5 m is about 4.5e-6° of latitude; the iteration should do far better.
        for lon in stride(from: 115.7, through: 118.0, by: 0.23) {
            for lat in stride(from: 37.4, through: 39.0, by: 0.17) {
                let gcj = Coordinate(lon, lat)
                let back = GCJ02.fromWGS84(GCJ02.toWGS84(gcj))
                #expect(abs(back.x - gcj.x) < 1e-8 && abs(back.y - gcj.y) < 1e-8)
            }
        }
        // Outside China nothing moves.
        #expect(GCJ02.toWGS84(Coordinate(24.94, 60.17)) == Coordinate(24.94, 60.17))
    }

    @Test func gcj02TransformChainsThroughPROJ() throws {
        let t = try CoordinateTransform(from: .gcj02, to: CRS(.epsg(4548)))
        let direct = try CoordinateTransform(from: .cgcs2000, to: CRS(.epsg(4548))).apply(GCJ02.toWGS84(Coordinate(116.85, 38.31)))
        let chained = try t.apply(Coordinate(116.85, 38.31))
        #expect(abs(direct.x - chained.x) < 1e-6 && abs(direct.y - chained.y) < 1e-6)
    }
}
