import Foundation
import GRDB
import OneMapAnalysis
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapDemo
@testable import OneMapStore

/// The demo city, built once for the whole suite (coarser DOM and DEM than the default, to keep
/// the debug build's test time down; everything else at scale 1).
enum DemoFixture {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = NSTemporaryDirectory() + "onemap-demo-test-\(getpid())"

    /// Built on a thread of its own the first time a test asks, while the tests wait without
    /// holding a cooperative thread.
    static let building = Task { try await OwnThread.run { try build() } }

    static func build() throws -> (Store, [ImportSummary]) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try Store(path: directory + "/demo.sqlite")
        var options = DemoCity.Options(layersDirectory: repository.appendingPathComponent("Layers").path,
                                       dataDirectory: repository.appendingPathComponent("Layers/data").path)
        options.orthophotoCellSize = 0.0002
        options.elevationCellSize = 0.0004
        options.caseCount = 800
        let summaries = try DemoCity.build(into: store, options: options) { _ in }
        return (store, summaries)
    }

    static func store() async throws -> Store { try await building.value.0 }

    static func count(_ sql: String) async throws -> Int {
        try await store().pool.read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }
}

@Suite(.serialized) struct DemoCityTests {
    @Test func everyLayerIsThereWithItsCatalogEntry() async throws {
        let store = try await DemoFixture.store()
        let layers = try store.layers(for: .system)
        let files = try LayerFile.loadAll(directory: DemoFixture.repository.appendingPathComponent("Layers").path)
        #expect(Set(layers.map(\.id)) == Set(files.map(\.id)))
        for file in files {
            let layer = try #require(layers.first { $0.id == file.id })
            #expect(layer.title == file.title && layer.group == file.group && layer.access == file.access && layer.kind == file.kind)
            #expect(layer.synthetic == !["admin", "dem_china", "helsinki_points", "helsinki_lines", "helsinki_polygons"].contains(layer.id), "\(layer.id) synthetic flag")
            if layer.kind == .vector {
                #expect(layer.featureCount > 0, "\(layer.id) is empty")
                #expect(layer.geometryType == file.geometryType, "\(layer.id) geometry type")
                #expect(layer.attributes.map(\.name) == file.attributes.map(\.name), "\(layer.id) attributes")
                #expect(layer.attributes.allSatisfy { $0.title != nil }, "\(layer.id) lacks display names")
            } else {
                #expect(layer.raster != nil)
            }
        }
        #expect(try store.layer("hazmat_sites", for: .system).access == .confidential)
        #expect(try store.layer("population", for: .system).access == .confidential)
        #expect(try store.layer("planning_draft", for: .system).access == .internal)
    }

    @Test func generatedFeaturesLieInsideTheRealDistricts() async throws {
        // Within 100 m of the two districts' union (roads and grids are clipped to it).
        let union = "(SELECT ST_Buffer(ST_Union(geom), 0.001) FROM admin WHERE adcode IN ('130902', '130903'))"
        for layer in ["roads", "buildings", "unit_grids", "components", "pois", "planning", "schools", "hazmat_sites"] {
            let table = try await DemoFixture.store().layer(layer, for: .system).table
            let outside = try await DemoFixture.count("SELECT count(*) FROM \(table) WHERE NOT ST_Within(geom, \(union))")
            #expect(outside == 0, "\(layer): \(outside) features outside the districts")
        }
    }

    @Test func unitGridCodesNestInCommunitiesAndStreets() async throws {
        let store = try await DemoFixture.store()
        let grids = try store.features(in: "unit_grids", for: .system)
        let gridLayer = try store.layer("unit_grids", for: .system)
        let communities = try store.features(in: "communities", for: .system)
        let communityLayer = try store.layer("communities", for: .system)
        let communityCodes = Set(communities.map { $0.value("code", in: communityLayer).description })
        #expect(grids.count > 15_000)
        var areas: [Double] = []
        for g in grids {
            let code = g.value("code", in: gridLayer).description
            #expect(code.count == 15 && code.allSatisfy(\.isNumber), "\(code)")
            #expect(code.hasPrefix("130902") || code.hasPrefix("130903"))
            #expect(communityCodes.contains(String(code.prefix(12))), "\(code) has no community")
            if case .real(let a) = g.value("area_m2", in: gridLayer) { areas.append(a) }
        }
        #expect(Set(grids.map { $0.value("code", in: gridLayer).description }).count == grids.count, "codes are unique")
        let median = areas.sorted()[areas.count / 2]
        #expect(median > 9_000 && median < 11_000, "median unit grid \(median) m²")
        // Districts match their code prefix.
        let mismatched = try await DemoFixture.count("SELECT count(*) FROM unit_grids WHERE substr(code, 1, 6) <> CASE district WHEN '新华区' THEN '130902' ELSE '130903' END")
        #expect(mismatched == 0)
    }

