import Foundation
import Testing

/// Imports that say how exact their coordinates are, and the `onemap crs` commands, driven as a
/// user would. Known values from PROJ's cs2cs (see Tests/OneMapGeometryTests/CoordinateAccuracyTests).
@Suite struct CoordinateImportTests {
    static func pointFile(_ dir: WorkDirectory, crs: String, _ points: [(Double, Double)], name: String = "in.geojson") -> String {
        let features = points.enumerated().map { i, p in
            #"{"type": "Feature", "properties": {"n": \#(i)}, "geometry": {"type": "Point", "coordinates": [\#(p.0), \#(p.1)]}}"#
        }
        let text = #"{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "\#(crs)"}}, "features": [\#(features.joined(separator: ","))]}"#
        let path = dir.path + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    static func layer(_ id: String, in dir: WorkDirectory) throws -> [String: Any]? {
        let listed = try CLI.run(["layers", "--json"], in: dir.path)
        let json = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as! [String: Any]
        return (json["layers"] as! [[String: Any]]).first { $0["id"] as? String == id }
    }

    @Test func aBritishNationalGridPointLandsWhereGDALPutsItInWGS84() throws {
        let dir = WorkDirectory()
        let file = Self.pointFile(dir, crs: "urn:ogc:def:crs:EPSG::27700", [(530_000, 180_000)])
        let imported = try CLI.run(["import", file, "--layer", "london"], in: dir.path)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("coordinates: Inverse of British National Grid + OSGB36 to WGS 84"))
        #expect(imported.stdout.contains("through WGS 84"))
        let layer = try #require(try Self.layer("london", in: dir))
        let t = try #require(layer["transformation"] as? [String: Any])
        #expect(t["accuracyMetres"] as? Double == 2 && t["viaWGS84"] as? Bool == true && t["ballpark"] as? Bool == false)
        // cs2cs EPSG:27700 EPSG:4326: 51.503990828 -0.128353940; a metre is ~1.4e-5° of longitude here.
        let extent = try #require(layer["extent"] as? [Double])
        #expect(abs(extent[0] - -0.128353940) < 1e-7 && abs(extent[1] - 51.503990828) < 1e-7)
    }

