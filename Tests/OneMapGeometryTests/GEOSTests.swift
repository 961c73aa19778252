import Testing

@testable import OneMapGeometry

@Suite struct GEOSTests {
    let geos = GEOSContext()

    @Test func repairsABowTie() throws {
        let bowTie = try WKT.parse("POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))")
        #expect(try !geos.isValid(bowTie))
        #expect(try geos.validityReason(bowTie).contains("Self-intersection"))
        let fixed = try geos.makeValid(bowTie)
        #expect(try geos.isValid(fixed))
        #expect(abs(try geos.area(fixed) - 50) < 1e-9)
    }

    @Test func predicatesAndPreparedGeometry() throws {
        let square = try WKT.parse("POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))")
        #expect(try geos.intersects(square, .point(Coordinate(2, 2))))
        #expect(try geos.contains(square, .point(Coordinate(1, 1))))
        #expect(try !geos.within(square, .point(Coordinate(1, 1))))
        let prepared = try geos.prepare(square)
        #expect(try prepared.contains(Coordinate(3, 3)))
        #expect(try !prepared.contains(Coordinate(5, 3)))
        #expect(try prepared.intersects(.lineString([Coordinate(-1, 2), Coordinate(1, 2)])))
    }

    @Test func constructions() throws {
        let a = try WKT.parse("POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))")
        let b = try WKT.parse("POLYGON((2 2, 6 2, 6 6, 2 6, 2 2))")
        #expect(abs(try geos.area(geos.intersection(a, b)) - 4) < 1e-9)
        #expect(abs(try geos.area(geos.union([a, b])) - 28) < 1e-9)
        #expect(abs(try geos.area(geos.buffer(.point(Coordinate(0, 0)), distance: 1, quadrantSegments: 64)) - .pi) < 0.01)
        #expect(try geos.distance(.point(Coordinate(0, 0)), .point(Coordinate(3, 4))) == 5)
    }
}
