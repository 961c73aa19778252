import Foundation
import Testing

@testable import OneMapGeometry

/// Known values from PROJ's `cs2cs` on paths that are not ballpark (9.1.1, no grids installed):
///   echo "530000 180000" | cs2cs -f %.9f EPSG:27700 EPSG:4326  → 51.503990828 -0.128353940
///   echo "39.0 108.5"    | cs2cs -f %.9f EPSG:4214 EPSG:4326   → 39.000317013 108.500436752 (Ordos basin)
///   echo "38.3 116.8"    | cs2cs -f %.4f EPSG:4490 EPSG:4527   → 4240816.7387 39482505.3023
///   echo "38.3 116.8"    | cs2cs -f %.4f EPSG:4490 EPSG:4548   → 4240816.7387 482505.3023
@Suite struct CoordinateAccuracyTests {
    let geodesic = Geodesic.wgs84

    func metres(_ a: Coordinate, _ b: Coordinate) -> Double { geodesic.inverse(a, b).distance }

    @Test func aBritishGridPointGoesThroughWGS84NotTheBallpark() throws {
        let bng = try CRS(parsing: "EPSG:27700")
        let point = Coordinate(530_000, 180_000)
        let area = BoundingBox(minX: 529_000, minY: 179_000, maxX: 531_000, maxY: 181_000)
        let t = try CoordinateTransform.checked(from: bng, to: .cgcs2000, area: area, ballpark: .refuse)
        let got = try t.apply(point)
        #expect(metres(got, Coordinate(-0.128353940, 51.503990828)) < 0.01)
        let report = try #require(t.report)
        #expect(report.viaWGS84 && !report.ballpark)
        #expect(report.operation.contains("OSGB36 to WGS 84"))
        #expect(report.accuracy == 2)
        // What PROJ gives straight into CGCS2000: the datum ignored, more than 100 m away.
        let guess = try CoordinateTransform.checked(from: bng, to: .cgcs2000, area: area, ballpark: .allow)
        #expect(guess.report?.viaWGS84 == true)  // the real path still wins when it exists
        let plain = try CoordinateTransform(from: bng, to: .cgcs2000).apply(point)
        #expect(metres(plain, got) > 100)
    }

