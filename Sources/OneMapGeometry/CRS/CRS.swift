import Foundation

/// A coordinate reference system OneMap can store, serve or convert from.
///
/// EPSG codes are checked against PROJ's database when parsed. GCJ-02 has no EPSG code: it is
/// an obfuscated offset of WGS 84 that only OneMap's own `GCJ02` functions convert. Named CRSs
/// are a city's own systems, defined in files and registered in `CRSRegistry`.
public struct CRS: Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        case epsg(Int)
        /// OGC CRS84: WGS 84 with longitude first; the same coordinates as EPSG:4326 inside OneMap.
        case crs84
        case gcj02
        /// A city's own system from `Layers/crs` (`CRSRegistry`), by its name.
        case named(String)
    }

    public let code: Code

    public init(_ code: Code) { self.code = code }

    public static let cgcs2000 = CRS(.epsg(4490))
    public static let wgs84 = CRS(.epsg(4326))
    public static let crs84 = CRS(.crs84)
    public static let webMercator = CRS(.epsg(3857))
    public static let gcj02 = CRS(.gcj02)

    /// `EPSG:4490`, `CRS84` or `GCJ02`.
    public var identifier: String {
        switch code {
        case .epsg(let n): "EPSG:\(n)"
        case .crs84: "CRS84"
        case .gcj02: "GCJ02"
        case .named(let name): name
        }
    }

    public var description: String { identifier }

    /// The OGC URI (`http://www.opengis.net/def/crs/EPSG/0/4490`); GCJ-02 gets a non-OGC URN.
    public var uri: String {
        switch code {
        case .epsg(let n): "http://www.opengis.net/def/crs/EPSG/0/\(n)"
        case .crs84: "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        case .gcj02: "urn:onemap:crs:GCJ02"
        case .named(let name): "urn:onemap:crs:\(name)"
        }
    }

    /// The EPSG number, if it has one (CRS84 → 4326).
    public var epsg: Int? {
        switch code {
        case .epsg(let n): n
        case .crs84: 4326
        case .gcj02, .named: nil
        }
    }

    /// The string PROJ understands for this CRS.
    var projDefinition: String {
        switch code {
        case .epsg(let n): "EPSG:\(n)"
        case .crs84: "OGC:CRS84"
        case .gcj02: "EPSG:4326"
        case .named(let name): CRSRegistry.entry(name)?.definition ?? name
        }
    }

    /// True for lon/lat CRSs (whose units are degrees).
    public var isGeographic: Bool {
        switch code {
        case .crs84, .gcj02: return true
        case .named(let name): return CRSRegistry.entry(name)?.geographic ?? false
        case .epsg(let n):
            if let known = Self.knownGeographic[n] { return known }
            return ProjCatalog.shared.isGeographic(epsg: n)
        }
    }

    /// True when the two CRSs hold the same numbers for a point on the display (4326, 4490, CRS84):
    /// they differ by centimetres, which OneMap ignores for display and tiles, never for survey work.
    public func isDisplayEquivalent(to other: CRS) -> Bool {
        if self == other { return true }
        let lonLat: Set<Int> = [4326, 4490]
        guard code != .gcj02, other.code != .gcj02, let a = epsg, let b = other.epsg else { return false }
        return lonLat.contains(a) && lonLat.contains(b)
    }

    /// True when the CRS's official axis order puts northing/latitude first (WMS 1.3.0 BBOX order).
    public var isNorthFirst: Bool {
        switch code {
        case .crs84, .gcj02, .named: false
        case .epsg(let n): ProjCatalog.shared.isNorthFirst(epsg: n)
        }
    }

    static let knownGeographic: [Int: Bool] = [4326: true, 4490: true, 4214: true, 3857: false, 4527: false, 4548: false]

    /// Parses `EPSG:4490`, `4490`, `epsg:4490`, an OGC CRS URI, `urn:ogc:def:crs:EPSG::4490`,
    /// `CRS84`, `CRS:84` (WMS 1.3.0), `OGC:CRS84`, `GCJ02`/`GCJ-02`, or a registered named CRS
    /// (`CZ2000`, `urn:onemap:crs:CZ2000`).
    /// - Throws: `GeometryError.unknownCRS` when the text is not a CRS PROJ knows.
    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        let upper = t.uppercased()
        if ["GCJ02", "GCJ-02", "GCJ_02"].contains(upper) {
            self.init(.gcj02)
            return
        }
        if upper == "CRS84" || upper == "CRS:84" || upper == "OGC:CRS84" || upper.hasSuffix("/OGC/1.3/CRS84") || upper == "URN:OGC:DEF:CRS:OGC:1.3:CRS84"
            || upper == "[OGC:CRS84]"
        {
            self.init(.crs84)
            return
        }
        var digits: Substring?
        if let n = Int(upper) {
            digits = Substring(String(n))
        } else if upper.hasPrefix("EPSG:") {
            digits = upper.dropFirst(5)
        } else if upper.hasPrefix("URN:OGC:DEF:CRS:EPSG:") {
            digits = upper.split(separator: ":").last
        } else if upper.hasPrefix("HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/") || upper.hasPrefix("HTTPS://WWW.OPENGIS.NET/DEF/CRS/EPSG/") {
            digits = upper.split(separator: "/").last
        }
        guard let digits else {
            // A named CRS: its name, `ONEMAP:name` or `urn:onemap:crs:name` (after the standard
            // spellings: every catalog read parses each layer's EPSG code).
            for prefix in ["URN:ONEMAP:CRS:", "ONEMAP:", ""] where upper.hasPrefix(prefix) {
                if let entry = CRSRegistry.entry(String(t.dropFirst(prefix.count))) {
                    self.init(.named(entry.crs.name))
                    return
                }
            }
            throw GeometryError.unknownCRS(text)
        }
        guard let n = Int(digits), n > 0, n < 1_000_000 else { throw GeometryError.unknownCRS(text) }
        guard ProjCatalog.shared.exists(epsg: n) else { throw GeometryError.unknownCRS(text) }
        self.init(.epsg(n))
    }
}
