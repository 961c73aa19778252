import Foundation
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapAnalysis
@testable import OneMapStore

/// A planning city per test, in a temporary directory.
final class PlanningFixture {
    let directory = NSTemporaryDirectory() + "onemap-planning-" + UUID().uuidString
    let store: Store
    let rules: PlanningRules

    init() throws {
        store = try PlanningCity.build(in: directory)
        rules = try PlanningRules.load(path: PlanningCity.rulesPath)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func review(_ site: Geometry, use: String = "0701", indicators: [String: Double] = [:], as principal: Principal = .system) throws -> SiteReviewReport {
        try SiteReview(store: store, rules: rules).run(SiteReviewRequest(site: site, use: use, indicators: indicators), for: principal)
    }
}

/// GeographicLib's own answer: `Planimeter` (Debian geographiclib-tools) on the GRS 80 ellipsoid.
func planimeter(_ ring: [Coordinate]) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/Planimeter")
    process.arguments = ["-e", "6378137", String(1 / 298.257222101), "-p", "9"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    let points = (ring.first == ring.last ? Array(ring.dropLast()) : ring).map { "\($0.y) \($0.x)" }.joined(separator: "\n") + "\n"
    input.fileHandleForWriting.write(Data(points.utf8))
    try input.fileHandleForWriting.close()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let fields = text.split(separator: " ")
    guard fields.count == 3, let area = Double(fields[2].trimmingCharacters(in: .whitespacesAndNewlines)) else { throw CocoaError(.fileReadCorruptFile) }
    return abs(area)
}

/// PROJ's own answer for the plane area: `cs2cs` into the Gauss-Krüger zone, then the shoelace formula.
func projPlaneArea(_ ring: [Coordinate], to crs: String) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/cs2cs")
    process.arguments = ["-f", "%.6f", "EPSG:4490", crs]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    // EPSG:4490 is latitude first, EPSG:4527 northing first (cs2cs keeps the official axis orders).
    input.fileHandleForWriting.write(Data(ring.map { "\($0.y) \($0.x)" }.joined(separator: "\n").utf8 + [10]))
    try input.fileHandleForWriting.close()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let points = text.split(separator: "\n").map { line -> Coordinate in
        let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Double($0) }
        return Coordinate(f[1], f[0])
    }
    var sum = 0.0
    for (a, b) in zip(points, points.dropFirst()) { sum += a.x * b.y - b.x * a.y }
    return abs(sum) / 2
}