    @Test func componentCodesAndTheirGrids() async throws {
        let store = try await DemoFixture.store()
        #expect(try await DemoFixture.count("SELECT count(*) FROM components") > 20_000)
        let badCodes = try await DemoFixture.count("""
            SELECT count(*) FROM components WHERE length(objcode) <> 16 OR substr(objcode, 7, 4) <> class
            OR substr(objcode, 7, 2) <> major OR substr(objcode, 1, 6) <> substr(bgcode, 1, 6)
            """)
        #expect(badCodes == 0)
        let orphans = try await DemoFixture.count("SELECT count(*) FROM components WHERE bgcode NOT IN (SELECT code FROM unit_grids)")
        #expect(orphans == 0)
        let duplicate = try await DemoFixture.count("SELECT count(*) - count(DISTINCT objcode) FROM components")
        #expect(duplicate == 0)
        // Each component lies in the unit grid its code names.
        let misplaced = try await DemoFixture.count("""
            SELECT count(*) FROM (SELECT c.fid FROM components c JOIN unit_grids g ON g.code = c.bgcode
            WHERE c.fid % 50 = 0 AND NOT ST_Intersects(ST_Buffer(g.geom, 0.00001), c.geom))
            """)
        #expect(misplaced == 0)
        let classes = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT class FROM components ORDER BY class") }
        #expect(classes.contains("0118") && classes.contains("0402") && classes.contains("0214") && classes.count >= 15)
    }

    @Test func landUseCodesComeFromTheClassifications() async throws {
        let store = try await DemoFixture.store()
        let planning = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT code FROM planning") }
        #expect(Set(planning).isSubset(of: Set(LandUseClasses.planning.keys)))
        #expect(planning.count >= 12)
        let current = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT dlbm FROM landuse") }
        #expect(Set(current).isSubset(of: Set(LandUseClasses.current.keys)))
        let kinds = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT kind FROM control_lines ORDER BY kind") }
        #expect(kinds == ["城镇开发边界", "永久基本农田", "生态保护红线"])
    }

    @Test func theCanalIsTheRealDistrictBorder() async throws {
        // The canal's water polygon covers most of the shared border of 运河区 and 新华区.
        let covered = try await DemoFixture.store().pool.read { db in
            try Double.fetchOne(db, sql: """
                SELECT ST_Length(ST_Intersection(ST_Intersection(a.geom, b.geom), w.geom)) / ST_Length(ST_Intersection(a.geom, b.geom))
                FROM admin a, admin b, water w WHERE a.adcode = '130902' AND b.adcode = '130903' AND w.kind = '运河'
                """)
        }
        #expect((covered ?? 0) > 0.9)
    }

    @Test func fineDEMHasTheCoarseLevelsAndTheCanalChannel() async throws {
        let store = try await DemoFixture.store()
        let dem = try store.layer("dem", for: .system)
        #expect(dem.raster?.sampleType == .float32)
        let (min, max) = (dem.raster?.minValue ?? 0, dem.raster?.maxValue ?? 0)
        #expect(min > -10 && max < 60 && max - min > 5)
        // A point on the canal lies lower than a point 300 m east of it.
        let canal = try store.features(in: "waterways", for: .system).first { $0.value("kind", in: try store.layer("waterways", for: .system)) == .text("运河") }
        guard case .lineString(let line) = try #require(canal?.geometry) else { Issue.record("no canal"); return }
        let p = line[line.count / 2]
        let onCanal = try #require(try store.elevation(layer: "dem", at: p, for: .system))
        let bank = try #require(try store.elevation(layer: "dem", at: Coordinate(p.x + 0.0035, p.y), for: .system))
        #expect(onCanal < bank - 2)
    }

    @Test func populationFollowsTheHousing() async throws {
        let total = try await DemoFixture.count("SELECT sum(population) FROM population")
        // Central Cangzhou has several hundred thousand residents; the estimate should be of that order.
        #expect(total > 200_000 && total < 2_000_000, "\(total)")
    }

