import Foundation
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapAnalysis
@testable import OneMapStore

/// The emergency city per test, in a temporary directory.
final class EmergencyFixture {
    let directory = NSTemporaryDirectory() + "onemap-emergency-" + UUID().uuidString
    let store: Store
    let rules: EmergencyRules
    let service: IncidentService
    static let commander = Principal(name: "cmd", roles: ["emergency"], level: .confidential)
    static let viewer = Principal(name: "viewer", roles: ["viewer"], level: .internal)

    init() throws {
        store = try EmergencyCity.build(in: directory)
        rules = try EmergencyRules.load(path: EmergencyCity.rulesPath)
        service = try IncidentService(store: store, rules: rules)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func run(_ process: any AnalysisProcess, _ inputs: [(String, JSONValue)], as principal: Principal = .system) throws -> JSONValue {
        let prepared = try process.prepare(ProcessInputs(Dictionary(uniqueKeysWithValues: inputs)), for: principal)
        return try prepared.run { _, _ in }["result"] ?? .null
    }
}

/// GeographicLib's own geodesic distance (`GeodSolve -i`, Debian geographiclib-tools) on GRS 80.
func geodSolveDistance(_ a: Coordinate, _ b: Coordinate) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/GeodSolve")
    process.arguments = ["-i", "-e", "6378137", String(1 / 298.257222101), "-p", "9"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data("\(a.y) \(a.x) \(b.y) \(b.x)\n".utf8))
    try input.fileHandleForWriting.close()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let fields = text.split(separator: " ")
    guard fields.count == 3, let s = Double(fields[2].trimmingCharacters(in: .whitespacesAndNewlines)) else { throw CocoaError(.fileReadCorruptFile) }
    return s
}

@Suite struct IncidentTests {
    func leak() -> IncidentInput {
        var input = IncidentInput()
        input.title = "化工厂泄漏"
        input.category = "accident"; input.subtype = "危险化学品泄漏"; input.level = "II"
        input.geometry = .point(EmergencyCity.centre)
        return input
    }

    @Test func commandersCreateAndChangeIncidentsAuditedAndOnTheChangeFeed() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let before = try f.store.layer("incidents", for: .system).version
        let made = try f.service.create(leak(), by: EmergencyFixture.commander)
        #expect(made.id > 0 && made.status == "reported" && made.reporter == "cmd")
        #expect(try f.store.layer("incidents", for: .system).version == before + 1)
        #expect(try f.store.layer("incidents", for: .system).featureCount == 1)
        var change = IncidentInput()
        change.status = "responding"; change.level = "I"; change.version = 1
        let changed = try f.service.update(made.id, change, by: EmergencyFixture.commander)
        #expect(changed.status == "responding" && changed.level == "I" && changed.version == 2)
        // The layer serves it like any feature; the audit log has both writes.
        let feature = try f.store.feature(made.id, in: "incidents", for: .system)
        #expect(feature.geometry == .point(EmergencyCity.centre))
        let audit = try f.store.backend.auditRecords(since: nil, layer: "incidents", limit: 10).map(\.action)
        #expect(Set(audit) == ["incident.create", "incident.update"])
        #expect(try f.service.list(openOnly: true, for: EmergencyFixture.viewer).map(\.id) == [made.id])
    }

    @Test func refusalsChangeNothing() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        #expect(throws: IncidentError.self) { try f.service.create(leak(), by: EmergencyFixture.viewer) }
        var bad = leak(); bad.category = "weather"
        #expect(throws: AnalysisError.self) { try f.service.create(bad, by: EmergencyFixture.commander) }
        bad = leak(); bad.subtype = "洪涝灾害"
        #expect(throws: AnalysisError.self) { try f.service.create(bad, by: EmergencyFixture.commander) }
        bad = leak(); bad.level = "V"
        #expect(throws: AnalysisError.self) { try f.service.create(bad, by: EmergencyFixture.commander) }
        bad = leak(); bad.geometry = .lineString([Coordinate(116, 38), Coordinate(117, 38)])
        #expect(throws: AnalysisError.self) { try f.service.create(bad, by: EmergencyFixture.commander) }
        bad = leak(); bad.geometry = .point(Coordinate(200, 38))
        #expect(throws: AnalysisError.self) { try f.service.create(bad, by: EmergencyFixture.commander) }
        #expect(try f.store.incidents.incidents(statuses: nil).isEmpty)
        let made = try f.service.create(leak(), by: EmergencyFixture.commander)
        var stale = IncidentInput(); stale.status = "closed"; stale.version = 7
        #expect(throws: IncidentError.staleVersion(expected: 7, actual: 1)) { try f.service.update(made.id, stale, by: EmergencyFixture.commander) }
        var wrong = IncidentInput(); wrong.status = "finished"
        #expect(throws: AnalysisError.self) { try f.service.update(made.id, wrong, by: EmergencyFixture.commander) }
        #expect(throws: IncidentError.noSuchIncident(99)) { try f.service.update(99, IncidentInput(), by: EmergencyFixture.commander) }
        #expect(try f.store.incidents.incident(made.id)?.status == "reported")
        #expect(try f.store.incidents.incident(made.id)?.version == 1)
    }
}