@Suite struct SiteReviewTests {
    @Test func aSiteHalfInsidePermanentFarmlandIsAViolationWithHalfItsArea() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let site = PlanningCity.box(116.805, 38.302, 116.815, 38.306)
        let report = try city.review(site)
        let farmland = try #require(report.rules.first { $0.rule == "三线协调·永久基本农田" })
        #expect(farmland.status == .violation)
        let line = try #require(report.controlLines.first { $0.code == "永久基本农田" })
        #expect(abs(line.share - 0.5) < 1e-9, "\(line.share)")
        #expect(abs(line.area.ellipsoidal - report.siteArea.ellipsoidal / 2) < 1e-6 * report.siteArea.ellipsoidal)
        // The overlap is the western half, drawn for the map.
        #expect(farmland.conflict?.boundingBox.map { abs($0.maxX - 116.81) < 1e-9 && abs($0.minX - 116.805) < 1e-9 } == true)
        // Outside the urban development boundary entirely, and a construction use: a violation too.
        #expect(report.rules.first { $0.rule == "三线协调·城镇开发边界" }?.status == .violation)
        #expect(report.status == .violation)
        // Current land use: all of it is 旱地, so all of it is farmland, in 亩 too.
        #expect(abs(report.farmland.ellipsoidal - report.siteArea.ellipsoidal) < 1e-6 * report.siteArea.ellipsoidal)
        #expect(report.rules.first { $0.rule == "耕地占用" }?.status == .warning)
        #expect(report.administrative.first?.units.map(\.name) == ["西街道"])
    }

    @Test func aSiteWhollyInsideTheBoundaryOnACompatibleClassIsCompliant() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let report = try city.review(PlanningCity.box(116.822, 38.305, 116.826, 38.309), indicators: ["far": 2.0, "height": 60])
        for rule in report.rules { #expect(rule.status == .compliant, "\(rule.rule): \(rule.message)") }
        #expect(report.status == .compliant && report.leftOut.isEmpty)
        #expect(report.plannedClasses.map(\.code) == ["0701"] && report.plannedClasses.first?.fit == .compliant)
        #expect(report.administrative.map { $0.units.map(\.name) } == [["东街道"], ["东社区"]])
        // Indicators above the plan's limits are a violation of the 控规 rule.
        let tall = try city.review(PlanningCity.box(116.822, 38.305, 116.826, 38.309), indicators: ["far": 3.1])
        #expect(tall.rules.first { $0.rule == "控制性详细规划指标" }?.status == .violation)
    }

    @Test func anIncompatibleUseAndAProtectionZoneAreViolations() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        // Housing on planned industrial land: incompatible.
        let housing = try city.review(PlanningCity.box(116.832, 38.305, 116.836, 38.309))
        #expect(housing.rules.first { $0.rule == "国土空间总体规划符合性" }?.status == .violation)
        // Industry in the water protection zone; industry beside a school.
        let factory = try city.review(PlanningCity.box(116.844, 38.301, 116.846, 38.303), use: "1001")
        #expect(factory.rules.first { $0.rule == "专项规划·饮用水水源保护区" }?.status == .violation)
        #expect(factory.rules.first { $0.rule == "邻避设施·学校" }?.status == .compliant)
        let nearSchool = try city.review(PlanningCity.box(116.843, 38.315, 116.845, 38.317), use: "1001")
        let school = try #require(nearSchool.rules.first { $0.rule == "邻避设施·学校" })
        #expect(school.status == .warning && nearSchool.facilities.contains { $0.name == "东区小学" && $0.distance > 0 && $0.distance < 300 })
    }

    @Test func aSelfIntersectingSiteIsRepairedAndReviewed() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let (x0, y0, x1, y1) = (116.822, 38.305, 116.826, 38.309)
        let bowTie = Geometry.polygon([[Coordinate(x0, y0), Coordinate(x1, y1), Coordinate(x1, y0), Coordinate(x0, y1), Coordinate(x0, y0)]])
        let report = try city.review(bowTie)
        #expect(report.repaired?.contains("Self-intersection") == true, "\(report.repaired ?? "")")
        // Two triangles meeting at the centre: GeographicLib's areas of the two.
        let c = Coordinate((x0 + x1) / 2, (y0 + y1) / 2)
        let expected = try planimeter([Coordinate(x0, y0), c, Coordinate(x0, y1)]) + planimeter([Coordinate(x1, y0), Coordinate(x1, y1), c])
        #expect(abs(report.siteArea.ellipsoidal - expected) / expected < 1e-6, "\(report.siteArea.ellipsoidal) vs \(expected)")
        #expect(report.status == .compliant)
    }

    @Test func areasAgreeWithGeographicLibAndPROJ() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let ring = [Coordinate(116.8213, 38.3011), Coordinate(116.8291, 38.3008), Coordinate(116.8302, 38.3093), Coordinate(116.8245, 38.3121),
                    Coordinate(116.8209, 38.3070), Coordinate(116.8213, 38.3011)]
        let report = try city.review(.polygon([ring]))
        let geographicLib = try planimeter(ring)
        #expect(abs(report.siteArea.ellipsoidal - geographicLib) / geographicLib < 1e-6, "\(report.siteArea.ellipsoidal) vs \(geographicLib)")
        #expect(report.siteArea.planeCRS == "EPSG:4527")
        let proj = try projPlaneArea(ring, to: "EPSG:4527")
        #expect(abs(report.siteArea.plane - proj) / proj < 1e-6, "\(report.siteArea.plane) vs \(proj)")
        // 1 亩 = 10000/15 m², 1 公顷 = 15 亩.
        let json = report.siteArea.json
        let mu = try #require(json["ellipsoidal"]?["mu"]?.number), ha = try #require(json["ellipsoidal"]?["ha"]?.number)
        #expect(abs(mu - report.siteArea.ellipsoidal * 15 / 10_000) < 1e-3 && abs(mu / ha - 15) < 1e-3)
    }

    @Test func aCallerWhoMayNotSeeALayerGetsTheReviewWithoutItAndIsTold() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let report = try city.review(PlanningCity.box(116.822, 38.305, 116.826, 38.309), as: .anonymous)
        #expect(report.leftOut.map(\.layer) == ["hazmat_sites"])
        let hazmat = try #require(report.rules.first { $0.rule == "安全防护距离·危险化学品企业" })
        #expect(hazmat.status == .warning && hazmat.message.contains("hazmat_sites"))
        // As the system (every layer): the site is 1.3 km from the hazmat site, so compliant.
        #expect(try city.review(PlanningCity.box(116.822, 38.305, 116.826, 38.309)).rules.first { $0.rule == "安全防护距离·危险化学品企业" }?.status == .compliant)
        // Housing within 1 km of it is a violation.
        let near = try city.review(PlanningCity.box(116.832, 38.312, 116.834, 38.314), use: "0804")
        #expect(near.rules.first { $0.rule == "安全防护距离·危险化学品企业" }?.status == .violation)
    }

    @Test func badSitesAndUsesAreRefusedBeforeAnyWork() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let review = SiteReview(store: city.store, rules: city.rules)
        let square = PlanningCity.box(116.822, 38.305, 116.826, 38.309)
        let cases: [(SiteReviewRequest, String)] = [
            (SiteReviewRequest(site: .point(Coordinate(116.82, 38.30)), use: "0701"), "site"),
            (SiteReviewRequest(site: .polygon([]), use: "0701"), "site"),
            (SiteReviewRequest(site: square, use: "9999"), "use"),
            (SiteReviewRequest(site: square, use: "0701", indicators: ["floors": 3]), "indicators"),
            (SiteReviewRequest(site: PlanningCity.box(110, 30, 120, 40), use: "0701"), "site"),
            (SiteReviewRequest(site: .polygon([[Coordinate(0, 0), Coordinate(1, 1), Coordinate(0, 0), Coordinate(0, 0)]]), use: "0701"), "site"),
            (SiteReviewRequest(site: PlanningCity.box(500_000, 4_000_000, 500_100, 4_000_100), use: "0701"), "site"),
        ]
        for (request, input) in cases {
            #expect(throws: AnalysisError.self) { _ = try review.run(request, for: .system) }
            do { _ = try review.run(request, for: .system) } catch let AnalysisError.invalidInput(name, _) {
                #expect(name == input)
            } catch { Issue.record("\(error)") }
        }
        let huge = Geometry.polygon([(0...20_001).map { i in
            let a = Double(i) / 20_001 * 2 * .pi
            return Coordinate(116.82 + 0.001 * cos(a), 38.31 + 0.001 * sin(a))
        }])
        #expect(throws: AnalysisError.self) { _ = try review.run(SiteReviewRequest(site: huge, use: "0701"), for: .system) }
    }
}