    @Test func aBallparkOnlyPathIsRefusedUnlessAccepted() throws {
        let dir = WorkDirectory()
        let file = Self.pointFile(dir, crs: "urn:ogc:def:crs:EPSG::4214", [(116.80, 38.30), (116.82, 38.31)])
        _ = try CLI.run(["layers"], in: dir.path)  // creates the empty store
        let before = try snapshot(dir.path + "/onemap.sqlite")
        let refused = try CLI.run(["import", file, "--layer", "old_survey"], in: dir.path)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("PROJ knows no datum shift from EPSG:4214 to EPSG:4490") && refused.stderr.contains("--allow-ballpark"))
        #expect(try snapshot(dir.path + "/onemap.sqlite") == before)
        let accepted = try CLI.run(["import", file, "--layer", "old_survey", "--allow-ballpark"], in: dir.path)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stdout.contains("ballpark"))
        let listed = try CLI.run(["layers"], in: dir.path)
        #expect(listed.stdout.contains("warning: old_survey was imported with a ballpark transformation"))
    }

    @Test func towgs84ParametersMakeXian1980Exact() throws {
        let dir = WorkDirectory()
        let file = Self.pointFile(dir, crs: "urn:ogc:def:crs:EPSG::4610", [(116.8, 38.3)])
        let refused = try CLI.run(["import", file, "--layer", "xian"], in: dir.path)
        #expect(refused.status != 0 && refused.stderr.contains("--towgs84"))
        let bad = try CLI.run(["import", file, "--layer", "xian", "--towgs84", "24,-123"], in: dir.path)
        #expect(bad.status != 0 && bad.stderr.contains("--towgs84 takes 3 or 7"))
        let imported = try CLI.run(["import", file, "--layer", "xian", "--towgs84", "24,-123,-94,0.02,-0.25,-0.13,1.1"], in: dir.path)
        #expect(imported.status == 0, "\(imported.stderr)")
        // cs2cs +proj=longlat +ellps=IAU76 +towgs84=… +to +proj=longlat +datum=WGS84 → 116.800403588 38.299982018
        let extent = try #require(try Self.layer("xian", in: dir)?["extent"] as? [Double])
        #expect(abs(extent[0] - 116.800403588) < 1e-7 && abs(extent[1] - 38.299982018) < 1e-7)
    }

    @Test func controlPointsSolvedIntoANamedCRSThenUsedForImport() throws {
        let dir = WorkDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/Layers", withIntermediateDirectories: true)
        // A city grid related to CGCS2000 / 3-degree GK CM 117E (EPSG:4548) by known parameters.
        let (dx, dy, theta, k) = (431_250.125, 4_196_880.5, 37.25 / 3600 * Double.pi / 180, 1 - 12.5e-6)
        let (a, b) = (k * cos(theta), k * sin(theta))
        func local(_ X: Double, _ Y: Double) -> (Double, Double) {
            let (u, v) = (X - dx, Y - dy)
            return ((a * u + b * v) / (a * a + b * b), (-b * u + a * v) / (a * a + b * b))
        }
        let base = [(482_000.0, 4_238_000.0), (489_500, 4_239_200), (484_300, 4_246_800), (491_000, 4_247_500), (486_700, 4_242_900)]
        var csv = "id,x,y,X,Y\n"
        for (i, p) in base.enumerated() {
            let l = local(p.0, p.1)
            csv += String(format: "K%d,%.6f,%.6f,%.6f,%.6f\n", i + 1, l.0, l.1, p.0, p.1)
        }
        _ = FileManager.default.createFile(atPath: dir.path + "/points.csv", contents: Data(csv.utf8))
        let solved = try CLI.run(["crs", "solve", "points.csv", "--name", "CZ_CITY", "--base", "EPSG:4548", "--title", "沧州城市坐标系"], in: dir.path)
        #expect(solved.status == 0, "\(solved.stderr)")
        #expect(solved.stdout.contains("rotation 37.2500″") && solved.stdout.contains("scale -12.5000 ppm"))
        #expect(solved.stdout.contains("saved CZ_CITY to Layers/crs/CZ_CITY.json"))
        // A point in the city grid converts to the base as the parameters say.
        let l = local(486_000, 4_241_000)
        let converted = try CLI.run(["crs", "transform", "--from", "CZ_CITY", "--to", "EPSG:4548", "--point", String(format: "%.6f,%.6f", l.0, l.1)], in: dir.path)
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(converted.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "486000.0000 4241000.0000")
        // Data in the city grid imports with --srs CZ_CITY.
        let file = Self.pointFile(dir, crs: "urn:ogc:def:crs:EPSG::4548", [(l.0, l.1)])
        let imported = try CLI.run(["import", file, "--layer", "city_points", "--srs", "CZ_CITY"], in: dir.path)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("four-parameter plane transformation of CZ_CITY"))
        let lonLat = try CLI.run(["crs", "transform", "--from", "EPSG:4548", "--to", "EPSG:4490", "--point", "486000,4241000"], in: dir.path)
        let expected = lonLat.stdout.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let extent = try #require(try Self.layer("city_points", in: dir)?["extent"] as? [Double])
        #expect(expected.count == 2 && abs(extent[0] - expected[0]) < 1e-8 && abs(extent[1] - expected[1]) < 1e-8)
    }

    @Test func badControlPointsSaveNothing() throws {
        let dir = WorkDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/Layers", withIntermediateDirectories: true)
        func attempt(_ csv: String) throws -> CLI.Result {
            _ = FileManager.default.createFile(atPath: dir.path + "/p.csv", contents: Data(csv.utf8))
            return try CLI.run(["crs", "solve", "p.csv", "--name", "BAD", "--base", "EPSG:4548"], in: dir.path)
        }
        let few = try attempt("A,0,0,10,10\nB,100,0,110,10\n")
        #expect(few.status != 0 && few.stderr.contains("too few control points"))
        let line = try attempt("A,0,0,10,10\nB,100,100,110,110\nC,200,200,210,210\nD,300,300,310,310\n")
        #expect(line.status != 0 && line.stderr.contains("lie on one line"))
        let off = try attempt("A,0,0,10,10\nB,1000,0,1010,10\nC,0,1000,10,1010\nD,1000,1000,1010,1010\nE,500,500,512,510\n")
        #expect(off.status != 0 && off.stderr.contains("do not agree") && off.stderr.contains("E"))
        #expect(off.stdout.contains("OUTLIER"))
        let malformed = try attempt("A,0,zero,10,10\nB,1,1,1,1\n")
        #expect(malformed.status != 0 && malformed.stderr.contains("line 1"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/Layers/crs/BAD.json"))
    }

    @Test func aBrokenNamedCRSFileStopsTheCommandWithItsName() throws {
        let dir = WorkDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/Layers/crs", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.path + "/Layers/crs/city.json", contents: Data(#"{"name": "CITY", "base": "EPSG:4548", "towgs84": [1, 2, 3, 4]}"#.utf8))
        let file = Self.pointFile(dir, crs: "urn:ogc:def:crs:EPSG::4490", [(116.8, 38.3)])
        let r = try CLI.run(["import", file, "--layer", "p"], in: dir.path)
        #expect(r.status != 0 && r.stderr.contains("Layers/crs/city.json") && r.stderr.contains("towgs84: 3 or 7 numbers"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/onemap.sqlite"))
        let unknown = try CLI.run(["crs", "transform", "--from", "EPSG:4490", "--to", "NOPE", "--point", "1,2"], in: dir.path)
        #expect(unknown.status != 0)
    }
}