    @Test func theGeneratorIsDeterministic() async throws {
        let store = try await DemoFixture.store()
        let admin = try store.layer("admin", for: .system)
        let toLocal = try CoordinateTransform(from: admin.storageCRS, to: CityFrame.crs)
        var districts: [(code: String, name: String, polygon: Geometry)] = []
        for code in ["130903", "130902"] {
            let f = try #require(try store.features(in: "admin", for: .system).first { $0.value("adcode", in: admin) == .text(code) })
            districts.append((code, code, try toLocal.apply(try #require(f.geometry))))
        }
        func roads(seed: UInt64) throws -> [String] {
            let city = try CityGenerator(seed: seed, scale: 1, districts: districts) { _ in }
            try city.buildCanal()
            try city.buildUrbanArea()
            try city.buildRoads()
            return city.roads.map { "\($0.name) \($0.parts.first?.first.map { "\(Int($0.x)),\(Int($0.y))" } ?? "")" }
        }
        let a = try roads(seed: 7), b = try roads(seed: 7), c = try roads(seed: 8)
        #expect(a == b)
        #expect(a != c)
    }
}

/// The demo city's 数字城管 data: geocoding its grids and addresses, its case history.
@Suite(.serialized) struct DemoCasesTests {
    static func service() async throws -> CaseService {
        let store = try await DemoFixture.store()
        return try #require(try CaseService.load(layersDirectory: DemoFixture.repository.appendingPathComponent("Layers").path, store: store))
    }

    @Test func everyUnitGridsInnerPointMapsBackToIt() async throws {
        let store = try await DemoFixture.store()
        let geocoder = try await Self.service().geocoder
        // Minutes of lookups in the debug build: on a thread of their own, the findings checked here.
        let (checked, wrong) = try await OwnThread.run {
            let layer = try store.layer("unit_grids", for: .system)
            let geos = GEOSContext()
            var checked = 0, wrong: [String] = []
            for grid in try store.features(in: "unit_grids", for: .system) {
                let code = grid.value("code", in: layer).description
                guard let geometry = grid.geometry, case .point(let p) = try geos.pointOnSurface(geometry) else { continue }
                let found = try geocoder.grid(at: p, for: .system)
                if found.gridCode != code || found.communityCode != String(code.prefix(12)) || found.streetCode != String(code.prefix(9)) {
                    wrong.append("grid \(code) → \(found.gridCode) \(found.communityCode) \(found.streetCode)")
                }
                checked += 1
            }
            return (checked, wrong)
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong, first: \(wrong.prefix(5))")
        #expect(checked > 15_000)
    }

    @Test func everyAddressGeocodesToItsPlate() async throws {
        let store = try await DemoFixture.store()
        let geocoder = try await Self.service().geocoder
        let (checked, worst, wrong) = try await OwnThread.run {
            let layer = try store.layer("addresses", for: .system)
            var worst = 0.0, checked = 0, wrong: [String] = []
            for plate in try store.features(in: "addresses", for: .system) {
                guard case .point(let p)? = plate.geometry else { continue }
                let text = plate.value("district", in: layer).description + plate.value("road", in: layer).description + plate.value("number", in: layer).description + "号"
                guard let best = try geocoder.search(text, limit: 1, for: .system).first else {
                    wrong.append("\(text) not found")
                    continue
                }
                let d = Geodesic.cgcs2000.inverse(p, best.location).distance
                worst = max(worst, d)
                if d >= 5 { wrong.append("\(text) → \(best.address) \(d) m away") }
                checked += 1
            }
            return (checked, worst, wrong)
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong, first: \(wrong.prefix(5))")
        #expect(checked > 10_000, "\(checked) addresses")
        print("every one of \(checked) demo addresses geocodes within \(worst) m")
    }

    @Test func theCaseHistoryHasEveryStateAndRealisticTimes() async throws {
        let store = try await DemoFixture.store()
        let states = try await store.pool.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM cases GROUP BY state").map { ($0["state"] as String, $0["n"] as Int) })
        }
        #expect(states.values.reduce(0, +) == 800)
        for state in ["reported", "dispatched", "closed", "rejected", "voided", "suspended"] { #expect(states[state] != nil, "no \(state) case") }
        #expect(Double(states["closed"] ?? 0) / 800 > 0.7, "most cases are closed")
        // Every step is in time order and every closed case went through 核查.
        let disorder = try await DemoFixture.count("SELECT count(*) FROM case_steps a JOIN case_steps b ON a.case_id = b.case_id AND b.id > a.id AND b.at < a.at")
        #expect(disorder == 0)
        let unverified = try await DemoFixture.count("SELECT count(*) FROM cases c WHERE state = 'closed' AND NOT EXISTS (SELECT 1 FROM case_steps s WHERE s.case_id = c.fid AND s.action = 'verify')")
        #expect(unverified == 0)
        // The centre's users exist, one per role and department.
        let users = Set(try store.users().map(\.name))
        for user in ["sup.wang", "acc.zhou", "dis.xu", "lead.ma", "dept.hw01"] { #expect(users.contains(user), "\(user)") }
    }
}
