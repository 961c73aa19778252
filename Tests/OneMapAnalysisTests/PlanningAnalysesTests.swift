import Foundation
import OneMapGeometry
import OneMapTestSupport
import Testing

@testable import OneMapAnalysis
@testable import OneMapStore

@Suite struct PlanningAnalysesTests {
    @Test func controlLineConflictsFindTheDeliberateOverlapWithItsArea() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let result = try ControlLineConflicts(store: city.store, rules: city.rules).run(region: nil, for: .system)
        let conflicts = try #require(result["conflicts"]?.array)
        #expect(conflicts.count == 1 && result["status"]?.string == "violation")
        let kinds = conflicts[0]["kinds"]?.array?.compactMap(\.string).sorted()
        #expect(kinds == ["城镇开发边界", "生态保护红线"])
        // The overlap is [116.838, 116.840] × [38.300, 38.302].
        let expected = try planimeter([Coordinate(116.838, 38.300), Coordinate(116.840, 38.300), Coordinate(116.840, 38.302), Coordinate(116.838, 38.302)])
        let area = try #require(conflicts[0]["area"]?["ellipsoidal"]?["m2"]?.number)
        #expect(abs(area - expected) < 0.01, "\(area) vs \(expected)")
        // Within the western street there is none.
        let west = try ControlLineConflicts(store: city.store, rules: city.rules)
            .run(region: .featureWhere(layer: "streets", field: "name", value: "西街道"), for: .system)
        #expect(west["conflicts"]?.array?.isEmpty == true && west["status"]?.string == "compliant")
    }

    @Test func planCompareFindsTheChangedParcelAndTheMatrix() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        let result = try PlanCompare(store: city.store, rules: city.rules)
            .run(current: "planning", draft: "planning_draft", currentField: "code", draftField: "code", region: nil, for: .system)
        let changed = try #require(result["changedParcels"]?.array)
        #expect(changed.count == 1)
        #expect(changed[0]["from"]?["code"]?.string == "0701" && changed[0]["to"]?["code"]?.string == "0901")
        let expected = try planimeter([Coordinate(116.820, 38.300), Coordinate(116.825, 38.300), Coordinate(116.825, 38.305), Coordinate(116.820, 38.305)])
        #expect(abs((changed[0]["area"]?["ellipsoidal"]?["m2"]?.number ?? 0) - expected) < 0.01)
        let matrix = try #require(result["matrix"]?.array)
        let cells = matrix.map { "\($0["from"]?.string ?? "")→\($0["to"]?.string ?? "")" }.sorted()
        #expect(cells == ["0701→0901", "1001→1001"])
        // A caller who may not see the draft (internal) cannot compare against it.
        #expect(throws: AnalysisError.self) {
            _ = try PlanCompare(store: city.store, rules: city.rules)
                .run(current: "planning", draft: "planning_draft", currentField: "code", draftField: "code", region: nil, for: .anonymous)
        }
    }

    @Test func areaStatisticsSumTheClassesInsideARegion() async throws {
        let city = try await OwnThread.build { try PlanningFixture() }
        // A drawn region straddling both land-use classes equally.
        let region = PlanningCity.box(116.818, 38.305, 116.822, 38.309)
        let result = try AreaStatistics(store: city.store, rules: city.rules).run(layer: "landuse", classField: "dlbm", region: .geometry(region, crs: .crs84), for: .system)
        let classes = try #require(result["classes"]?.array)
        #expect(classes.compactMap { $0["value"]?.string }.sorted() == ["0103", "0701"])
        let shares = classes.compactMap { $0["share"]?.number }
        #expect(shares.allSatisfy { abs($0 - 0.5) < 1e-6 }, "\(shares)")
        let total = try #require(result["regionArea"]?["ellipsoidal"]?["m2"]?.number)
        #expect(abs(total - (try planimeter([Coordinate(116.818, 38.305), Coordinate(116.822, 38.305), Coordinate(116.822, 38.309), Coordinate(116.818, 38.309)]))) < 0.01)
        // By a stored street: all of the eastern street is 0701.
        let east = try AreaStatistics(store: city.store, rules: city.rules).run(layer: "landuse", classField: "dlbm",
                                                                                 region: .featureWhere(layer: "streets", field: "code", value: "130902002"), for: .system)
        #expect(east["classes"]?.array?.count == 1 && east["classes"]?.array?.first?["share"]?.number.map { abs($0 - 1) < 1e-9 } == true)
    }

    @Test func theRulesFileIsCheckedWhole() throws {
        let dir = NSTemporaryDirectory() + "onemap-rules-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var text = try String(contentsOfFile: PlanningCity.rulesPath, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"overlap\": \"violation\",\n        \"allowedUses\": []", with: "\"overlap\": \"forbidden\",\n        \"alowedUses\": []")
        text = text.replacingOccurrences(of: "{\"use\": \"07\", \"compatible\": [\"07\"]", with: "{\"use\": \"07\", \"compatible\": [\"77\"]")
        try text.write(toFile: dir + "/rules.json", atomically: true, encoding: .utf8)
        do {
            _ = try PlanningRules.load(path: dir + "/rules.json")
            Issue.record("a broken rules file loaded")
        } catch let AnalysisError.invalidRules(_, problems) {
            #expect(problems.contains { $0.contains("lines[0].overlap") && $0.contains("forbidden") }, "\(problems)")
            #expect(problems.contains { $0.contains("alowedUses") && $0.contains("not a known key") }, "\(problems)")
            #expect(problems.contains { $0.contains("'77'") }, "\(problems)")
        }
        #expect(throws: AnalysisError.self) { _ = try PlanningRules.load(path: dir + "/missing.json") }
    }
}
