import Foundation
import Testing

@testable import OneMapGeometry

@Suite struct EncodingTests {
    let polygon = Geometry.polygon([
        [Coordinate(0, 0), Coordinate(10, 0), Coordinate(10, 10), Coordinate(0, 10), Coordinate(0, 0)],
        [Coordinate(2, 2), Coordinate(2, 4), Coordinate(4, 4), Coordinate(2, 2)],
    ])

    @Test func wkbRoundTripsEveryType() throws {
        let samples: [Geometry] = [
            .point(Coordinate(116.8, 38.3)),
            .lineString([Coordinate(1, 2), Coordinate(3, 4)]),
            polygon,
            .multiPoint([Coordinate(1, 1), Coordinate(2, 2)]),
            .multiLineString([[Coordinate(0, 0), Coordinate(1, 1)], [Coordinate(2, 2), Coordinate(3, 3)]]),
            .multiPolygon([[[Coordinate(0, 0), Coordinate(1, 0), Coordinate(1, 1), Coordinate(0, 0)]]]),
            .collection([.point(Coordinate(5, 5)), .lineString([Coordinate(0, 0), Coordinate(9, 9)])]),
        ]
        for g in samples {
            #expect(try WKB.decode(WKB.encode(g)) == g)
        }
    }

    @Test func wkbReadsIntoFlatGeometriesAndBoxesWithoutBuildingGeometries() throws {
        var bigEndianLine: [UInt8] = [0]
        withUnsafeBytes(of: UInt32(1002).bigEndian) { bigEndianLine += $0 }
        withUnsafeBytes(of: UInt32(2).bigEndian) { bigEndianLine += $0 }
        for v in [1.0, 2.0, 9.0, 3.0, 4.0, 9.0] { withUnsafeBytes(of: v.bitPattern.bigEndian) { bigEndianLine += $0 } }
        let samples: [[UInt8]] = [
            WKB.encode(.point(Coordinate(116.8, 38.3))), WKB.encode(.lineString([Coordinate(1, 2), Coordinate(3, 4)])), WKB.encode(polygon),
            WKB.encode(.multiPoint([Coordinate(1, 1), Coordinate(2, 2)])),
            WKB.encode(.multiLineString([[Coordinate(0, 0), Coordinate(1, 1)], [Coordinate(2, 2), Coordinate(3, 3)]])),
            WKB.encode(.multiPolygon([[[Coordinate(0, 0), Coordinate(10, 0), Coordinate(10, 10), Coordinate(0, 0)], [Coordinate(2, 2), Coordinate(4, 4), Coordinate(4, 2), Coordinate(2, 2)]],
                                      [[Coordinate(20, 20), Coordinate(21, 20), Coordinate(21, 21), Coordinate(20, 20)]]])),
            WKB.encode(.collection([.point(Coordinate(5, 5)), polygon, .lineString([Coordinate(0, 0), Coordinate(9, 9)])])),
            bigEndianLine,
        ]
        for bytes in samples {
            let whole = try WKB.decode(bytes)
            var flat = FlatGeometry()
            try bytes.withUnsafeBytes { try WKB.decode($0, into: &flat) }
            #expect(flat.sameParts(as: FlatGeometry(whole)) && flat.boundingBox == FlatGeometry(whole).boundingBox, "\(whole)")
            #expect(bytes.withUnsafeBytes { WKB.boundingBox($0) } == whole.boundingBox && bytes.withUnsafeBytes { WKB.type($0) } == whole.type)
        }
        // Cut short: no flat geometry, no box.
        var short = WKB.encode(polygon)
        short.removeLast(5)
        var flat = FlatGeometry()
        #expect(throws: GeometryError.self) { try short.withUnsafeBytes { try WKB.decode($0, into: &flat) } }
        #expect(short.withUnsafeBytes { WKB.boundingBox($0) } == nil)
    }

    @Test func wkbRejectsTruncatedInputAndAbsurdCounts() {
        var bytes = WKB.encode(polygon)
        bytes.removeLast(3)
        #expect(throws: GeometryError.self) { try WKB.decode(bytes) }
        // A linestring claiming four billion points in 13 bytes.
        let lie: [UInt8] = [1, 2, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]
        #expect(throws: GeometryError.self) { try WKB.decode(lie) }
    }