@Suite struct ImpactRingsTests {
    @Test func ringsHoldExactlyTheFacilitiesWithinTheirGeodesicDistance() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let process = ImpactRingsProcess(store: f.store, rules: f.rules)
        let result = try f.run(process, [("geometry", GeoJSON.value(.point(EmergencyCity.centre))), ("radii", .numbers([1000, 500]))])
        let schools = (result["facilities"]?.array ?? []).filter { $0["layer"]?.string == "schools" }
        var inside: Set<String> = []
        for s in schools {
            let name = try #require(s["name"]?.string)
            let loc = (s["location"]?.array ?? []).compactMap { $0.number }
            try #require(loc.count == 2)
            let d = try geodSolveDistance(EmergencyCity.centre, Coordinate(loc[0], loc[1]))
            #expect(d <= 1000, "\(name) at \(d) m")
            #expect(abs((s["distance"]?.number ?? 0) - d) < 0.1)
            #expect((s["ring"]?.number ?? 0) == (d <= 500 ? 500 : 1000))
            inside.insert(name)
        }
        // Every school GeographicLib puts within 1 km is listed (学校4 at 999.5 m), none beyond (学校5 at 1000.5 m).
        let all = try f.store.features(in: "schools", .intersecting(PlanningCity.box(116, 38, 118, 39), crs: .cgcs2000), for: .system)
        let layer = try f.store.layer("schools", for: .system)
        for m in all {
            guard case .point(let p)? = m.feature.geometry else { continue }
            let d = try geodSolveDistance(EmergencyCity.centre, p)
            #expect(inside.contains(m.feature.text("name", in: layer)) == (d <= 1000), "\(d)")
        }
        #expect(inside == ["学校1", "学校2", "学校3", "学校4"])
        let rings = try #require(result["rings"]?["features"]?.array)
        #expect(rings.count == 2 && rings[0]["properties"]?["outer"]?.number == 500 && rings[1]["properties"]?["inner"]?.number == 500)
        #expect(rings[1]["properties"]?["facilities"]?["schools"]?.number == 3)
        // The ring's area is the annulus' on the ground (the polygon's chords make it a little smaller).
        let annulus = Double.pi * (1000 * 1000 - 500 * 500) / 1e6
        #expect(abs((rings[1]["properties"]?["areaKm2"]?.number ?? 0) - annulus) / annulus < 0.001)
    }

    @Test func populationIsApportionedAndHiddenFromCallersWithoutAccess() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let process = ImpactRingsProcess(store: f.store, rules: f.rules)
        let wide = try f.run(process, [("geometry", GeoJSON.value(.point(EmergencyCity.centre))), ("radii", .numbers([300, 5000]))])
        #expect(wide["population"]?["estimate"]?.number == 3000 && wide["population"]?["isEstimate"]?.bool == true)
        // A 300 m disc at the corner the two communities share: a quarter disc in each, the
        // people of each shared by the area it covers.
        let inner = try #require(wide["rings"]?["features"]?.array?.first?["properties"]?["population"]?.number)
        let quarter = Double.pi * 300 * 300 / 4
        let areaWest = Geodesic.cgcs2000.area(EmergencyCity.communities[0].0), areaEast = Geodesic.cgcs2000.area(EmergencyCity.communities[1].0)
        let expected = 1000 * quarter / areaWest + 2000 * quarter / areaEast
        #expect(abs(inner - expected) <= 1, "\(inner) vs \(expected)")
        // Hazardous sites and population are confidential: a viewer gets neither, and is told.
        let limited = try f.run(process, [("geometry", GeoJSON.value(.point(EmergencyCity.centre)))], as: EmergencyFixture.viewer)
        #expect(limited["population"]?["estimate"] == .null)
        #expect((limited["facilities"]?.array ?? []).allSatisfy { $0["layer"]?.string != "hazmat_sites" })
        let leftOut = (limited["layersLeftOut"]?.array ?? []).compactMap { $0["layer"]?.string }
        #expect(Set(leftOut) == ["hazmat_sites", "population"])
    }

    @Test func badRadiiAndPlacesAreRefused() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let process = ImpactRingsProcess(store: f.store, rules: f.rules)
        let point = GeoJSON.value(.point(EmergencyCity.centre))
        for radii in [[0.0], [-5], [1e9], Array(repeating: 100.0, count: 11).enumerated().map { Double($0.offset + 1) * 100 }] {
            #expect(throws: AnalysisError.self) { try f.run(process, [("geometry", point), ("radii", .numbers(radii))]) }
        }
        #expect(throws: AnalysisError.self) { try f.run(process, [("incident", .number(42))]) }
        #expect(throws: AnalysisError.self) { try f.run(process, [("radii", .numbers([100]))]) }
        #expect(throws: AnalysisError.self) { try f.run(process, [("geometry", point), ("layers", .array([.string("roads")]))]) }
    }

    @Test func anIncidentAreaGetsRingsAroundItsEdge() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        var input = IncidentInput()
        input.title = "运河漫溢"; input.category = "natural"; input.subtype = "洪涝灾害"; input.level = "III"
        input.geometry = PlanningCity.box(116.849, 38.299, 116.851, 38.301)
        let made = try f.service.create(input, by: EmergencyFixture.commander)
        let result = try f.run(ImpactRingsProcess(store: f.store, rules: f.rules), [("incident", .number(Double(made.id))), ("radii", .numbers([100]))])
        #expect(result["incident"]?.number == Double(made.id))
        // The area itself lies inside the first ring: the shelter 200 m south of the centre is
        // ~89 m beyond the area's south edge.
        let names = (result["facilities"]?.array ?? []).compactMap { $0["name"]?.string }
        #expect(names == ["中心广场"])
    }
}

