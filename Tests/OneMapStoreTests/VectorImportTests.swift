import Foundation
import GRDB
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapStore

@Suite struct VectorImportTests {
    @Test(spatiaLiteOnly) func geoJSONPointsKeepTypesIdsAndChineseText() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let summary = try store.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "pois"))
        #expect(summary.read == 4 && summary.written == 3 && summary.skipped == 1 && summary.repaired == 0)
        let layer = try store.layer("pois", for: .system)
        #expect(layer.geometryType == .point && layer.storageCRS == .cgcs2000 && layer.featureCount == 3)
        #expect(layer.attributes.map(\.name) == ["name", "kind", "floors", "height"])
        #expect(layer.attributes.map(\.type) == [.text, .text, .integer, .real])
        let rows = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT fid, name, floors, height, AsText(geom) AS wkt, ST_SRID(geom) AS srid FROM pois ORDER BY fid")
        }
        #expect(rows.map { $0["fid"] as Int64 } == [1, 2, 4])
        #expect(rows[0]["name"] as String == "沧州火车站")
        #expect(rows[1]["floors"] as Int? == nil)
        #expect(rows[0]["wkt"] as String == "POINT(116.8467 38.3097)")
        #expect(rows[0]["srid"] as Int == 4490)
    }

    @Test(spatiaLiteOnly) func invalidPolygonsAreRepairedAndCounted() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let summary = try store.importLayer(ImportRequest(source: Fixtures.importFile("polygons.geojson"), layerID: "parcels"))
        #expect(summary.read == 3 && summary.written == 3 && summary.repaired == 1)
        let layer = try store.layer("parcels", for: .system)
        #expect(layer.geometryType == .multiPolygon)
        let valid = try store.pool.read { db in try Int.fetchAll(db, sql: "SELECT ST_IsValid(geom) FROM parcels") }
        #expect(valid == [1, 1, 1])
    }

    @Test(spatiaLiteOnly) func theSpatialIndexHoldsEveryFeatureAndGDALCanReadTheStore() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("polygons.geojson"), layerID: "parcels"))
        let (rtree, registered) = try store.pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM idx_parcels_geom"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM geometry_columns WHERE f_table_name = 'parcels' AND srid = 4490"))
        }
        #expect(rtree == 3 && registered == 1)
        try store.checkpoint()
        let out = try run("/usr/bin/ogrinfo", ["-ro", "-so", dir.file("test.sqlite"), "parcels"])
        #expect(out.contains("Feature Count: 3"))
        #expect(out.contains("CGCS2000") || out.contains("4490"))
    }

    @Test(spatiaLiteOnly) func gcj02BoundariesAreConvertedToCGCS2000() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        _ = try store.importLayer(ImportRequest(source: Fixtures.layersData("cangzhou_admin.geojson"), layerID: "admin", srs: .gcj02))
        let layer = try store.layer("admin", for: .system)
        // The data notes give the GCJ-02 extent 115.705289, 37.473350 – 117.958013, 38.948381;
        // the true positions lie about 0.0055–0.0066° further west.
        let e = try #require(layer.extent)
        #expect(e.minX < 115.705289 - 0.005 && e.minX > 115.705289 - 0.007)
        #expect(e.maxX < 117.958013 - 0.005 && e.maxX > 117.958013 - 0.007)
        // One vertex, converted back, lands on the original within 0.5 m (~5e-6°).
        let wkt = try store.pool.read { db in try String.fetchOne(db, sql: "SELECT AsText(PointN(ExteriorRing(GeometryN(geom, 1)), 1)) FROM admin WHERE adcode = '130902'") }
        let converted = try WKT.parse(try #require(wkt))
        guard case .point(let c) = converted else { Issue.record("not a point"); return }
        let source = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.layersData("cangzhou_admin.geojson")))) as! [String: Any]
        let feature = (source["features"] as! [[String: Any]]).first { ($0["properties"] as! [String: Any])["adcode"] as? String == "130902" }!
        let first = (((feature["geometry"] as! [String: Any])["coordinates"] as! [Any])[0] as! [Any])[0] as! [Any]
        let original = first[0] as! [Double]
        let back = GCJ02.fromWGS84(c)
        #expect(abs(back.x - original[0]) < 5e-6 && abs(back.y - original[1]) < 5e-6)
    }

    @Test(spatiaLiteOnly) func shapefileTextNeedsItsEncoding() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        // Declared by a .cpg: read as GBK without being told.
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("gbk_declared.shp"), layerID: "declared"))
        // Undeclared: --encoding GBK.
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("gbk.shp"), layerID: "told", encoding: "GBK"))
        let names = try store.pool.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM declared ORDER BY fid"), try String.fetchAll(db, sql: "SELECT name FROM told ORDER BY fid"))
        }
        #expect(names.0 == ["沧州火车站", "人民公园", "运河桥"])
        #expect(names.1 == names.0)
        // A shapefile's polygon/line layers may hold multipart features; points stay points.
        #expect(try store.layer("told", for: .system).geometryType == .point)
    }

    @Test func geoPackageLayersAreChosenBySourceLayer() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        #expect(throws: StoreError.self) { try store.importLayer(ImportRequest(source: Fixtures.importFile("two_layers.gpkg"), layerID: "x")) }
        let s = try store.importLayer(ImportRequest(source: Fixtures.importFile("two_layers.gpkg"), layerID: "gp", sourceLayer: "parcels"))
        #expect(s.written == 3)
        // The GeoPackage layer is GEOMETRY (Polygon and MultiPolygon mixed): scanned and promoted.
        #expect(s.layer.geometryType == .multiPolygon)
    }

    @Test func csvWithLonLatColumns() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let s = try store.importLayer(ImportRequest(source: Fixtures.importFile("stations.csv"), layerID: "stations"))
        #expect(s.written == 3 && s.layer.geometryType == .point)
        #expect(s.layer.attributes.first { $0.name == "pm25" }?.type == .real)
        #expect(s.layer.attributes.contains { $0.name == "lon" } == false)
        let e = try #require(s.layer.extent)
        #expect(abs(e.minX - 116.8412) < 1e-9 && abs(e.maxY - 38.3180) < 1e-9)
    }

    @Test(spatiaLiteOnly) func osmPBFLayersWithTheirTags() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let pbf = Fixtures.layersData("Helsinki.osm.pbf")
        let lines = try store.importLayer(ImportRequest(source: pbf, layerID: "lines", sourceLayer: "lines"))
        let polygons = try store.importLayer(ImportRequest(source: pbf, layerID: "polygons", sourceLayer: "multipolygons"))
        let points = try store.importLayer(ImportRequest(source: pbf, layerID: "points", sourceLayer: "points"))
        #expect(lines.layer.geometryType == .lineString && lines.written > 3600)
        #expect(polygons.layer.geometryType == .multiPolygon && polygons.written > 1100)
        #expect(points.layer.geometryType == .point && points.written > 8000)
        #expect(lines.layer.attributes.contains { $0.name == "highway" })
        #expect(polygons.layer.attributes.contains { $0.name == "building" })
        let counts = try store.pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM lines WHERE highway IS NOT NULL") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM polygons WHERE building IS NOT NULL") ?? 0,
             try String.fetchOne(db, sql: "SELECT name FROM points WHERE name = 'Pääposti'"))
        }
        // data/README.md: 2,504 highway lines and 494 buildings in the extract.
        #expect(counts.0 == 2504)
        #expect(counts.1 >= 480 && counts.1 <= 494)
        #expect(counts.2 == "Pääposti")
    }

    @Test func replaceSwapsTheLayerAndBumpsItsVersion() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let first = try store.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "l"))
        let second = try store.importLayer(ImportRequest(source: Fixtures.importFile("polygons.geojson"), layerID: "l", replace: true))
        #expect(first.layer.version == 1 && second.layer.version == 2)
        // SpatiaLite loads the new layer beside the old one; PostGIS swaps the table in its transaction.
        #expect(TestStores.onPostGIS || second.layer.table != first.layer.table)
        #expect(try StoreSnapshot(store).rows["l"]?.hasPrefix("3 ") == true)
        #expect(try store.backend.allLayers().count == 1)
        #expect(try store.layer("l", for: .system).geometryType == .multiPolygon)
    }

    @Test func reprojectsIntoTheLayerFilesStorageCRS() throws {
        let dir = TemporaryDirectory()
        let layers = dir.file("Layers")
        try FileManager.default.createDirectory(atPath: layers, withIntermediateDirectories: true)
        try """
            {"id": "gk", "title": "高斯投影点", "group": "test", "kind": "vector", "storageCrs": "EPSG:4548", "access": "internal",
             "attributes": [{"name": "name", "type": "text", "title": "名称", "searchable": true}, {"name": "floors", "type": "real", "title": "层数"}]}
            """.write(toFile: layers + "/gk.json", atomically: true, encoding: .utf8)
        let store = try makeStore(dir)
        let s = try store.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "gk", layersDirectory: layers))
        #expect(s.layer.storageCRS == CRS(.epsg(4548)) && s.layer.title == "高斯投影点" && s.layer.access == .internal)
        #expect(s.layer.attributes.map(\.name) == ["name", "floors", "kind", "height"])
        #expect(s.layer.attributes[0].title == "名称" && s.layer.attributes[1].type == .real)
        let e = try #require(s.layer.extent)
        // CM 117E, false easting 500 000: 116.85E is about 13 km west of it.
        #expect(e.minX > 480_000 && e.maxX < 500_000 && e.minY > 4_230_000 && e.maxY < 4_250_000)
        // Internal layers are invisible to anonymous callers, as if they did not exist.
        #expect(throws: StoreError.layerNotFound("gk")) { try store.layer("gk", for: .anonymous) }
        #expect(try store.layers(for: .anonymous).isEmpty)
    }

    @Test func newLayersGetALayerFileWritten() throws {
        let dir = TemporaryDirectory()
        let layers = dir.file("Layers")
        try FileManager.default.createDirectory(atPath: layers, withIntermediateDirectories: true)
        let store = try makeStore(dir)
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("stations.csv"), layerID: "stations", layersDirectory: layers, title: "监测站"))
        let file = try LayerFile.load(path: layers + "/stations.json")
        #expect(file.title == "监测站" && file.geometryType == .point && file.attributes.map(\.name) == ["id", "name", "pm25"])
    }
}

/// Runs a command and returns its standard output.
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
