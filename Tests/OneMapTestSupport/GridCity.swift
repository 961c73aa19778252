import Foundation
import OneMapGeometry
import OneMapStore

/// A small 数字城管 city built for tests, its answers known by construction (lon/lat, CGCS2000):
///
///     district   运河区 [116.800, 116.840] × [38.300, 38.320]
///     streets    西街道 130903001 [116.800, 116.820]; 东街道 130903002 [116.820, 116.840]
///     communities one per street (…001001, …002001), same boxes
///     unit grids each community split at 38.310: 南 …001 below, 北 …002 above
///     roads      解放东路 along 38.310 from 116.800 to 116.840; 新华路 along 116.830; 新华二路 along 38.318
///     addresses  解放东路 1–40号 every 0.001° east from 116.8005 (odd north, even south side),
///                新华路 1–10号 every 0.002° north from 38.3005 on 116.8302
///     places     沧州市人民医院 (116.8250, 38.3150), 运河区实验小学 (116.8050, 38.3050)
///     components 上水井盖 1309030010010001 at (116.8105, 38.3055), owned by SW01;
///                路灯 1309030020020001 at (116.8305, 38.3155)
///
/// The rules files are the repository's own (`Layers/rules/calendar.json`, `cases.json`,
/// `geocoding.json`), copied beside the store.
public enum GridCity {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let gridCodes = ["130903001001001", "130903001001002", "130903002001001", "130903002001002"]

    /// The box of a grid by its code.
    public static func gridBox(_ code: String) -> (Double, Double, Double, Double) {
        let west = code.hasPrefix("130903001")
        let south = code.hasSuffix("001")
        return (west ? 116.800 : 116.820, south ? 38.300 : 38.310, west ? 116.820 : 116.840, south ? 38.310 : 38.320)
    }

    /// Where address plate `number` of 解放东路 stands.
    public static func plate(_ number: Int) -> Coordinate {
        Coordinate(116.8005 + Double(number - 1) * 0.001, 38.310 + (number % 2 == 1 ? 0.0002 : -0.0002))
    }

    public static func box(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Geometry {
        .polygon([[Coordinate(x0, y0), Coordinate(x1, y0), Coordinate(x1, y1), Coordinate(x0, y1), Coordinate(x0, y0)]])
    }

    /// Builds the city into `directory` (`city.sqlite` and `Layers/rules/`); returns the store and
    /// the layers directory.
    public static func build(in directory: String) throws -> (store: Store, layers: String) {
        let fm = FileManager.default
        let layers = directory + "/Layers"
        try fm.createDirectory(atPath: layers + "/rules", withIntermediateDirectories: true)
        for name in ["calendar.json", "cases.json", "geocoding.json"] {
            try? fm.removeItem(atPath: layers + "/rules/" + name)
            try fm.copyItem(atPath: repository.appendingPathComponent("Layers/rules/" + name).path, toPath: layers + "/rules/" + name)
        }
        let store = try Store(path: TestStores.location(directory + "/city.sqlite"))
        func layer(_ id: String, _ title: String, group: String = "grid", _ features: [(Geometry, [String: Any])]) throws {
            let path = directory + "/\(id).geojson"
            let list: [[String: Any]] = features.map { g, p in
                ["type": "Feature", "properties": p, "geometry": try! JSONSerialization.jsonObject(with: Data(GeoJSON.string(g, precision: 10).utf8))]
            }
            try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": list]).write(to: URL(fileURLWithPath: path))
            _ = try store.importLayer(ImportRequest(source: path, layerID: id, title: title, group: group, access: .public))
        }
        try layer("admin", "行政区", group: "base", [(box(116.800, 38.300, 116.840, 38.320).asMulti, ["name": "运河区", "adcode": "130903"])])
        try layer("streets", "街道", [
            (box(116.800, 38.300, 116.820, 38.320), ["code": "130903001", "name": "西街道", "district": "运河区"]),
            (box(116.820, 38.300, 116.840, 38.320), ["code": "130903002", "name": "东街道", "district": "运河区"]),
        ])
        try layer("communities", "社区", [
            (box(116.800, 38.300, 116.820, 38.320), ["code": "130903001001", "name": "西园社区", "street": "西街道", "district": "运河区"]),
            (box(116.820, 38.300, 116.840, 38.320), ["code": "130903002001", "name": "东湖社区", "street": "东街道", "district": "运河区"]),
        ])
        try layer("unit_grids", "单元网格", gridCodes.map { code in
            let (x0, y0, x1, y1) = gridBox(code)
            let west = code.hasPrefix("130903001")
            return (box(x0, y0, x1, y1), ["code": code, "community": west ? "西园社区" : "东湖社区", "street": west ? "西街道" : "东街道",
                                          "district": "运河区", "kind": "城市道路"])
        })
        try layer("roads", "道路", group: "base", [
            (.lineString([Coordinate(116.800, 38.310), Coordinate(116.840, 38.310)]), ["name": "解放东路"]),
            (.lineString([Coordinate(116.830, 38.300), Coordinate(116.830, 38.320)]), ["name": "新华路"]),
            (.lineString([Coordinate(116.800, 38.318), Coordinate(116.840, 38.318)]), ["name": "新华二路"]),
        ])
        var plates: [(Geometry, [String: Any])] = (1...40).map { n in (.point(plate(n)), ["road": "解放东路", "number": n, "district": "运河区"]) }
        plates += (1...10).map { n in (.point(Coordinate(116.8302, 38.3005 + Double(n - 1) * 0.002)), ["road": "新华路", "number": n, "district": "运河区"]) }
        try layer("addresses", "门牌地址", group: "base", plates)
        try layer("pois", "兴趣点", group: "base", [
            (.point(Coordinate(116.8250, 38.3150)), ["name": "沧州市人民医院", "address": "运河区解放东路25号", "district": "运河区"]),
            (.point(Coordinate(116.8050, 38.3050)), ["name": "运河区实验小学", "address": "运河区西园社区", "district": "运河区"]),
        ])
        try layer("components", "城市部件", [
            (.point(Coordinate(116.8105, 38.3055)), ["objcode": "1309030010010001", "objname": "上水井盖", "class": "0101", "deptcode": "SW01",
                                                     "deptname": "沧州市自来水公司"]),
            (.point(Coordinate(116.8305, 38.3155)), ["objcode": "1309030020020001", "objname": "路灯", "class": "0118", "deptcode": "LD01",
                                                     "deptname": "沧州市城市管理综合行政执法局路灯管理处"]),
        ])
        return (store, layers)
    }
}