@Suite struct FloodTests {
    func flood(_ f: EmergencyFixture, _ inputs: [(String, JSONValue)]) throws -> JSONValue {
        try f.run(FloodProcess(store: f.store, rules: f.rules), inputs)
    }

    @Test func withoutASeedBothBasinsFloodWithASeedOnlyItsOwn() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        // Level 7: the west basin's cells within 10 of its bottom (21 × 21), the east's within 8 (17 × 17).
        let all = try flood(f, [("level", .number(7))])
        #expect(all["floodedCells"]?.number == 730.0)
        let west = try flood(f, [("level", .number(7)), ("seed", GeoJSON.value(.point(EmergencyCity.demCellCentre(15, 20))))])
        #expect(west["floodedCells"]?.number == 441)
        let east = try flood(f, [("level", .number(7)), ("seed", GeoJSON.value(.point(EmergencyCity.demCellCentre(40, 25)))), ("connectivity", .number(4))])
        #expect(east["floodedCells"]?.number == 289)
        // Over the ridge (15 m) both basins join; the walls (20 m) stay dry.
        let over = try flood(f, [("level", .number(16)), ("seed", GeoJSON.value(.point(EmergencyCity.demCellCentre(15, 20))))])
        #expect(over["floodedCells"]?.number == 2203.0)
        // The west flood is one square: its area is the square's on the ellipsoid (GeographicLib).
        let a = EmergencyCity.demCellCentre(5, 10), b = EmergencyCity.demCellCentre(25, 30), h = EmergencyCity.demCell / 2
        let square = [Coordinate(a.x - h, a.y + h), Coordinate(b.x + h, a.y + h), Coordinate(b.x + h, b.y - h), Coordinate(a.x - h, b.y - h), Coordinate(a.x - h, a.y + h)]
        let expected = try planimeter(square)
        #expect(abs((west["area"]?["m2"]?.number ?? 0) - expected) < 1)
        let polygon = try GeoJSON.geometry(try #require(west["extent"]?["geometry"]))
        #expect(abs(Geodesic.cgcs2000.area(polygon) - expected) < 1)
        #expect(west["depth"]?["max"]?.number == 5)
    }

