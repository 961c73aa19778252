import Foundation

/// The CRSs a server offers for output (features `crs`/`bbox-crs`, WMS `CRS`, identify): the
/// city's list in `<layers>/crs/offered.json` when it has one, else one derived from where the
/// city is.
public enum OfferedCRS {
    /// The file name inside the `crs` directory (not a named CRS).
    public static let fileName = "offered.json"

    /// CRS84, CGCS2000, WGS 84 and Web Mercator; the CGCS2000 3° Gauss-Krüger zones the area
    /// spans, each with the zone number in the easting and with the plain 500 km one; then the
    /// city's named systems.
    public static func derived(over lonLat: BoundingBox?, named: [NamedCRS]) -> [CRS] {
        var list: [CRS] = [.crs84, .cgcs2000, .wgs84, .webMercator]
        if let area = lonLat, !area.isEmpty {
            let zones = GaussKruger.zone(longitude: area.minX)...max(GaussKruger.zone(longitude: area.minX), GaussKruger.zone(longitude: area.maxX))
            for zone in zones.prefix(4) {
                let longitude = Double(zone * 3)
                list += [GaussKruger.crsWithZonePrefix(longitude: longitude), GaussKruger.crsWithCentralMeridian(longitude: longitude)].compactMap { $0 }
            }
        }
        return list + named.map { CRS(.named($0.name)) }
    }

    /// `{"crs": ["CRS84", "EPSG:4490", …, "CZ_CITY"]}`, nil when the file is absent.
    /// - Throws: `GeometryError.invalid` naming the file and the entry at fault.
    public static func load(directory: String) throws -> [CRS]? {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw GeometryError.invalid("\(path): not a JSON object")
        }
        if let extra = object.keys.filter({ $0 != "crs" && !$0.hasPrefix("$comment") && !$0.hasPrefix("//") }).sorted().first {
            throw GeometryError.invalid("\(path): \(extra): not a key of the offered list (only crs)")
        }
        guard let entries = object["crs"] as? [Any], !entries.isEmpty else { throw GeometryError.invalid("\(path): crs: a non-empty list of CRS names") }
        var list: [CRS] = []
        for (i, entry) in entries.enumerated() {
            guard let text = entry as? String, let crs = try? CRS(parsing: text) else {
                throw GeometryError.invalid("\(path): crs[\(i)]: '\(entry)' is not a CRS PROJ or Layers/crs knows")
            }
            if !list.contains(crs) { list.append(crs) }
        }
        return list
    }
}
