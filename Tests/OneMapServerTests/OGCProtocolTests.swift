import Foundation
import OneMapImage
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OneMapGeometry
import OneMapRender
import OneMapTestSupport
import Testing

@testable import OneMapServer
@testable import OneMapStore

/// WMTS, WMS and OGC API – Tiles as their clients use them: documents that parse, tiles equal to
/// the XYZ ones, axis orders per version, and every bad request answered in the protocol's own
/// error format with a 4xx.
@Suite struct OGCProtocolTests {
    // MARK: WMTS

    @Test func wmtsCapabilitiesDescribeMapsAndBothTileMatrixSets() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        try await fixture.test { client in
            for uri in ["/wmts?SERVICE=WMTS&REQUEST=GetCapabilities", "/wmts/1.0.0/WMTSCapabilities.xml", "/wmts?request=getcapabilities"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("application/xml") == true, "\(uri)")
                let caps = try XMLNode.parse(response.text)
                #expect(caps.name == "Capabilities" && caps.attributes["version"] == "1.0.0")
                let contents = try #require(caps.first("Contents"))
                // Only maps that can be drawn are layers (the demo maps have no data in this store),
                // then each store layer alone, drawn by its map.
                #expect(contents.all("Layer").compactMap { $0.value("ows:Identifier") } == ["helsinki", "helsinki_lines", "helsinki_points", "helsinki_polygons"])
                #expect(contents.all("Layer").allSatisfy { $0.first("Style")?.first("LegendURL")?.attributes["xlink:href"]?.contains("REQUEST=GetLegendGraphic") == true })
                let layer = try #require(contents.first("Layer"))
                #expect(layer.all("TileMatrixSetLink").compactMap { $0.value("TileMatrixSet") } == ["WebMercatorQuad", "CGCS2000Quad"])
                #expect(layer.first("ResourceURL")?.attributes["template"]?.hasSuffix("/wmts/helsinki/{Style}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png") == true)
                let lower = try #require(layer.value("ows:WGS84BoundingBox/ows:LowerCorner")?.split(separator: " ").compactMap { Double($0) })
                #expect(lower.count == 2 && abs(lower[0] - 24.93) < 0.05 && abs(lower[1] - 60.16) < 0.05)

                let sets = Dictionary(uniqueKeysWithValues: contents.all("TileMatrixSet").map { ($0.value("ows:Identifier") ?? "", $0) })
                let mercator = try #require(sets["WebMercatorQuad"])
                #expect(mercator.value("ows:SupportedCRS") == "urn:ogc:def:crs:EPSG::3857")
                #expect(mercator.value("WellKnownScaleSet") == "urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible")
                #expect(mercator.all("TileMatrix").count == 23)
                let m0 = try #require(mercator.first("TileMatrix"))
                #expect(m0.value("TopLeftCorner") == "-20037508.342789244 20037508.342789244")
                #expect(abs((Double(m0.value("ScaleDenominator") ?? "") ?? 0) - 559_082_264.028_717_2) < 1e-3)

                // TianDiTu `c`: level 1 is 2×1 tiles of 180°, origin at 90°N 180°W, latitude first.
                let geographic = try #require(sets["CGCS2000Quad"])
                #expect(geographic.value("ows:SupportedCRS") == "urn:ogc:def:crs:EPSG::4490")
                let levels = geographic.all("TileMatrix")
                #expect(levels.count == 20 && levels.first?.value("ows:Identifier") == "1" && levels.last?.value("ows:Identifier") == "20")
                #expect(levels.first?.value("TopLeftCorner") == "90.0 -180.0")
                #expect(levels.first?.value("MatrixWidth") == "2" && levels.first?.value("MatrixHeight") == "1")
                // OGC's 0.28 mm pixel (TianDiTu's own capabilities assume 96 DPI: 2.958e8), so that
                // clients computing the cell size from the scale land on 0.703125°.
                #expect(abs((Double(levels.first?.value("ScaleDenominator") ?? "") ?? 0) - 279_541_132.014_358_9) < 1e-3)
                #expect(levels[17].value("MatrixWidth") == "262144" && levels[17].value("MatrixHeight") == "131072")
            }
        }
    }

    @Test func wmtsTilesInKVPAndRESTfulFormAreTheXYZTiles() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        try await fixture.test { client in
            let xyz = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/15/18654/9484.png", method: .get)
            let kvp = try await client.execute(
                uri: "/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=helsinki&STYLE=default&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=15&TILEROW=9484&TILECOL=18654&FORMAT=image/png",
                method: .get)
            let rest = try await client.execute(uri: "/wmts/helsinki/default/WebMercatorQuad/15/9484/18654.png", method: .get)
            #expect(kvp.status == .ok && rest.status == .ok && kvp.headers[.contentType] == "image/png")
            #expect(kvp.bytes == xyz.bytes && rest.bytes == xyz.bytes && kvp.headers[.eTag] == xyz.headers[.eTag])
            let geo = try await client.execute(uri: "/wmts/helsinki/default/CGCS2000Quad/16/5430/37308.png", method: .get)
            let geoXYZ = try await client.execute(uri: "/tiles/helsinki/CGCS2000Quad/16/37308/5430.png", method: .get)
            #expect(geo.status == .ok && geo.bytes == geoXYZ.bytes)
        }
    }

    @Test func badWMTSRequestsAreExceptionReports() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        let tile = "/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&STYLE=default&FORMAT=image/png"
        let cases: [(String, HTTPResponse.Status, String, String?)] = [
            ("/wmts?SERVICE=WMTS", .badRequest, "MissingParameterValue", "REQUEST"),
            ("/wmts?SERVICE=WMS&REQUEST=GetCapabilities", .badRequest, "InvalidParameterValue", "SERVICE"),
            ("/wmts?SERVICE=WMTS&REQUEST=GetFeature", .notImplemented, "OperationNotSupported", "REQUEST"),
            ("\(tile)&LAYER=nope&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=1&TILEROW=0&TILECOL=0", .badRequest, "InvalidParameterValue", "LAYER"),
            ("\(tile)&LAYER=helsinki&TILEMATRIXSET=Mars&TILEMATRIX=1&TILEROW=0&TILECOL=0", .badRequest, "InvalidParameterValue", "TILEMATRIXSET"),
            ("\(tile)&LAYER=helsinki&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=23&TILEROW=0&TILECOL=0", .badRequest, "InvalidParameterValue", "TILEMATRIX"),
            ("\(tile)&LAYER=helsinki&TILEMATRIXSET=CGCS2000Quad&TILEMATRIX=0&TILEROW=0&TILECOL=0", .badRequest, "InvalidParameterValue", "TILEMATRIX"),
            ("\(tile)&LAYER=helsinki&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=2&TILEROW=4&TILECOL=0", .badRequest, "TileOutOfRange", "TILEROW"),
            ("\(tile)&LAYER=helsinki&TILEMATRIXSET=CGCS2000Quad&TILEMATRIX=1&TILEROW=0&TILECOL=2", .badRequest, "TileOutOfRange", "TILECOL"),
            ("\(tile)&LAYER=helsinki&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=2&TILEROW=x&TILECOL=0", .badRequest, "InvalidParameterValue", "TILEROW"),
            ("\(tile)&LAYER=helsinki&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=2&TILECOL=0", .badRequest, "MissingParameterValue", "TILEROW"),
            ("/wmts?SERVICE=WMTS&REQUEST=GetTile&FORMAT=image/jpeg&LAYER=helsinki&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=1&TILEROW=0&TILECOL=0",
             .badRequest, "InvalidParameterValue", "FORMAT"),
            ("\(tile)&VERSION=2.0.0&LAYER=helsinki&TILEMATRIXSET=WebMercatorQuad&TILEMATRIX=1&TILEROW=0&TILECOL=0", .badRequest, "InvalidParameterValue", "VERSION"),
            ("/wmts/helsinki/default/WebMercatorQuad/15/9484/abc.png", .badRequest, "InvalidParameterValue", "TileCol"),
            ("/wmts/helsinki/default/WebMercatorQuad/15/x/18654.png", .badRequest, "InvalidParameterValue", "TileRow"),
            ("/wmts/helsinki/fancy/WebMercatorQuad/15/9484/18654.png", .badRequest, "InvalidParameterValue", "STYLE"),
            ("/wmts/helsinki/default/WebMercatorQuad/99/0/0.png", .badRequest, "InvalidParameterValue", "TILEMATRIX"),
        ]
        try await fixture.test { client in
            for (uri, status, code, locator) in cases {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == status, "\(uri): \(r.status)")
                #expect(r.headers[.contentType]?.hasPrefix("application/xml") == true, "\(uri)")
                let report = try XMLNode.parse(r.text)
                #expect(report.name == "ows:ExceptionReport", "\(uri)")
                let exception = try #require(report.first("ows:Exception"), "\(uri)")
                #expect(exception.attributes["exceptionCode"] == code && exception.attributes["locator"] == locator, "\(uri): \(r.text)")
                #expect(exception.value("ows:ExceptionText")?.isEmpty == false)
            }
        }
    }

    // MARK: WMS

    /// A city that tiles and serves in Gauss-Krüger zone 39 configures it (Helsinki lies in no
    /// CGCS2000 zone, so its derived list has none).
    static let cityCRSs = ["EPSG:4490", "EPSG:4326", "EPSG:3857", "EPSG:4527", "EPSG:4548", "CRS84"]

    @Test func wmsOffersTheDerivedListWithoutAConfiguredOne() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        try await fixture.test { client in
            let caps = try XMLNode.parse(try await client.execute(uri: "/wms?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0", method: .get).text)
            #expect(caps.first("Capability")?.first("Layer")?.all("CRS").map(\.text) == ["EPSG:4490", "EPSG:4326", "EPSG:3857", "CRS:84"])
            let r = try await client.execute(uri: "/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=helsinki&STYLES=&FORMAT=image/png&WIDTH=64&HEIGHT=64&CRS=EPSG:4527&BBOX=0,0,1,1", method: .get)
            #expect(r.status == .badRequest && r.text.contains("InvalidCRS"))
        }
    }

    @Test func wmsCapabilitiesListMapsAndCRSs() async throws {
        let fixture = try await OwnThread.build { try ServerFixture(offeredCRS: Self.cityCRSs) }
        try await fixture.test { client in
            let response = try await client.execute(uri: "/wms?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0", method: .get)
            #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/xml") == true)
            let caps = try XMLNode.parse(response.text)
            #expect(caps.name == "WMS_Capabilities" && caps.attributes["version"] == "1.3.0")
            #expect(caps.value("Service/MaxWidth") == "4096")
            let root = try #require(caps.first("Capability")?.first("Layer"))
            #expect(root.all("CRS").map(\.text) == ["EPSG:4490", "EPSG:4326", "EPSG:3857", "EPSG:4527", "EPSG:4548", "CRS:84"])
            // The maps in one group, each store layer alone under its department's.
            let groups = root.all("Layer")
            #expect(groups.count == 2 && groups.first?.value("Title") == "地图" && groups.allSatisfy { $0.value("Name") == nil }, "\(groups.map { $0.value("Title") ?? "" })")
            let layers = groups[0].all("Layer")
            #expect(layers.compactMap { $0.value("Name") } == ["helsinki"])
            #expect(Set(groups.last?.all("Layer").compactMap { $0.value("Name") } ?? []) == ["helsinki_points", "helsinki_lines", "helsinki_polygons"])
            let legend = try #require(layers.first?.first("Style")?.first("LegendURL"))
            #expect(legend.value("Format") == "image/png" && Int(legend.attributes["height"] ?? "") ?? 0 > 20)
            let box = try #require(layers.first?.all("BoundingBox").first { $0.attributes["CRS"] == "EPSG:4326" })
            // 1.3.0: EPSG:4326 bounding boxes are latitude first.
            #expect(abs((Double(box.attributes["minx"] ?? "") ?? 0) - 60.16) < 0.05 && abs((Double(box.attributes["miny"] ?? "") ?? 0) - 24.93) < 0.05)
            let formats = caps.first("Capability")?.first("Request")?.first("GetMap")?.all("Format").map(\.text)
            #expect(formats?.contains("image/png") == true)
        }
    }

    @Test func wmsGetMapHonoursEachVersionsAxisOrder() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        let (w, s, e, n) = (24.935, 60.165, 24.955, 60.175)
        let common = "SERVICE=WMS&REQUEST=GetMap&LAYERS=helsinki&STYLES=&FORMAT=image/png&WIDTH=300&HEIGHT=256"
        try await fixture.test { client in
            let crs84 = try await client.execute(uri: "/wms?\(common)&VERSION=1.3.0&CRS=CRS:84&BBOX=\(w),\(s),\(e),\(n)", method: .get)
            let epsg4326 = try await client.execute(uri: "/wms?\(common)&VERSION=1.3.0&CRS=EPSG:4326&BBOX=\(s),\(w),\(n),\(e)", method: .get)
            let epsg4490 = try await client.execute(uri: "/wms?\(common)&VERSION=1.3.0&CRS=EPSG:4490&BBOX=\(s),\(w),\(n),\(e)", method: .get)
            let v111 = try await client.execute(uri: "/wms?\(common)&VERSION=1.1.1&SRS=EPSG:4326&BBOX=\(w),\(s),\(e),\(n)", method: .get)
            for r in [crs84, epsg4326, epsg4490, v111] {
                #expect(r.status == .ok && r.headers[.contentType] == "image/png", "\(r.text.prefix(300))")
            }
            let image = try ImageCodec.decodePNG(crs84.bytes)
            #expect(image.width == 300 && image.height == 256 && !image.isFullyTransparent)
            #expect(epsg4326.bytes == crs84.bytes && v111.bytes == crs84.bytes && epsg4490.bytes == crs84.bytes)
            // Swapping the axes draws a different (here: empty) place, so the order matters.
            let swapped = try await client.execute(uri: "/wms?\(common)&VERSION=1.3.0&CRS=EPSG:4326&BBOX=\(w),\(s),\(e),\(n)", method: .get)
            #expect(swapped.bytes != crs84.bytes)
        }
    }

    @Test func wmsGetMapInProjectedCRSsAndCombinedLayers() async throws {
        let fixture = try await OwnThread.build { try ServerFixture(offeredCRS: Self.cityCRSs) }
        let centre = Coordinate(24.945, 60.170)
        try await fixture.test { client in
            let mercator = WebMercator.project(centre)
            let r3857 = try await client.execute(
                uri: "/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=helsinki&STYLES=&FORMAT=image/png&TRANSPARENT=TRUE&WIDTH=256&HEIGHT=256&CRS=EPSG:3857&BBOX=\(mercator.x - 600),\(mercator.y - 600),\(mercator.x + 600),\(mercator.y + 600)",
                method: .get)
            #expect(r3857.status == .ok)
            let transparent = try ImageCodec.decodePNG(r3857.bytes)
            // TRANSPARENT=TRUE leaves out the map's background; without it every pixel is opaque.
            #expect(!transparent.isFullyTransparent && stride(from: 3, to: transparent.pixels.count, by: 4).contains { transparent.pixels[$0] < 255 })
            let opaque = try ImageCodec.decodePNG(try await client.execute(
                uri: "/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=helsinki&STYLES=&FORMAT=image/png&WIDTH=256&HEIGHT=256&CRS=EPSG:3857&BBOX=\(mercator.x - 600),\(mercator.y - 600),\(mercator.x + 600),\(mercator.y + 600)",
                method: .get).bytes)
            #expect(stride(from: 3, to: opaque.pixels.count, by: 4).allSatisfy { opaque.pixels[$0] == 255 })
            // Gauss-Krüger (EPSG:4527 and 4548 put northing first in 1.3.0).
            for code in [4527, 4548] {
                let t = try CoordinateTransform(from: .wgs84, to: CRS(.epsg(code)))
                let p = try t.apply(centre)
                let bbox = "\(p.y - 500),\(p.x - 500),\(p.y + 500),\(p.x + 500)"
                let r = try await client.execute(
                    uri: "/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=helsinki&STYLES=&FORMAT=image/png&WIDTH=200&HEIGHT=200&CRS=EPSG:\(code)&BBOX=\(bbox)",
                    method: .get)
                #expect(r.status == .ok, "\(code): \(r.text.prefix(300))")
                let image = try ImageCodec.decodePNG(r.bytes)
                let colours = Set(stride(from: 0, to: image.pixels.count, by: 4).map { i in image.pixels[i..<i + 3].map(Int.init) })
                #expect(colours.count > 20, "EPSG:\(code) draws the city, not just the background")
            }
            // The same map twice in LAYERS and the 8-bit format.
            let twice = try await client.execute(
                uri: "/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&LAYERS=helsinki,helsinki&STYLES=,&FORMAT=image/png;%20mode=8bit&WIDTH=128&HEIGHT=128&CRS=CRS:84&BBOX=24.94,60.165,24.95,60.175",
                method: .get)
            #expect(twice.status == .ok)
            #expect(try ImageCodec.decodePNG(twice.bytes).width == 128)
        }
    }

    @Test func badWMSRequestsAreServiceExceptionReports() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        let map = "/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&STYLES=&FORMAT=image/png"
        let good = "LAYERS=helsinki&CRS=CRS:84&BBOX=24.94,60.16,24.95,60.17&WIDTH=256&HEIGHT=256"
        let cases: [(String, HTTPResponse.Status, String)] = [
            ("/wms?SERVICE=WMS", .badRequest, "MissingParameterValue"),
            ("/wms?SERVICE=WMS&REQUEST=GetStyles", .notImplemented, "OperationNotSupported"),
            ("/wms?SERVICE=WMS&REQUEST=GetLegendGraphic", .badRequest, "MissingParameterValue"),
            ("/wms?SERVICE=WMS&REQUEST=GetLegendGraphic&LAYER=nowhere", .badRequest, "LayerNotDefined"),
            ("/wms?SERVICE=WMS&REQUEST=GetLegendGraphic&LAYER=helsinki&FORMAT=image/gif", .badRequest, "InvalidFormat"),
            ("/wms?SERVICE=WMS&REQUEST=GetLegendGraphic&LAYER=helsinki&STYLE=fancy", .badRequest, "StyleNotDefined"),
            ("/wms?SERVICE=WMS&REQUEST=GetLegendGraphic&LAYER=helsinki&WIDTH=5", .badRequest, "InvalidParameterValue"),
            ("/wms?SERVICE=WFS&REQUEST=GetCapabilities", .badRequest, "InvalidParameterValue"),
            ("\(map)&LAYERS=nope&CRS=CRS:84&BBOX=0,0,1,1&WIDTH=256&HEIGHT=256", .badRequest, "LayerNotDefined"),
            ("\(map)&LAYERS=&CRS=CRS:84&BBOX=0,0,1,1&WIDTH=256&HEIGHT=256", .badRequest, "MissingParameterValue"),
            ("\(map)&CRS=CRS:84&BBOX=0,0,1,1&WIDTH=256&HEIGHT=256", .badRequest, "MissingParameterValue"),
            ("\(map)&LAYERS=helsinki&CRS=EPSG:9999&BBOX=0,0,1,1&WIDTH=256&HEIGHT=256", .badRequest, "InvalidCRS"),
            ("\(map)&LAYERS=helsinki&CRS=EPSG:2393&BBOX=0,0,1,1&WIDTH=256&HEIGHT=256", .badRequest, "InvalidCRS"),
            ("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.1.1&STYLES=&FORMAT=image/png&LAYERS=helsinki&SRS=EPSG:1&BBOX=0,0,1,1&WIDTH=2&HEIGHT=2", .badRequest, "InvalidSRS"),
            ("\(map)&LAYERS=helsinki&CRS=CRS:84&BBOX=0,0,1&WIDTH=256&HEIGHT=256", .badRequest, "InvalidParameterValue"),
            ("\(map)&LAYERS=helsinki&CRS=CRS:84&BBOX=a,b,c,d&WIDTH=256&HEIGHT=256", .badRequest, "InvalidParameterValue"),
            ("\(map)&LAYERS=helsinki&CRS=CRS:84&BBOX=1,0,0,1&WIDTH=256&HEIGHT=256", .badRequest, "InvalidParameterValue"),
            ("\(map)&LAYERS=helsinki&CRS=CRS:84&BBOX=0,0,1,nan&WIDTH=256&HEIGHT=256", .badRequest, "InvalidParameterValue"),
            ("\(map)&LAYERS=helsinki&CRS=CRS:84&BBOX=0,0,1,1&WIDTH=5000&HEIGHT=256", .badRequest, "InvalidParameterValue"),
            ("\(map)&LAYERS=helsinki&CRS=CRS:84&BBOX=0,0,1,1&WIDTH=0&HEIGHT=256", .badRequest, "InvalidParameterValue"),
            ("\(map)&LAYERS=helsinki&CRS=CRS:84&BBOX=0,0,1,1&WIDTH=256&HEIGHT=-3", .badRequest, "InvalidParameterValue"),
            ("\(map)&LAYERS=helsinki&CRS=CRS:84&BBOX=0,0,1,1&WIDTH=wide&HEIGHT=256", .badRequest, "InvalidParameterValue"),
            ("\(map)&LAYERS=helsinki&CRS=CRS:84&BBOX=0,0,1,1&HEIGHT=256", .badRequest, "MissingParameterValue"),
            ("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&STYLES=&FORMAT=image/gif&\(good)", .badRequest, "InvalidFormat"),
            ("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&STYLES=fancy&FORMAT=image/png&\(good)", .badRequest, "StyleNotDefined"),
            ("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=9.9&STYLES=&FORMAT=image/png&\(good)", .badRequest, "InvalidParameterValue"),
            ("/wms?SERVICE=WMS&REQUEST=GetMap&VERSION=1.3.0&STYLES=&FORMAT=image/png&BGCOLOR=red&\(good)", .badRequest, "InvalidParameterValue"),
        ]
        try await fixture.test { client in
            for (uri, status, code) in cases {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == status, "\(uri): \(r.status)")
                #expect(r.headers[.contentType]?.hasPrefix("text/xml") == true, "\(uri)")
                let report = try XMLNode.parse(r.text)
                #expect(report.name == "ServiceExceptionReport", "\(uri)")
                let exception = try #require(report.first("ServiceException"), "\(uri)")
                #expect(exception.attributes["code"] == code, "\(uri): \(r.text)")
                #expect(!exception.text.isEmpty)
            }
        }
    }

    // MARK: OGC API – Tiles

    @Test func ogcTileMatrixSetsAndMapTiles() async throws {
        let fixture = try await OwnThread.build { try ServerFixture() }
        try await fixture.test { client in
            let list = try JSONValue.parse(try await client.execute(uri: "/ogc/tileMatrixSets", method: .get).text)
            #expect(list["tileMatrixSets"]?.array?.compactMap { $0["id"]?.string } == ["WebMercatorQuad", "CGCS2000Quad"])

            let mercator = try JSONValue.parse(try await client.execute(uri: "/ogc/tileMatrixSets/WebMercatorQuad", method: .get).text)
            #expect(mercator["crs"]?.string == "http://www.opengis.net/def/crs/EPSG/0/3857")
            #expect(mercator["tileMatrices"]?.array?.count == 23)
            #expect(mercator["tileMatrices"]?.array?.first?["matrixWidth"]?.number == 1)
            let geographic = try JSONValue.parse(try await client.execute(uri: "/ogc/tileMatrixSets/CGCS2000Quad", method: .get).text)
            #expect(geographic["crs"]?.string == "http://www.opengis.net/def/crs/EPSG/0/4490")
            #expect(geographic["orderedAxes"]?.array?.compactMap(\.string) == ["Lat", "Lon"])
            let first = geographic["tileMatrices"]?.array?.first
            #expect(first?["id"]?.string == "1" && first?["matrixWidth"]?.number == 2 && first?["matrixHeight"]?.number == 1)
            #expect(first?["pointOfOrigin"]?.array?.compactMap(\.number) == [90, -180])

            let sets = try JSONValue.parse(try await client.execute(uri: "/ogc/maps/helsinki/tiles", method: .get).text)
            #expect(sets["tilesets"]?.array?.count == 2)
            let set = try JSONValue.parse(try await client.execute(uri: "/ogc/maps/helsinki/tiles/CGCS2000Quad", method: .get).text)
            let template = set["links"]?.array?.first { $0["rel"]?.string == "item" }?["href"]?.string
            #expect(template?.hasSuffix("/ogc/maps/helsinki/tiles/CGCS2000Quad/{tileMatrix}/{tileRow}/{tileCol}") == true)

            let tile = try await client.execute(uri: "/ogc/maps/helsinki/tiles/WebMercatorQuad/15/9484/18654", method: .get)
            let xyz = try await client.execute(uri: "/tiles/helsinki/WebMercatorQuad/15/18654/9484.png", method: .get)
            #expect(tile.status == .ok && tile.bytes == xyz.bytes)

            for (uri, status) in [("/ogc/tileMatrixSets/Nope", HTTPResponse.Status.notFound), ("/ogc/maps/nope/tiles", .notFound),
                                  ("/ogc/maps/helsinki/tiles/Nope", .notFound), ("/ogc/maps/helsinki/tiles/WebMercatorQuad/99/0/0", .notFound),
                                  ("/ogc/maps/helsinki/tiles/WebMercatorQuad/2/0/9", .notFound), ("/ogc/maps/helsinki/tiles/WebMercatorQuad/a/0/0", .badRequest)] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == status, "\(uri): \(r.status)")
                #expect(try JSONValue.parse(r.text)["description"]?.string?.isEmpty == false, "\(uri)")
            }
        }
    }
}