    @Test func facilitiesAndPeopleInTheFloodAreListed() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        // The shelter 200 m south of the centre lies in the east basin (5.5 m): flood everything below 16 m.
        let result = try flood(f, [("level", .number(16))])
        let names = (result["facilities"]?.array ?? []).compactMap { $0["name"]?.string }
        #expect(names.contains("中心广场"))
        #expect((result["population"]?["estimate"]?.number ?? 0) > 0)
    }

    @Test func badLevelsSeedsAndRegionsAreRefused() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        #expect(throws: AnalysisError.self) { try flood(f, [("level", .number(1))]) }
        #expect(throws: AnalysisError.self) { try flood(f, [("level", .number(500))]) }
        #expect(throws: AnalysisError.self) { try flood(f, [("level", .number(7)), ("seed", GeoJSON.value(.point(EmergencyCity.demCellCentre(2, 2))))]) }
        #expect(throws: AnalysisError.self) { try flood(f, [("level", .number(7)), ("seed", GeoJSON.value(.point(Coordinate(100, 30))))]) }
        #expect(throws: AnalysisError.self) { try flood(f, [("level", .number(7)), ("seed", GeoJSON.value(.point(EmergencyCity.demCellCentre(29, 20))))]) }
        #expect(throws: AnalysisError.self) { try flood(f, [("level", .number(7)), ("connectivity", .number(6))]) }
        #expect(throws: AnalysisError.self) { try flood(f, [("level", .number(7)), ("region", GeoJSON.value(PlanningCity.box(100, 30, 100.1, 30.1)))]) }
    }

    @Test func theDepthIsSavedAsARasterLayerTheMapsDraw() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let seed = GeoJSON.value(.point(EmergencyCity.demCellCentre(15, 20)))
        let result = try flood(f, [("level", .number(7)), ("seed", seed), ("saveDepth", .bool(true))])
        #expect(result["depthLayer"]?.string == "flood_depth")
        let layer = try f.store.layer("flood_depth", for: .system)
        #expect(layer.kind == .dem)
        // Depth = level − ground in every flooded cell, no data elsewhere.
        #expect(try f.store.elevation(layer: "flood_depth", at: EmergencyCity.demCellCentre(15, 20), crs: .cgcs2000, for: .system) == 5)
        #expect(try f.store.elevation(layer: "flood_depth", at: EmergencyCity.demCellCentre(25, 30), crs: .cgcs2000, for: .system) == 0)
        #expect(try f.store.elevation(layer: "flood_depth", at: EmergencyCity.demCellCentre(26, 20), crs: .cgcs2000, for: .system) == nil)
        // Only the command roles may replace it.
        #expect(throws: AnalysisError.self) {
            try f.run(FloodProcess(store: f.store, rules: f.rules), [("level", .number(7)), ("seed", seed), ("saveDepth", .bool(true))], as: EmergencyFixture.viewer)
        }
    }

    @Test func aRegionBoundsTheWork() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        // Only the west half of the west basin's flood (cells 5…14 of columns, centres west of 116.815).
        let region = PlanningCity.box(116.70, 38.0, EmergencyCity.demOrigin.x + 15 * EmergencyCity.demCell, 38.5)
        let result = try flood(f, [("level", .number(7)), ("region", GeoJSON.value(region))])
        #expect(result["floodedCells"]?.number == 210.0)
    }
}

