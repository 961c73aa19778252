import Foundation
import OneMapGeometry
import Testing

@testable import OneMapStore

/// The point → polygons lookup the backend answers in SQL (unit grids) gives what OneMap's own
/// GEOS predicate gives, on the boundaries too.
@Suite struct PointInPolygonTests {
    @Test func theBackendsContainsIsOneMapsContains() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        // Two squares sharing an edge (x = 116.81), the first with a hole, and a triangle over both.
        func ring(_ c: [(Double, Double)]) -> [[Double]] { c.map { [$0.0, $0.1] } }
        let polygons: [[[[Double]]]] = [
            [ring([(116.80, 38.30), (116.81, 38.30), (116.81, 38.31), (116.80, 38.31), (116.80, 38.30)]),
             ring([(116.803, 38.303), (116.807, 38.303), (116.807, 38.307), (116.803, 38.307), (116.803, 38.303)])],
            [ring([(116.81, 38.30), (116.82, 38.30), (116.82, 38.31), (116.81, 38.31), (116.81, 38.30)])],
            [ring([(116.805, 38.305), (116.815, 38.305), (116.81, 38.312), (116.805, 38.305)])],
        ]
        let features: [[String: Any]] = polygons.enumerated().map { i, rings in
            ["type": "Feature", "properties": ["code": "g\(i)"], "geometry": ["type": "Polygon", "coordinates": rings]]
        }
        let path = dir.file("grids.geojson")
        try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": features]).write(to: URL(fileURLWithPath: path))
        _ = try store.importLayer(ImportRequest(source: path, layerID: "grids"))
        let layer = try store.layer("grids", for: .system)
        let all = try store.features(in: "grids", for: .system)
        let context = GEOSContext()
        var checked = 0, inside = 0
        // A lattice through every vertex and edge of the polygons, and points between them.
        for i in 0...40 {
            for j in 0...30 {
                let point = Coordinate(116.80 + Double(i) * 0.0005, 38.30 + Double(j) * 0.0005)
                let test = try SpatialTest(.contains, literal: .point(point), context: context)
                let expected = try all.filter { try $0.geometry.map(test.matches) ?? false }.map(\.id).sorted()
                var found: [Int64] = []
                try store.spatialScan(layer, .containing(.point(point), crs: layer.storageCRS), columns: ["code"]) { id, _, values, _ in
                    #expect(values.first == .text("g\(id)"))
                    found.append(id)
                }
                #expect(found.sorted() == expected, "\(point)")
                checked += 1
                inside += expected.isEmpty ? 0 : 1
            }
        }
        #expect(checked == 41 * 31 && inside > 300)
    }
}
