import Foundation
import Synchronization

/// A coordinate system a city defines itself, from a file in `Layers/crs/` (see its README):
/// an independent city grid (城市独立坐标系) on a central meridian and offsets of its own, or an
/// old datum (Xi'an 1980, Beijing 1954) with the shift parameters PROJ does not have. Once
/// registered it is used like an EPSG code everywhere a CRS is parsed (`CRS(parsing:)`).
public struct NamedCRS: Codable, Hashable, Sendable {
    /// Letters, digits, '_' and '-', starting with a letter (`CZ2000`, `XIAN80_CZ`).
    public var name: String
    public var title: String?
    /// The system the parameters lead to: an EPSG code (`EPSG:4527`) or a PROJ string / WKT of a
    /// projection of the city's own (`+proj=tmerc +lon_0=116.8 … +ellps=GRS80`).
    public var base: String
    /// Seven Bursa-Wolf parameters from the base's datum to WGS 84 (ΔX ΔY ΔZ in metres, rX rY rZ in
    /// arc-seconds, scale in ppm; position-vector convention, as PROJ's `+towgs84`), or three shifts.
    public var towgs84: [Double]?
    /// The four-parameter plane transformation from this system to the base.
    public var plane: PlaneSimilarity?
    /// Metres: how exact the parameters are (the RMS of the control points they were solved from).
    public var accuracy: Double?
    /// Where the parameters come from (a survey report, `onemap crs solve` of a control-point file).
    public var source: String?

    public init(name: String, title: String? = nil, base: String, towgs84: [Double]? = nil, plane: PlaneSimilarity? = nil,
                accuracy: Double? = nil, source: String? = nil) {
        self.name = name
        self.title = title
        self.base = base
        self.towgs84 = towgs84
        self.plane = plane
        self.accuracy = accuracy
        self.source = source
    }

    /// The base's definition with the datum shift appended: what PROJ transforms from once the
    /// plane step (if any) has run.
    /// - Throws: `GeometryError.unknownCRS` when PROJ cannot read the base or cannot carry the shift.
    public func projDefinition() throws -> String {
        let base = try Self.baseDefinition(base)
        guard let towgs84 else { return base }
        guard var text = ProjOperations.projString(of: base) else {
            throw GeometryError.unknownCRS("\(name): the base \(self.base) cannot take +towgs84 (PROJ cannot write it as a PROJ string)")
        }
        text = text.split(separator: " ").filter { !$0.hasPrefix("+towgs84=") && !$0.hasPrefix("+nadgrids=") && $0 != "+type=crs" }.joined(separator: " ")
        return text + " +towgs84=" + towgs84.map { String(format: "%.10g", $0) }.joined(separator: ",") + " +type=crs"
    }

    /// The definition as WKT1 (with `TOWGS84`), for GDAL.
    public func gdalWKT() throws -> String {
        guard let wkt = ProjOperations.gdalWKT(of: try projDefinition()) else { throw GeometryError.unknownCRS(name) }
        return wkt
    }

    /// `EPSG:n` stays as it is (PROJ reads it); a PROJ string gets `+type=crs`; WKT as it is.
    public static func baseDefinition(_ base: String) throws -> String {
        let t = base.trimmingCharacters(in: .whitespaces)
        var definition = t
        if t.hasPrefix("+"), !t.contains("+type=crs") { definition = t + " +type=crs" }
        if let crs = try? CRS(parsing: t), let n = crs.epsg, crs.code != .gcj02 { definition = "EPSG:\(n)" }
        guard ProjOperations.isCRS(definition) else { throw GeometryError.unknownCRS(base) }
        return definition
    }

    /// What is wrong with the definition, each problem naming its field; empty when it is usable.
    public func problems() -> [String] {
        var out: [String] = []
        if !Self.isValidName(name) {
            out.append("name: '\(name)' must be 1–63 letters, digits, '_' or '-', start with a letter, and not be an EPSG code, CRS84 or GCJ02")
        }
        if (try? Self.baseDefinition(base)) == nil { out.append("base: PROJ does not know '\(base)'") }
        if let t = towgs84 {
            if t.count != 3 && t.count != 7 { out.append("towgs84: 3 or 7 numbers, not \(t.count)") }
            if !t.allSatisfy(\.isFinite) { out.append("towgs84: not all finite") }
        }
        if let p = plane, !p.isFinite { out.append("plane: dx, dy, rotationSeconds and scalePPM must be finite, the scale positive") }
        if let a = accuracy, !(a.isFinite && a >= 0) { out.append("accuracy: metres, zero or more") }
        if out.isEmpty, towgs84 != nil, (try? projDefinition()) == nil { out.append("towgs84: the base cannot carry a datum shift") }
        return out
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII, name.utf8.count <= 63 else { return false }
        guard name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }) else { return false }
        let upper = name.uppercased()
        return !upper.hasPrefix("EPSG") && !["CRS84", "GCJ02", "GCJ-02", "GCJ_02", "OGC"].contains(upper)
    }
}