@Suite struct ElevationTests {
    @Test func theProfileReadsTheStoredCells() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let line = Geometry.lineString([EmergencyCity.demCellCentre(1, 20), EmergencyCity.demCellCentre(58, 20)])
        let result = try f.run(ElevationProfileProcess(store: f.store, rules: f.rules), [("line", GeoJSON.value(line)), ("samples", .number(58))])
        let profile = try #require(result["profile"]?.array)
        #expect(profile.count == 58)
        // Along row 20 sample k falls in cell 1 + k: each height is that cell's stored value.
        for (k, p) in profile.enumerated() {
            #expect(p["height"]?.number == Double(EmergencyCity.demValue(1 + k, 20)), "sample \(k)")
        }
        #expect(result["max"]?.number == 15 && result["min"]?.number == 2)
        let length = try geodSolveDistance(EmergencyCity.demCellCentre(1, 20), EmergencyCity.demCellCentre(58, 20))
        #expect(abs((result["length"]?.number ?? 0) - length) < 0.01)
        #expect(try f.store.elevation(layer: "dem", at: EmergencyCity.demCellCentre(15, 20), crs: .cgcs2000, for: .system) == 2)
    }

    @Test func badLinesAreRefused() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let process = ElevationProfileProcess(store: f.store, rules: f.rules)
        #expect(throws: AnalysisError.self) { try f.run(process, [("line", GeoJSON.value(.point(EmergencyCity.centre)))]) }
        #expect(throws: AnalysisError.self) {
            try f.run(process, [("line", GeoJSON.value(.lineString([EmergencyCity.centre, EmergencyCity.centre])))])
        }
        #expect(throws: AnalysisError.self) {
            try f.run(process, [("line", GeoJSON.value(.lineString([EmergencyCity.demCellCentre(1, 1), EmergencyCity.demCellCentre(5, 5)]))), ("samples", .number(1))])
        }
        #expect(throws: AnalysisError.self) {
            try f.run(process, [("line", GeoJSON.value(.lineString([EmergencyCity.demCellCentre(1, 1), EmergencyCity.demCellCentre(5, 5)]))), ("layer", .string("schools"))])
        }
    }
}

@Suite struct RoutingTests {
    /// Seconds to drive between two nodes on a road of `kmh` (GeographicLib's length).
    func seconds(_ a: Coordinate, _ b: Coordinate, _ kmh: Double) throws -> Double { try geodSolveDistance(a, b) / (kmh / 3.6) }
    let n = EmergencyCity.node

    @Test func oneWayStreetsMakeRoutesAsymmetricAndTimesAreKnown() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let process = RouteProcess(network: RoadNetwork(store: f.store, rules: f.rules))
        // D → F along 北路 (branch, 25 km/h, one way eastwards).
        let east = try f.run(process, [("from", GeoJSON.value(.point(n("D")))), ("to", GeoJSON.value(.point(n("F"))))])
        let eastExpected = try seconds(n("D"), n("E"), 25) + seconds(n("E"), n("F"), 25)
        #expect(abs((east["properties"]?["seconds"]?.number ?? 0) - eastExpected) < 0.1)
        // F → D may not use 北路: down 东街 (35), along 南路 (45), up 西街 (35).
        let west = try f.run(process, [("from", GeoJSON.value(.point(n("F")))), ("to", GeoJSON.value(.point(n("D"))))])
        let westExpected = try seconds(n("F"), n("C"), 35) + seconds(n("C"), n("A"), 45) + seconds(n("A"), n("D"), 35)
        #expect(abs((west["properties"]?["seconds"]?.number ?? 0) - westExpected) < 0.1)
        let metres = try geodSolveDistance(n("F"), n("C")) + geodSolveDistance(n("C"), n("A")) + geodSolveDistance(n("A"), n("D"))
        #expect(abs((west["properties"]?["distance"]?.number ?? 0) - metres) < 0.1)
        let line = try GeoJSON.geometry(try #require(west["geometry"]))
        guard case .lineString(let cs) = line else { Issue.record("not a line"); return }
        #expect(cs.contains(n("A")) && cs.contains(n("C")) && !cs.contains(n("E")))
    }