    @Test func wkbReadsBigEndianAndDropsZ() throws {
        // Big-endian ISO PointZ (1001) 1 2 3.
        var bytes: [UInt8] = [0]
        withUnsafeBytes(of: UInt32(1001).bigEndian) { bytes += $0 }
        for v in [1.0, 2.0, 3.0] { withUnsafeBytes(of: v.bitPattern.bigEndian) { bytes += $0 } }
        #expect(try WKB.decode(bytes) == .point(Coordinate(1, 2)))
    }

    @Test func wktParsesAndWrites() throws {
        let g = try WKT.parse("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 2 2))")
        #expect(g == polygon)
        #expect(try WKT.parse(WKT.write(g)) == g)
        #expect(try WKT.parse("MULTIPOINT (1 2, 3 4)") == .multiPoint([Coordinate(1, 2), Coordinate(3, 4)]))
        #expect(try WKT.parse("point z (1 2 3)") == .point(Coordinate(1, 2)))
        #expect(try WKT.parse("GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))").type == .geometryCollection)
    }

    @Test func wktErrorsNameThePosition() {
        #expect(throws: GeometryError.malformed(format: "WKT", detail: "expected a number at position 14")) {
            try WKT.parse("LINESTRING(1 x, 2 3)")
        }
        #expect(throws: GeometryError.self) { try WKT.parse("CIRCLE(1 2)") }
        #expect(throws: GeometryError.self) { try WKT.parse("POINT(1 2) extra") }
    }

    @Test func geoJSONWritesCompactNumbers() {
        let g = Geometry.lineString([Coordinate(116.84524249999, -0.5), Coordinate(3, 1e-7)])
        #expect(GeoJSON.string(g, precision: 7) == #"{"type":"LineString","coordinates":[[116.8452425,-0.5],[3,0.0000001]]}"#)
    }

    @Test func geoJSONValuesAreWhatTheWriterWrites() throws {
        let square = [Coordinate(116.1, 38.1), Coordinate(116.2, 38.1), Coordinate(116.2, 38.2), Coordinate(116.1, 38.1)]
        for g in [Geometry.point(Coordinate(116.84524249999, 38.3)), .lineString([Coordinate(1, 2), Coordinate(3, 1e-7)]), .polygon([square]),
                  .multiPolygon([[square], [square.map { Coordinate($0.x + 1, $0.y) }]]), .multiPoint([Coordinate(0, 0)]),
                  .collection([.point(Coordinate(1, 1)), .lineString([Coordinate(0, 0), Coordinate(1, 1)])])] {
            #expect(GeoJSON.value(g, precision: 7) == (try JSONValue.parse(GeoJSON.string(g, precision: 7))), "\(g)")
        }
    }

    /// Escaped UTF-16 in JSON strings: a surrogate pair is one character; a high surrogate
    /// followed by anything but a low one is a replacement character (it once overflowed and
    /// stopped the process: a fuzz finding).
    @Test func jsonStringEscapesAndBrokenSurrogates() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue.parse(#""\u6c27\u5316""#) == .string("氧化"))
        #expect(try JSONValue.parse(#""\ud999\ud99A""#) == .string("\u{FFFD}\u{FFFD}"))
        #expect(try JSONValue.parse(#""\ud999\u0041""#) == .string("\u{FFFD}A"))
        #expect(try JSONValue.parse(#""\udc00x""#) == .string("\u{FFFD}x"))
        #expect(try JSONValue.parse(#""\ud800\ud83d\ude00""#) == .string("\u{FFFD}😀"))
        #expect(throws: (any Error).self) { try JSONValue.parse(#""\ud999\u00""#) }
    }

    @Test func geoJSONReadsParsedJSON() throws {
        let text = #"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}"#
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        #expect(try GeoJSON.geometry(from: object) == .multiPolygon([[[Coordinate(0, 0), Coordinate(1, 0), Coordinate(1, 1), Coordinate(0, 0)]]]))
        let bad = try JSONSerialization.jsonObject(with: Data(#"{"type":"Polygon","coordinates":[[[0,0],[1]]]}"#.utf8))
        #expect(throws: GeometryError.malformed(format: "GeoJSON", detail: "geometry.coordinates[0][1] is not a position [x, y]")) {
            try GeoJSON.geometry(from: bad)
        }
    }

    @Test func numberWriterMatchesFoundationForManyValues() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let v = Double.random(in: -200...200, using: &generator)
            var out = [UInt8]()
            NumberWriter.append(v, precision: 6, to: &out)
            let parsed = Double(String(decoding: out, as: UTF8.self))!
            #expect(abs(parsed - v) <= 0.5e-6 + 1e-12)
        }
    }
}