/// The named CRSs this process knows: loaded from `Layers/crs/*.json` at start (`load`), looked
/// up by `CRS(parsing:)` and `CoordinateTransform`.
public enum CRSRegistry {
    struct Entry: Sendable {
        let crs: NamedCRS
        let definition: String
        let geographic: Bool
    }

    private static let entries = Mutex<[String: Entry]>([:])

    /// Adds or replaces a named CRS.
    /// - Throws: `GeometryError.invalid` listing what is wrong with it.
    public static func register(_ crs: NamedCRS) throws {
        let problems = crs.problems()
        guard problems.isEmpty else { throw GeometryError.invalid("named CRS \(crs.name): " + problems.joined(separator: "; ")) }
        let definition = try crs.projDefinition()
        // A plane step maps into the base, so the system is plane if the base is.
        let entry = Entry(crs: crs, definition: definition, geographic: crs.plane == nil && ProjOperations.isGeographic(definition))
        entries.withLock { $0[crs.name.uppercased()] = entry }
    }

    /// Reads every `*.json` in the directory (a missing directory is no error: no named CRSs).
    /// - Throws: `GeometryError.invalid` naming the file and what is wrong; nothing is registered then.
    @discardableResult
    public static func load(directory: String) throws -> [NamedCRS] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else { return [] }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") && $0 != OfferedCRS.fileName }.sorted()
        var loaded: [NamedCRS] = []
        for file in files {
            let path = (directory as NSString).appendingPathComponent(file)
            let crs: NamedCRS
            do {
                crs = try JSONDecoder().decode(NamedCRS.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            } catch let DecodingError.keyNotFound(key, context) {
                throw GeometryError.invalid("\(path): missing \(Self.path(context.codingPath + [key]))")
            } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
                throw GeometryError.invalid("\(path): \(Self.path(context.codingPath)): \(context.debugDescription)")
            } catch let DecodingError.dataCorrupted(context) {
                throw GeometryError.invalid("\(path): not JSON (\(context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription))")
            } catch {
                throw GeometryError.invalid("\(path): \(error)")
            }
            var problems = crs.problems()
            problems += unknownKeys(in: path)
            guard problems.isEmpty else { throw GeometryError.invalid("\(path): " + problems.joined(separator: "; ")) }
            if loaded.contains(where: { $0.name.uppercased() == crs.name.uppercased() }) {
                throw GeometryError.invalid("\(path): name \(crs.name) is defined twice")
            }
            loaded.append(crs)
        }
        for crs in loaded {
            do { try register(crs) } catch { throw GeometryError.invalid("\(directory)/\(crs.name): \(error)") }
        }
        return loaded
    }

    /// A misspelt key must not pass for an absent one ("towgs48" would silently mean no shift).
    private static func unknownKeys(in path: String) -> [String] {
        let known: Set<String> = ["name", "title", "base", "towgs84", "plane", "accuracy", "source"]
        let planeKeys: Set<String> = ["dx", "dy", "rotationSeconds", "scalePPM"]
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        func note(_ key: String) -> Bool { key.hasPrefix("$comment") || key.hasPrefix("//") }
        var out = object.keys.filter { !known.contains($0) && !note($0) }.sorted().map { "\($0): not a key of a named CRS" }
        if let plane = object["plane"] as? [String: Any] {
            out += plane.keys.filter { !planeKeys.contains($0) && !note($0) }.sorted().map { "plane.\($0): not a plane parameter" }
        }
        return out
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    public static func named(_ name: String) -> NamedCRS? { entry(name)?.crs }

    static func entry(_ name: String) -> Entry? { entries.withLock { $0[name.uppercased()] } }

    /// Every registered CRS, by name.
    public static var all: [NamedCRS] { entries.withLock { $0.values.map(\.crs) }.sorted { $0.name < $1.name } }

    /// Forgets a name (tests).
    public static func remove(_ name: String) { _ = entries.withLock { $0.removeValue(forKey: name.uppercased()) } }
}