    @Test func pointsSnapToTheNearestPlaceOnTheNearestRoad() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let network = RoadNetwork(store: f.store, rules: f.rules)
        // 50 m north of the middle of A–B: onto 南路 at the middle, not onto a node.
        let middle = Coordinate(116.845, 38.30)
        let off = Geodesic.cgcs2000.direct(from: middle, azimuth: 0, distance: 50)
        let snap = try network.snap(off, input: "p")
        #expect(snap.edge.name == "南路" && abs(snap.distance - 50) < 0.1, "\(snap.distance) \(snap.along) \(snap.edge.length)")
        // (The network's 南路 is straight in the plane, the stored one in lon/lat: they part by centimetres.)
        #expect(try geodSolveDistance(snap.point, middle) < 0.1)
        // From the station at D to that point: down 西街, then half of A–B.
        let result = try f.run(RouteProcess(network: network), [("from", GeoJSON.value(.point(n("D")))), ("to", GeoJSON.value(.point(off)))])
        let expected = try seconds(n("D"), n("A"), 35) + seconds(n("A"), middle, 45)
        #expect(abs((result["properties"]?["seconds"]?.number ?? 0) - expected) < 0.1, "\(result)")
        #expect(throws: AnalysisError.self) { try network.snap(Coordinate(116.70, 38.30), input: "p") }
    }

    @Test func nearestResourcesRankByTravelTimeNotStraightLine() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let process = NearestResourcesProcess(network: RoadNetwork(store: f.store, rules: f.rules))
        let result = try f.run(process, [("geometry", GeoJSON.value(.point(n("F")))), ("kind", .string("fire")), ("count", .number(5))])
        let list = try #require(result["resources"]?.array)
        #expect(list.compactMap { $0["name"]?.string } == ["东南站", "西北站"])
        #expect(abs((list[0]["seconds"]?.number ?? 0) - (try seconds(n("C"), n("F"), 35))) < 0.1)
        #expect(abs((list[1]["seconds"]?.number ?? 0) - (try seconds(n("D"), n("E"), 25) + seconds(n("E"), n("F"), 25))) < 0.1)
        #expect(abs((list[1]["straightLine"]?.number ?? 0) - (try geodSolveDistance(n("D"), n("F")))) < 0.1)
        #expect(result["offNetwork"]?.array?.compactMap(\.string) == ["西站"])
        #expect(throws: AnalysisError.self) { try f.run(process, [("geometry", GeoJSON.value(.point(n("F")))), ("kind", .string("police"))]) }
        #expect(throws: AnalysisError.self) { try f.run(process, [("geometry", GeoJSON.value(.point(Coordinate(116.0, 38.3)))), ("kind", .string("fire"))]) }
        #expect(throws: AnalysisError.self) { try f.run(process, [("geometry", GeoJSON.value(.point(n("F")))), ("kind", .string("fire")), ("count", .number(0))]) }
    }

    @Test func serviceAreasFollowTheRoadsIncludingPartOfAnEdge() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let process = ServiceAreaProcess(network: RoadNetwork(store: f.store, rules: f.rules))
        // One minute from B: 750 m each way along 南路 (45 km/h), 1000 m up 中街 (60 km/h): 2.5 km of road.
        let result = try f.run(process, [("geometry", GeoJSON.value(.point(n("B")))), ("minutes", .numbers([1]))])
        let feature = try #require(result["features"]?.array?.first)
        #expect(abs((feature["properties"]?["roadKm"]?.number ?? 0) - 2.5) < 0.002)
        let area = try GeoJSON.geometry(try #require(feature["geometry"]))
        // Not a hull: about 2.5 km × 120 m of buffered road, against a ~0.75 km² triangle.
        let km2 = Geodesic.cgcs2000.area(area) / 1e6
        #expect(km2 > 0.25 && km2 < 0.35, "\(km2)")
        #expect(throws: AnalysisError.self) { try f.run(process, [("geometry", GeoJSON.value(.point(n("B")))), ("minutes", .numbers([0]))]) }
        #expect(throws: AnalysisError.self) { try f.run(process, [("geometry", GeoJSON.value(.point(n("B")))), ("minutes", .numbers([600]))]) }
    }

    @Test func theNetworkIsRebuiltWhenRoadsChange() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let n = EmergencyCity.node
        let network = RoadNetwork(store: f.store, rules: f.rules)
        let first = try network.current()
        #expect(first.edges.count == 7)
        #expect(try network.current().version == first.version)
        // Close 北路 (delete it): D → F must go round.
        let id = try #require(try f.store.features(in: "roads", .intersecting(.point(Coordinate(116.845, 38.31)), crs: .cgcs2000), for: .system).first?.feature.id)
        try f.store.deleteFeature(id, in: "roads", ifMatch: nil, for: .system)
        let second = try network.current()
        #expect(second.version != first.version && !second.edges.values.contains { $0.name == "北路" }, "\(second.edges.values.map { ($0.name, $0.line) })")
        let round = try f.run(RouteProcess(network: network), [("from", GeoJSON.value(.point(n("D")))), ("to", GeoJSON.value(.point(n("F"))))])
        let expected = try seconds(n("D"), n("A"), 35) + seconds(n("A"), n("C"), 45) + seconds(n("C"), n("F"), 35)
        #expect(abs((round["properties"]?["seconds"]?.number ?? 0) - expected) < 0.1)
    }
}

