import OneMapGeometry
import OneMapStore
import Testing

@testable import OneMapServer

@Suite struct CQL2ParserTests {
    @Test func precedenceIsNotThenAndThenOr() throws {
        let f = try CQL2Parser.parse("a = 1 OR NOT b = 2 AND c IS NOT NULL")
        #expect(f == .or([
            .compare(.property("a"), .equal, .value(.integer(1))),
            .and([.not(.compare(.property("b"), .equal, .value(.integer(2)))), .not(.isNull(.property("c")))]),
        ]))
    }

    @Test func literalsAndAdvancedComparisons() throws {
        #expect(try CQL2Parser.parse("name = 'it''s'") == .compare(.property("name"), .equal, .value(.text("it's"))))
        #expect(try CQL2Parser.parse("x BETWEEN -1.5 AND 2e3") == .between(.property("x"), .value(.real(-1.5)), .value(.real(2000))))
        #expect(try CQL2Parser.parse("d < TIMESTAMP('2024-01-01T00:00:00Z')") == .compare(.property("d"), .less, .value(.text("2024-01-01T00:00:00Z"))))
        #expect(try CQL2Parser.parse("\"名称\" not in ('a', 'b')") == .not(.inList(.property("名称"), [.value(.text("a")), .value(.text("b"))])))
        #expect(try CQL2Parser.parse("TRUE") == .literal(true))
    }

    @Test func spatialLiteralsFollowTheFilterCRSAxisOrder() throws {
        let crs84 = try CQL2Parser.parse("S_INTERSECTS(geometry, POINT(116.8 38.3))")
        #expect(crs84 == .spatial(.intersects, .point(Coordinate(116.8, 38.3)), crs: .crs84))
        // EPSG:4490 literals are written latitude first.
        let latLon = try CQL2Parser.parse("S_WITHIN(geom, POINT(38.3 116.8))", crs: .cgcs2000)
        #expect(latLon == .spatial(.within, .point(Coordinate(116.8, 38.3)), crs: .cgcs2000))
        // With the literal first, within and contains change places.
        #expect(try CQL2Parser.parse("S_WITHIN(POINT(1 2), geometry)") == .spatial(.contains, .point(Coordinate(1, 2)), crs: .crs84))
    }

    @Test func errorsNameTheCharacterPosition() {
        for (text, position) in [("名称 = ", 6), ("a = 1 AND", 10), ("(a = 1", 7), ("a LIKE 5", 8), ("S_INTERSECTS(geometry, POINT(1))", 24), ("a = 1 b", 7)] {
            do {
                _ = try CQL2Parser.parse(text)
                Issue.record("\(text) parsed")
            } catch {
                #expect(error.position == position, "\(text): \(error)")
            }
        }
    }
}
