import Foundation
import HTTPTypes
import HummingbirdTesting
import OneMapGeometry
import OneMapImage
import OneMapTestSupport
import Testing

@testable import OneMapServer

/// A city's own coordinate system (a named CRS in `Layers/crs`) used where EPSG codes are: the
/// features API's `crs` and `bbox-crs`, WMS `CRS`, and the lists that offer them.
@Suite struct NamedCRSRoutesTests {
    /// A Helsinki grid of the test's own: transverse Mercator on 25°E with the northing shortened,
    /// then four plane parameters (a local grid turned by 20″ and shifted).
    static let grid = #"""
        {"name": "HKI_GRID", "title": "测试城市坐标系",
         "base": "+proj=tmerc +lat_0=0 +lon_0=25 +k=1 +x_0=0 +y_0=-6600000 +ellps=GRS80 +units=m +no_defs",
         "towgs84": [0, 0, 0],
         "plane": {"dx": 100, "dy": -250, "rotationSeconds": 20, "scalePPM": 3},
         "accuracy": 0.02}
        """#

    @Test func itemsAndMapsInTheCitysGrid() async throws {
        let fixture = try await OwnThread.build { try ServerFixture(crsFiles: ["HKI_GRID.json": Self.grid]) }
        try await fixture.test { client in
            let collection = try await client.execute(uri: "/ogc/collections/helsinki_points", method: .get).json
            #expect(collection["crs"]?.array?.compactMap(\.string).contains("urn:onemap:crs:HKI_GRID") == true)
            let plain = try await client.execute(uri: "/ogc/collections/helsinki_points/items?limit=1", method: .get).json
            let inGrid = try await client.execute(uri: "/ogc/collections/helsinki_points/items?limit=1&crs=urn:onemap:crs:HKI_GRID", method: .get)
            #expect(inGrid.status == .ok && inGrid.headers[HTTPField.Name("Content-Crs")!] == "<urn:onemap:crs:HKI_GRID>")
            let a = (plain["features"]?.array?.first?["geometry"]?["coordinates"]?.array ?? []).compactMap(\.number)
            let b = (inGrid.json["features"]?.array?.first?["geometry"]?["coordinates"]?.array ?? []).compactMap(\.number)
            try #require(a.count == 2 && b.count == 2)
            let expected = try CoordinateTransform(from: .crs84, to: CRS(parsing: "HKI_GRID")).apply(Coordinate(a[0], a[1]))
            #expect(abs(b[0] - expected.x) < 0.01 && abs(b[1] - expected.y) < 0.01)
            // bbox-crs in the grid finds the same feature.
            let box = "\(expected.x - 5),\(expected.y - 5),\(expected.x + 5),\(expected.y + 5)"
            let found = try await client.execute(uri: "/ogc/collections/helsinki_points/items?bbox=\(box)&bbox-crs=HKI_GRID", method: .get).json
            #expect((found["numberMatched"]?.number ?? 0) >= 1)
            // WMS: listed, and a GetMap in the grid draws.
            let caps = try XMLNode.parse(try await client.execute(uri: "/wms?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0", method: .get).text)
            #expect(caps.first("Capability")?.first("Layer")?.all("CRS").map(\.text).contains("HKI_GRID") == true)
            let centre = try CoordinateTransform(from: .crs84, to: CRS(parsing: "HKI_GRID")).apply(Coordinate(24.945, 60.170))
            let r = try await client.execute(
                uri: "/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=helsinki&STYLES=&FORMAT=image/png&WIDTH=128&HEIGHT=128&CRS=HKI_GRID&BBOX=\(centre.x - 400),\(centre.y - 400),\(centre.x + 400),\(centre.y + 400)",
                method: .get)
            #expect(r.status == .ok, "\(r.text.prefix(300))")
            let image = try ImageCodec.decodePNG(r.bytes)
            #expect(Set(stride(from: 0, to: image.pixels.count, by: 4).map { image.pixels[$0] }).count > 4)
        }
    }

    @Test func aBrokenCRSFileStopsStartUp() async throws {
        let error = await #expect(throws: (any Error).self) {
            try await OwnThread.build { try ServerFixture(crsFiles: ["bad.json": #"{"name": "X1", "base": "EPSG:4548", "plane": {"dx": 1}}"#]) }
        }
        #expect("\(error!)".contains("bad.json") && "\(error!)".contains("plane"))
        let offered = await #expect(throws: (any Error).self) {
            try await OwnThread.build { try ServerFixture(offeredCRS: ["EPSG:4490", "NOT_A_CRS"]) }
        }
        #expect("\(offered!)".contains("offered.json: crs[1]"))
    }
}
