import Foundation
import OneMapGeometry
import OneMapStore

/// A small emergency city with known answers: facilities at chosen geodesic distances from a
/// centre, two communities of known population, and a DEM of two basins split by a ridge.
public enum EmergencyCity {
    public static var rulesPath: String { PlanningCity.repository.appendingPathComponent("Layers/rules/emergency.json").path }

    /// The incident point the facilities are placed around.
    public static let centre = Coordinate(116.85, 38.30)
    /// Schools: distance (m) and azimuth (°) from the centre.
    public static let schools: [(Double, Double)] = [(300, 10), (700, 100), (990, 200), (999.5, 250), (1000.5, 45), (1010, 300), (2500, 170)]
    /// Communities (west and east of the centre's meridian, south of its parallel) and people.
    public static let communities: [(Geometry, Int)] = [
        (PlanningCity.box(116.84, 38.29, 116.85, 38.30), 1000), (PlanningCity.box(116.85, 38.29, 116.86, 38.30), 2000),
    ]

    /// The DEM: 0.001° cells from (116.80, 38.32), 60 × 40 (the centre lies in cell 50, 20). A border wall (20 m), a west basin
    /// (bottom 2 m at cell 15, 20), a ridge on columns 29–30 (15 m), an east basin (bottom 3 m at
    /// 45, 20), each rising 0.5 m per cell (Chebyshev distance). Cell (2, 2) is no-data.
    public static let demOrigin = Coordinate(116.80, 38.32)
    public static let demCell = 0.001
    public static let demSize = (width: 60, height: 40)
    public static func demValue(_ x: Int, _ y: Int) -> Float {
        if x == 2 && y == 2 { return -9999 }
        if x == 0 || y == 0 || x == demSize.width - 1 || y == demSize.height - 1 { return 20 }
        if x == 29 || x == 30 { return 15 }
        if x < 29 { return 2 + 0.5 * Float(max(abs(x - 15), abs(y - 20))) }
        return 3 + 0.5 * Float(max(abs(x - 45), abs(y - 20)))
    }
    /// The centre of DEM cell (x, y).
    public static func demCellCentre(_ x: Int, _ y: Int) -> Coordinate {
        Coordinate(demOrigin.x + (Double(x) + 0.5) * demCell, demOrigin.y - (Double(y) + 0.5) * demCell)
    }

    /// The road network: two east–west roads and three north–south streets between six nodes
    /// 0.01° apart. 北路 is one way eastwards; 南路 is one line A→C crossing 中街 at B (so the
    /// network must split it there).
    public static let nodes: [String: Coordinate] = [
        "A": Coordinate(116.84, 38.30), "B": Coordinate(116.85, 38.30), "C": Coordinate(116.86, 38.30),
        "D": Coordinate(116.84, 38.31), "E": Coordinate(116.85, 38.31), "F": Coordinate(116.86, 38.31),
    ]
    public static func node(_ name: String) -> Coordinate { nodes[name]! }
    public static let roads: [(name: String, roadClass: String, oneway: Int, nodes: [String])] = [
        ("南路", "primary", 0, ["A", "C"]), ("北路", "branch", 1, ["D", "F"]),
        ("西街", "secondary", 0, ["A", "D"]), ("中街", "expressway", 0, ["B", "E"]), ("东街", "secondary", 0, ["C", "F"]),
    ]

    public static func build(in directory: String) throws -> Store {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/Layers/rules", withIntermediateDirectories: true)
        try? fm.removeItem(atPath: directory + "/Layers/rules/emergency.json")
        try fm.copyItem(atPath: rulesPath, toPath: directory + "/Layers/rules/emergency.json")
        let store = try Store(path: TestStores.location(directory + "/city.sqlite"))
        func layer(_ id: String, access: AccessLevel = .public, kind: String = "点", _ features: [(Geometry, [String: Any])]) throws {
            let path = directory + "/\(id).geojson"
            let list: [[String: Any]] = features.map { g, p in
                ["type": "Feature", "properties": p, "geometry": try! JSONSerialization.jsonObject(with: Data(GeoJSON.string(g, precision: 12).utf8))]
            }
            try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": list]).write(to: URL(fileURLWithPath: path))
            _ = try store.importLayer(ImportRequest(source: path, layerID: id, title: id, group: "emergency", access: access))
        }
        try layer("schools", schools.enumerated().map { i, s in
            (.point(Geodesic.cgcs2000.direct(from: centre, azimuth: s.1, distance: s.0)), ["name": "学校\(i + 1)"])
        })
        try layer("hospitals", [(.point(Geodesic.cgcs2000.direct(from: centre, azimuth: 0, distance: 1500)), ["name": "北区医院"])])
        try layer("hazmat_sites", access: .confidential, [(.point(Geodesic.cgcs2000.direct(from: centre, azimuth: 90, distance: 400)), ["name": "某化工厂"])])
        try layer("shelters", [(.point(Geodesic.cgcs2000.direct(from: centre, azimuth: 180, distance: 200)), ["name": "中心广场", "capacity": 500])])
        try layer("fire_stations", [
            (.point(Geodesic.cgcs2000.direct(from: centre, azimuth: 270, distance: 5000)), ["name": "西站"]),
            (.point(node("C")), ["name": "东南站"]), (.point(node("D")), ["name": "西北站"]),
        ])
        try layer("roads", roads.map { r in (.lineString(r.nodes.map(node)), ["name": r.name, "class": r.roadClass, "oneway": r.oneway]) })
        try layer("population", access: .confidential, communities.enumerated().map { i, c in (c.0.asMulti, ["name": "社区\(i + 1)", "population": c.1]) })
        // The DEM as a GeoTIFF, imported like any DEM.
        let tif = directory + "/dem.tif"
        let writer = try GeoTIFFWriter(path: tif, width: demSize.width, height: demSize.height, bands: 1, sample: .float32, epsg: 4490,
                                       originX: demOrigin.x, originY: demOrigin.y, cellSize: demCell, noData: -9999)
        var values: [Float] = []
        for y in 0..<demSize.height { for x in 0..<demSize.width { values.append(demValue(x, y)) } }
        try writer.write(band: 1, y0: 0, rows: demSize.height, values: values)
        try writer.close()
        _ = try store.importLayer(ImportRequest(source: tif, layerID: "dem", kind: .dem, title: "DEM", group: "base"))
        return store
    }
}