@Suite struct ShelterAllocationTests {
    @Test func peopleGoToTheNearestShelterWithRoomAndTheRestAreCounted() async throws {
        let f = try await OwnThread.build { try EmergencyFixture() }
        let process = ShelterAllocationProcess(store: f.store, rules: f.rules)
        // A 300 m disc at the centre: a quarter disc of each community (≈ 55 + 109 people); the
        // one shelter (capacity 500, 200 m south) takes them all.
        let small = try f.run(process, [("geometry", GeoJSON.value(.point(EmergencyCity.centre))), ("radius", .number(300))])
        let affected = try #require(small["affected"]?["estimate"]?.number)
        let quarter = Double.pi * 300 * 300 / 4
        let expected = 1000 * quarter / Geodesic.cgcs2000.area(EmergencyCity.communities[0].0) + 2000 * quarter / Geodesic.cgcs2000.area(EmergencyCity.communities[1].0)
        #expect(abs(affected - expected) / expected < 0.02, "\(affected) vs \(expected)")
        #expect(small["unhoused"]?.number == 0 && small["housed"]?.number == affected)
        // Both whole communities (3000 people): the shelter fills (500); people beyond 500 m of it
        // have no shelter in reach either way; the rest are unhoused.
        let all = try f.run(process, [("geometry", GeoJSON.value(PlanningCity.box(116.84, 38.29, 116.86, 38.30))), ("walkMetres", .number(5000))])
        #expect(abs((all["affected"]?["estimate"]?.number ?? 0) - 3000) < 2)
        #expect(all["housed"]?.number == 500 && abs((all["unhoused"]?.number ?? 0) - 2500) < 2)
        #expect(all["shelters"]?.array?.first?["utilisation"]?.number == 1)
        // Population is confidential: a viewer is refused, and told why.
        #expect(throws: AnalysisError.self) { try f.run(process, [("geometry", GeoJSON.value(.point(EmergencyCity.centre)))], as: EmergencyFixture.viewer) }
        #expect(throws: AnalysisError.self) { try f.run(process, [("geometry", GeoJSON.value(.point(EmergencyCity.centre))), ("radius", .number(-1))]) }
    }
}