    @Test func beijing1954HasARealShiftOnlyWherePROJKnowsOne() throws {
        let beijing = try CRS(parsing: "EPSG:4214")
        // Ordos basin: EPSG's Beijing 1954 to WGS 84 (1 m).
        let ordos = BoundingBox(minX: 108.4, minY: 38.9, maxX: 108.6, maxY: 39.1)
        let t = try CoordinateTransform.checked(from: beijing, to: .cgcs2000, area: ordos, ballpark: .refuse)
        #expect(metres(try t.apply(Coordinate(108.5, 39.0)), Coordinate(108.500436752, 39.000317013)) < 0.01)
        #expect(t.report?.accuracy == 1 && t.report?.viaWGS84 == true)
        // Cangzhou: nothing but the ballpark, so it is refused, or accepted and marked as such.
        let cangzhou = BoundingBox(minX: 116.7, minY: 38.2, maxX: 116.9, maxY: 38.4)
        #expect(throws: GeometryError.ballparkOnly(from: "EPSG:4214", to: "EPSG:4490")) {
            try CoordinateTransform.checked(from: beijing, to: .cgcs2000, area: cangzhou, ballpark: .refuse)
        }
        let onePoint = BoundingBox(minX: 116.8, minY: 38.3, maxX: 116.8, maxY: 38.3)
        #expect(throws: GeometryError.self) { try CoordinateTransform.checked(from: beijing, to: .cgcs2000, area: onePoint, ballpark: .refuse) }
        let guess = try CoordinateTransform.checked(from: beijing, to: .cgcs2000, area: cangzhou, ballpark: .allow)
        #expect(guess.report?.ballpark == true && guess.report?.accuracy == nil)
    }

    @Test func xian1980NeedsParameters() throws {
        let xian = try CRS(parsing: "EPSG:4610")
        let area = BoundingBox(minX: 116.7, minY: 38.2, maxX: 116.9, maxY: 38.4)
        #expect(throws: GeometryError.self) { try CoordinateTransform.checked(from: xian, to: .cgcs2000, area: area, ballpark: .refuse) }
        // With seven parameters (illustrative values) the shift is PROJ's Helmert of them, and
        // the accuracy the one the parameters come with.
        let params = [24.0, -123.0, -94.0, 0.02, -0.25, -0.13, 1.1]
        let source = NamedCRS(name: "xian80", base: "EPSG:4610", towgs84: params, accuracy: 0.3)
        let t = try CoordinateTransform.checked(from: source, to: .cgcs2000, area: area, ballpark: .refuse)
        #expect(t.report?.accuracy == 0.3 && t.report?.ballpark == false)
        let got = try t.apply(Coordinate(116.8, 38.3))
        // cs2cs +proj=longlat +ellps=IAU76 +towgs84=24,-123,-94,0.02,-0.25,-0.13,1.1 +to +proj=longlat +datum=WGS84
        #expect(metres(got, Coordinate(116.800403588, 38.299982018)) < 0.01)
        let plainBallpark = try CoordinateTransform(from: xian, to: .cgcs2000).apply(Coordinate(116.8, 38.3))
        #expect(metres(got, plainBallpark) > 20)
    }

    @Test func gaussKrugerZone39AndCM117RoundTrip() throws {
        let p = Coordinate(116.8, 38.3)
        let zone = try CoordinateTransform.checked(from: .cgcs2000, to: CRS(.epsg(4527)), area: nil, ballpark: .refuse)
        let gk = try zone.apply(p)
        #expect(abs(gk.x - 39_482_505.3023) < 0.001 && abs(gk.y - 4_240_816.7387) < 0.001)
        #expect(zone.report?.accuracy == 0 && zone.report?.ballpark == false && zone.report?.viaWGS84 == false)
        let back = try CoordinateTransform(from: CRS(.epsg(4527)), to: .cgcs2000).apply(gk)
        #expect(abs(back.x - p.x) < 1e-9 && abs(back.y - p.y) < 1e-9)
        let cm = try CoordinateTransform(from: .cgcs2000, to: CRS(.epsg(4548))).apply(p)
        #expect(abs(cm.x - 482_505.3023) < 0.001 && abs(cm.y - 4_240_816.7387) < 0.001)
        let cmBack = try CoordinateTransform(from: CRS(.epsg(4548)), to: .cgcs2000).apply(cm)
        #expect(abs(cmBack.x - p.x) < 1e-9 && abs(cmBack.y - p.y) < 1e-9)
    }

    /// A synthetic city grid: local coordinates made from base ones with known four parameters.
    static func syntheticPoints(_ truth: PlaneSimilarity, noise: [Double] = []) -> [ControlPoint] {
        let base = [(482_000.0, 4_238_000.0), (489_500, 4_239_200), (484_300, 4_246_800), (491_000, 4_247_500), (486_700, 4_242_900), (480_900, 4_244_100)]
        return base.enumerated().map { i, b in
            let local = truth.inverse(Coordinate(b.0, b.1))
            let e = i < noise.count ? noise[i] : 0
            return ControlPoint(id: "P\(i + 1)", local: [local.x, local.y], base: [b.0 + e, b.1])
        }
    }

    @Test func fourParametersAreRecoveredFromASyntheticSet() throws {
        let truth = PlaneSimilarity(dx: 431_250.125, dy: 4_196_880.5, rotationSeconds: 37.25, scalePPM: -12.5)
        let s = try ControlPointSolver.solve(Self.syntheticPoints(truth), maxRMS: 0.01)
        let p = try #require(s.plane)
        #expect(abs(p.rotationRadians - truth.rotationRadians) < 1e-9)
        #expect(abs(p.scale - truth.scale) < 1e-9)
        #expect(abs(p.dx - truth.dx) < 1e-6 && abs(p.dy - truth.dy) < 1e-6)
        #expect(s.rms < 1e-6 && s.outliers.isEmpty && s.problem == nil)
        // And the named CRS built on it converts like the parameters say.
        let name = "TEST_PLANE_\(UInt32.random(in: 0...UInt32.max))"
        try CRSRegistry.register(NamedCRS(name: name, base: "EPSG:4548", plane: p, accuracy: 0.01))
        defer { CRSRegistry.remove(name) }
        let crs = try CRS(parsing: name)
        #expect(crs.code == .named(name) && !crs.isGeographic)
        #expect(try CRS(parsing: "urn:onemap:crs:\(name)") == crs)
        let lonLat = Coordinate(116.8, 38.3)
        let local = try CoordinateTransform.checked(from: .cgcs2000, to: crs, area: nil, ballpark: .refuse).apply(lonLat)
        let expected = truth.inverse(try CoordinateTransform(from: .cgcs2000, to: CRS(.epsg(4548))).apply(lonLat))
        #expect(abs(local.x - expected.x) < 1e-4 && abs(local.y - expected.y) < 1e-4)
        let back = try CoordinateTransform(from: crs, to: .cgcs2000).apply(local)
        #expect(abs(back.x - lonLat.x) < 1e-9 && abs(back.y - lonLat.y) < 1e-9)
    }

    @Test func anIndependentCityGridOnItsOwnMeridian() throws {
        // 城市独立坐标系: a transverse Mercator on 116°51′ with its own offsets, on CGCS2000
        // (a PROJ string cannot name that datum: towgs84 0,0,0 says "CGCS2000 = WGS 84").
        let name = "TEST_CITY_\(UInt32.random(in: 0...UInt32.max))"
        try CRSRegistry.register(NamedCRS(name: name, base: "+proj=tmerc +lat_0=0 +lon_0=116.85 +k=1 +x_0=50000 +y_0=-4200000 +ellps=GRS80 +units=m +no_defs",
                                          towgs84: [0, 0, 0], accuracy: 0))
        // Without the datum it is only a ballpark guess, refused.
        let loose = "TEST_LOOSE_\(UInt32.random(in: 0...UInt32.max))"
        try CRSRegistry.register(NamedCRS(name: loose, base: "+proj=tmerc +lat_0=0 +lon_0=116.85 +k=1 +x_0=50000 +y_0=-4200000 +ellps=GRS80 +units=m +no_defs"))
        defer { CRSRegistry.remove(loose) }
        #expect(throws: GeometryError.self) { try CoordinateTransform.checked(from: .cgcs2000, to: CRS(parsing: loose), area: nil, ballpark: .refuse) }
        defer { CRSRegistry.remove(name) }
        let t = try CoordinateTransform.checked(from: .cgcs2000, to: CRS(parsing: name), area: nil, ballpark: .refuse)
        let c = try t.apply(Coordinate(116.85, 38.3))
        #expect(abs(c.x - 50_000) < 1e-6)  // on the central meridian
        #expect(abs(c.y - (4_240_854.8 - 4_200_000)) < 200)  // the northing less the city's offset
        #expect(t.report?.ballpark == false)
    }

    @Test func sevenParametersAreRecoveredFromGeocentricPoints() throws {
        let truth = [-15.5, 102.25, 48.75, 0.35, -0.42, 1.2, 3.5]
        let geocentric: [[Double]] = [
            [-2_176_000.0, 4_385_000, 3_935_000], [-2_181_500, 4_379_200, 3_939_900], [-2_170_300, 4_388_800, 3_933_100],
            [-2_179_900, 4_390_100, 3_926_400], [-2_168_800, 4_380_500, 3_942_700], [-2_183_200, 4_386_600, 3_931_300],
        ]
        let points = geocentric.enumerated().map { ControlPoint(id: "G\($0.offset)", local: $0.element, base: ControlPointSolver.applyHelmert(truth, $0.element)) }
        let s = try ControlPointSolver.solve(points, maxRMS: 0.01)
        let h = try #require(s.helmert)
        for i in 0..<3 { #expect(abs(h[i] - truth[i]) < 0.05) }  // metres: the linear model's second-order terms
        for i in 3..<6 { #expect(abs(h[i] - truth[i]) < 1e-3) }  // arc-seconds
        #expect(abs(h[6] - truth[6]) < 1e-3)  // ppm
        #expect(s.rms < 0.01)
    }

    @Test func controlPointsThatCannotDetermineParametersAreRefused() throws {
        let truth = PlaneSimilarity(dx: 100, dy: 200, rotationSeconds: 10, scalePPM: 5)
        let all = Self.syntheticPoints(truth)
        #expect(throws: ControlPointSolver.SolveError.tooFew(needed: 3, got: 2)) { try ControlPointSolver.solve(Array(all.prefix(2)), maxRMS: 0.1) }
        let line = (0..<5).map { i in ControlPoint(id: "L\(i)", local: [Double(i) * 100, Double(i) * 50], base: [Double(i) * 100 + 7, Double(i) * 50 + 9]) }
        #expect(throws: ControlPointSolver.SolveError.collinear) { try ControlPointSolver.solve(line, maxRMS: 0.1) }
        let mixed = [all[0], all[1], ControlPoint(id: "3D", local: [1, 2, 3], base: [1, 2, 3])]
        #expect(throws: ControlPointSolver.SolveError.mixedDimensions) { try ControlPointSolver.solve(mixed, maxRMS: 0.1) }
        // One point 1.5 m off: flagged as the outlier, and the solution is not fit for use.
        let bad = try ControlPointSolver.solve(Self.syntheticPoints(truth, noise: [0, 0, 1.5]), maxRMS: 0.1)
        #expect(bad.outliers == ["P3"])
        guard case .inconsistent(_, _, let outliers)? = bad.problem else {
            Issue.record("expected an inconsistent solution")
            return
        }
        #expect(outliers == ["P3"])
    }

    @Test func controlPointCSV() throws {
        let points = try ControlPoint.parseCSV("id,x,y,X,Y\n# surveyed 2019\nA,1,2,3,4\nB, 5, 6, 7, 8\n")
        #expect(points.map(\.id) == ["A", "B"] && points[1].base == [7, 8])
        #expect(throws: GeometryError.invalid("line 2: the coordinates must be numbers")) { try ControlPoint.parseCSV("A,1,2,3,4\nB,1,x,3,4") }
        #expect(throws: GeometryError.invalid("line 1: 4 fields; a control point is id,x,y,X,Y or id,X,Y,Z,X,Y,Z")) { try ControlPoint.parseCSV("A,1,2,3") }
        #expect(throws: GeometryError.invalid("line 2: point A appears twice")) { try ControlPoint.parseCSV("A,1,2,3,4\nA,1,2,3,4") }
    }

    @Test func namedCRSFilesAreCheckedFieldByField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func attempt(_ json: String) -> String {
            try? FileManager.default.removeItem(atPath: dir + "/a.json")
            _ = FileManager.default.createFile(atPath: dir + "/a.json", contents: Data(json.utf8))
            do {
                try CRSRegistry.load(directory: dir)
                return "loaded"
            } catch {
                return "\(error)"
            }
        }
        #expect(attempt(#"{"base": "EPSG:4527"}"#).contains("a.json: missing name"))
        #expect(attempt(#"{"name": "ok1", "base": "EPSG:4527", "plane": {"dx": 1, "dy": 2, "rotationSeconds": "x", "scalePPM": 0}}"#).contains("a.json: plane.rotationSeconds"))
        #expect(attempt(#"{"name": "ok2", "base": "EPSG:999999"}"#).contains("base: PROJ does not know 'EPSG:999999'"))
        #expect(attempt(#"{"name": "ok3", "base": "EPSG:4610", "towgs84": [1, 2]}"#).contains("towgs84: 3 or 7 numbers, not 2"))
        #expect(attempt(#"{"name": "EPSG4490", "base": "EPSG:4490"}"#).contains("name:"))
        #expect(attempt(#"{"name": "ok4", "base": "#).contains("not JSON"))
        #expect(CRSRegistry.named("ok1") == nil && CRSRegistry.named("ok3") == nil)
        let name = "TEST_FILE_\(UInt32.random(in: 0...UInt32.max))"
        #expect(attempt(#"{"name": "\#(name)", "base": "EPSG:4610", "towgs84": [24, -123, -94, 0.02, -0.25, -0.13, 1.1], "accuracy": 0.3}"#) == "loaded")
        defer { CRSRegistry.remove(name) }
        #expect(CRSRegistry.named(name)?.accuracy == 0.3)
        #expect(try CRS(parsing: name.lowercased()).isGeographic)
    }

    @Test func theDerivedOutputListFollowsTheCity() {
        let cangzhou = BoundingBox(minX: 116.6, minY: 38.1, maxX: 117.0, maxY: 38.5)
        #expect(OfferedCRS.derived(over: cangzhou, named: []) == [.crs84, .cgcs2000, .wgs84, .webMercator, CRS(.epsg(4527)), CRS(.epsg(4548))])
        // A city across two zones gets both.
        let wide = BoundingBox(minX: 115.2, minY: 38.1, maxX: 117.0, maxY: 38.5)
        #expect(OfferedCRS.derived(over: wide, named: []).compactMap(\.epsg).filter { $0 > 4500 } == [4526, 4547, 4527, 4548])
        #expect(OfferedCRS.derived(over: BoundingBox(minX: 24.8, minY: 60.1, maxX: 25.1, maxY: 60.3), named: []).count == 4)
    }
}
