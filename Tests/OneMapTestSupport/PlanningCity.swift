import Foundation
import OneMapGeometry
import OneMapStore

/// A small city built for tests where the planning answers are known by construction: axis-
/// aligned squares in lon/lat (CGCS2000) around 116.80–116.85°E, 38.30–38.32°N.
///
///     control lines  城镇开发边界 U [116.820, 116.840] × [38.300, 38.320]
///                    永久基本农田 F [116.800, 116.810] × [38.300, 38.310]
///                    生态保护红线 E [116.800, 116.810] × [38.310, 38.320]
///                    生态保护红线 E2 [116.838, 116.842] × [38.300, 38.302]  (overlaps U: a deliberate conflict)
///     planning       0701 [116.820, 116.830], 1001 [116.830, 116.840], 0103 [116.800, 116.810]  (all 38.300–38.320)
///     draft          0901 over [116.820, 116.825] × [38.300, 38.305] (was 0701); 1001 over [116.830, 116.835] × [38.300, 38.305] (unchanged)
///     land use       0103 旱地 [116.800, 116.820], 0701 城镇住宅用地 [116.820, 116.840]
///     streets        西街道 [116.800, 116.820], 东街道 [116.820, 116.840]; communities likewise
///     water zone     [116.845, 116.850] × [38.300, 38.305]
///     hazmat site    (116.838, 38.319), confidential; a school at (116.846, 38.318); a hospital at (116.86, 38.33)
public enum PlanningCity {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The city's rules file (the repository's own).
    public static var rulesPath: String { repository.appendingPathComponent("Layers/rules/planning-review.json").path }

    public static func box(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Geometry {
        .polygon([[Coordinate(x0, y0), Coordinate(x1, y0), Coordinate(x1, y1), Coordinate(x0, y1), Coordinate(x0, y0)]])
    }

    /// Builds the city into `directory` (`city.sqlite` and `Layers/rules/`); returns the store.
    public static func build(in directory: String) throws -> Store {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/Layers/rules", withIntermediateDirectories: true)
        try? fm.removeItem(atPath: directory + "/Layers/rules/planning-review.json")
        try fm.copyItem(atPath: rulesPath, toPath: directory + "/Layers/rules/planning-review.json")
        let store = try Store(path: TestStores.location(directory + "/city.sqlite"))
        func layer(_ id: String, _ title: String, access: AccessLevel = .public, _ features: [(Geometry, [String: Any])]) throws {
            let path = directory + "/\(id).geojson"
            let list: [[String: Any]] = features.map { g, p in
                ["type": "Feature", "properties": p, "geometry": try! JSONSerialization.jsonObject(with: Data(GeoJSON.string(g, precision: 10).utf8))]
            }
            let data = try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": list])
            try data.write(to: URL(fileURLWithPath: path))
            _ = try store.importLayer(ImportRequest(source: path, layerID: id, title: title, group: "planning", access: access))
        }
        try layer("control_lines", "三区三线", [
            (box(116.820, 38.300, 116.840, 38.320).asMulti, ["kind": "城镇开发边界", "name": "中心城区城镇开发边界"]),
            (box(116.800, 38.300, 116.810, 38.310).asMulti, ["kind": "永久基本农田", "name": "西区永久基本农田"]),
            (box(116.800, 38.310, 116.810, 38.320).asMulti, ["kind": "生态保护红线", "name": "西部生态廊道"]),
            (box(116.838, 38.300, 116.842, 38.302).asMulti, ["kind": "生态保护红线", "name": "东部湿地"]),
        ])
        let limits: [String: Any] = ["far_max": 2.5, "density_max": 30.0, "green_min": 30.0, "height_max": 80.0]
        try layer("planning", "国土空间规划用地", [
            (box(116.820, 38.300, 116.830, 38.320), ["code": "0701", "name": "城镇住宅用地"].merging(limits) { a, _ in a }),
            (box(116.830, 38.300, 116.840, 38.320), ["code": "1001", "name": "工业用地"].merging(limits) { a, _ in a }),
            (box(116.800, 38.300, 116.810, 38.320), ["code": "0103", "name": "旱地"].merging(limits) { a, _ in a }),
        ])
        try layer("planning_draft", "控规修编草案", access: .internal, [
            (box(116.820, 38.300, 116.825, 38.305), ["code": "0901", "name": "商业用地"]),
            (box(116.830, 38.300, 116.835, 38.305), ["code": "1001", "name": "工业用地"]),
        ])
        try layer("landuse", "土地利用现状", [
            (box(116.800, 38.300, 116.820, 38.320), ["dlbm": "0103", "dlmc": "旱地"]),
            (box(116.820, 38.300, 116.840, 38.320), ["dlbm": "0701", "dlmc": "城镇住宅用地"]),
        ])
        try layer("streets", "街道", [
            (box(116.800, 38.300, 116.820, 38.320), ["code": "130902001", "name": "西街道"]),
            (box(116.820, 38.300, 116.840, 38.320), ["code": "130902002", "name": "东街道"]),
        ])
        try layer("communities", "社区", [
            (box(116.800, 38.300, 116.820, 38.320), ["code": "130902001001", "name": "西社区"]),
            (box(116.820, 38.300, 116.840, 38.320), ["code": "130902002001", "name": "东社区"]),
        ])
        try layer("water_protection", "饮用水水源保护区", [(box(116.845, 38.300, 116.850, 38.305).asMulti, ["name": "东部水源地一级保护区"])])
        try layer("hazmat_sites", "危险化学品企业", access: .confidential, [(.point(Coordinate(116.838, 38.319)), ["name": "某化工厂"])])
        try layer("schools", "学校", [(.point(Coordinate(116.846, 38.318)), ["name": "东区小学"])])
        try layer("hospitals", "医疗机构", [(.point(Coordinate(116.86, 38.33)), ["name": "东区医院"])])
        return store
    }
}
