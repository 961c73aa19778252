import Foundation
import OneMapGeometry
import OneMapStore
import Synchronization

/// Where the geocoder finds things (`Layers/rules/geocoding.json`).
public struct GeocodingRules: Sendable {
    public struct Source: Sendable {
        public var layer: String
        public var fields: [String: String]

        func field(_ key: String) -> String { fields[key] ?? key }

        /// The columns a unit grid's location is read from (`grids`).
        var columns: [String] { [field("code"), field("community"), field("street"), field("district")] }

        /// A unit grid's location from the values of `columns`; the codes nest (CJ/T 213).
        func location(_ values: [FeatureValue]) -> GridLocation? {
            guard case .text(let code) = values[0] else { return nil }
            return GridLocation(gridCode: code, communityCode: String(code.prefix(12)), communityName: values[1].description,
                                streetCode: String(code.prefix(9)), streetName: values[2].description, district: values[3].description)
        }
    }

    public var cityNames: [String]
    public var districts: Source
    public var grids: Source
    public var communities: Source
    public var streets: Source
    public var addresses: Source
    public var roads: Source
    public var places: Source
    public var components: Source
    public var reverseRadius: Double
    public var minScore: Double

    public static func file(in layersDirectory: String) -> String {
        (layersDirectory as NSString).appendingPathComponent("rules/geocoding.json")
    }

    public static func load(path: String) throws -> GeocodingRules {
        let file = try RuleFile(path: path)
        let top = try file.top()
        func source(_ key: String, _ fields: [String]) -> Source {
            guard let n = top.object(key) else { return Source(layer: key, fields: [:]) }
            var out: [String: String] = [:]
            for f in fields { if let v = n.string(f + "Field") { out[f] = v } }
            return Source(layer: n.string("layer") ?? key, fields: out)
        }
        let rules = GeocodingRules(
            cityNames: top.strings("cityNames"), districts: source("districts", ["name"]),
            grids: source("grids", ["code", "community", "street", "district"]),
            communities: source("communities", ["code", "name", "street", "district"]), streets: source("streets", ["code", "name", "district"]),
            addresses: source("addresses", ["road", "number", "district"]), roads: source("roads", ["name"]),
            places: source("places", ["name", "address", "district"]),
            components: source("components", ["code", "name", "class", "department", "departmentName"]),
            reverseRadius: top.optionalNumber("reverseRadiusMetres") ?? 300, minScore: top.optionalNumber("minScore") ?? 0.45)
        try file.finish()
        return rules
    }
}

/// Where a point lies in the grid system: its unit grid, community and street (codes nest: the
/// grid code begins with the community's, which begins with the street's).
public struct GridLocation: Sendable, Hashable {
    public var gridCode: String
    public var communityCode: String
    public var communityName: String
    public var streetCode: String
    public var streetName: String
    public var district: String

    public var json: JSONValue {
        .object([
            ("grid", .object([("code", .string(gridCode))])),
            ("community", .object([("code", .string(communityCode)), ("name", .string(communityName))])),
            ("street", .object([("code", .string(streetCode)), ("name", .string(streetName))])),
            ("district", .string(district)),
        ])
    }
}

/// A place found for some text, with how well it matches (0–1).
public struct GeocodeCandidate: Sendable {
    /// `address` (门牌), `road`, `place` (POI), `community`, `street`, `grid`, `component`.
    public var kind: String
    public var name: String
    public var address: String
    public var location: Coordinate
    public var score: Double
    public var layer: String
    public var featureID: Int64?

    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("kind", .string(kind)), ("name", .string(name)), ("address", .string(address)),
            ("location", .numbers([location.x, location.y])), ("score", .number((score * 1000).rounded() / 1000)), ("layer", .string(layer)),
        ]
        if let id = featureID { fields.append(("featureId", .number(Double(id)))) }
        return .object(fields)
    }
}

/// 地理编码: points to unit grids, component codes to components, place text to points (the
/// standard address order 行政区域 + 街巷/小区 + 门牌/兴趣点, tolerant of typos) and points to the
/// nearest address. The names are indexed in memory, re-read when their layers change; every
/// answer is filtered to the layers the caller may see.
public final class Geocoder: Sendable {
    public let store: Store
    public let rules: GeocodingRules

    struct Entry: Sendable {
        var kind: String
        var name: String
        var address: String
        var district: String
        var location: Coordinate
        var layer: String
        var featureID: Int64?
        var grams: Set<String>
    }

    struct Index: Sendable {
        var versions: [String: Int] = [:]
        var districts: [String] = []
        var roads: [Entry] = []
        var places: [Entry] = []
        var communities: [Entry] = []
        var streets: [Entry] = []
        /// Road name → (number, entry), sorted by number.
        var plates: [String: [(Int, Entry)]] = [:]
        /// Road name → road, for exact prefixes.
        var roadsByName: [String: Int] = [:]
        var longestRoadName = 0
        /// Bigram → roads and named places (communities, streets, places as (list, index)) that
        /// hold it: fuzzy matching looks only at names sharing a bigram with the query.
        var roadGrams: [String: [Int]] = [:]
        var namedGrams: [String: [Int]] = [:]
        /// Communities, streets and places with their weights, one list.
        var named: [(Entry, Double)] = []

        mutating func finish() {
            named = communities.map { ($0, 0.95) } + streets.map { ($0, 0.9) } + places.map { ($0, 1.0) }
            for (i, road) in roads.enumerated() {
                roadsByName[road.name] = i
                longestRoadName = max(longestRoadName, road.name.count)
                for g in road.grams { roadGrams[g, default: []].append(i) }
            }
            for (i, (e, _)) in named.enumerated() { for g in e.grams { namedGrams[g, default: []].append(i) } }
        }
    }

    private let index = Mutex(Index())
    private let gridIndexCache = Mutex<UnitGridIndex?>(nil)

    public init(store: Store, rules: GeocodingRules) {
        self.store = store
        self.rules = rules
    }

    // MARK: point → grid

    /// The unit grid, community and street at a lon/lat point.
    /// - Throws: `AnalysisError.invalidInput` when no grid holds it.
    public func grid(at point: Coordinate, for principal: Principal) throws -> GridLocation {
        let g = rules.grids
        guard let layer = try store.layerIfVisible(g.layer, for: principal) else {
            throw AnalysisError.invalidInput(input: "location", detail: "no grid layer '\(g.layer)' available")
        }
        let outside = AnalysisError.invalidInput(input: "location", detail: String(format: "(%.6f, %.6f) lies outside every unit grid of the city", point.x, point.y))
        if let index = try gridIndex(layer) {
            switch index.locate(point) {
            case .inside(let i): return index.grids[i]
            case .outside: throw outside
            case .undecided: break  // on a boundary: the store's exact predicate decides
            }
        }
        var found: GridLocation?
        try store.spatialScan(layer, .containing(.point(point)), columns: g.columns) { _, _, values, _ in
            guard found == nil, let location = g.location(values) else { return }
            found = location
        }
        guard let location = found else { throw outside }
        return location
    }

    /// Which import of which table the grids in memory were read from (a layer imported again
    /// may start its versions over).
    static func gridIndexKey(_ layer: Layer) -> String { "\(layer.table) \(layer.importedAt)" }

    /// The grids in memory at the layer's current version, when their storage CRS holds lon/lat
    /// as the lookups give them (else every lookup asks the store).
    func gridIndex(_ layer: Layer) throws -> UnitGridIndex? {
        guard CRS.crs84.isDisplayEquivalent(to: layer.storageCRS) else { return nil }
        if let known = gridIndexCache.withLock({ $0?.layer == Self.gridIndexKey(layer) && $0?.version == layer.version ? $0 : nil }) { return known }
        let g = rules.grids
        var grids: [(GridLocation, Geometry)] = []
        // The caller's access to the layer was checked; the index holds every grid of it.
        for f in try store.features(in: layer.id, for: .system) {
            guard let geometry = f.geometry, let location = g.location(g.columns.map { f.value($0, in: layer) }) else { continue }
            grids.append((location, geometry))
        }
        let built = UnitGridIndex(layer: Self.gridIndexKey(layer), version: layer.version, grids: grids)
        gridIndexCache.withLock { $0 = built }
        return built
    }
    // MARK: component code → component

    /// A component by its 16-digit code: location, class, name and owner.
    public func component(code: String, for principal: Principal) throws -> (location: Coordinate, name: String, classCode: String, department: String?, departmentName: String?)? {
        let c = rules.components
        guard let layer = try store.layerIfVisible(c.layer, for: principal) else { return nil }
        var out: (Coordinate, String, String, String?, String?)?
        _ = try store.queryFeatures(layer: layer.id, FeatureQuery(filter: .compare(.property(c.field("code")), .equal, .value(.text(code))), limit: 1),
                                    for: principal) { row in
            guard case .point(let p) = try row.geometry.decode() else { return }
            let values = Dictionary(uniqueKeysWithValues: zip(layer.attributes.map(\.name), row.values))
            func text(_ k: String) -> String? { if case .text(let s)? = values[c.field(k)] { s } else { nil } }
            out = (p, text("name") ?? "", text("class") ?? "", text("department"), text("departmentName"))
        }
        return out.map { (location: $0.0, name: $0.1, classCode: $0.2, department: $0.3, departmentName: $0.4) }
    }

    // MARK: text → places

    /// Candidates for a place written as a Chinese address, best first.
    /// - Throws: `AnalysisError.invalidInput` for empty or over-long text.
    public func search(_ text: String, limit: Int = 10, for principal: Principal) throws -> [GeocodeCandidate] {
        var q = Self.normalize(text)
        guard !q.isEmpty, q.count <= 100 else { throw AnalysisError.invalidInput(input: "q", detail: "the address must be 1–100 characters") }
        let index = try current()
        let visible = Set(try store.layers(for: principal).map(\.id))
        // 行政区域: the city's own names, then a district.
        for name in rules.cityNames where q.hasPrefix(name) { q.removeFirst(name.count) }
        var district: String?
        if let d = index.districts.first(where: { q.hasPrefix($0) }) {
            district = d
            q.removeFirst(d.count)
        }
        var out: [GeocodeCandidate] = []
        func add(_ e: Entry, _ score: Double, name: String? = nil) {
            guard visible.contains(e.layer) else { return }
            var s = score
            if let district, !e.district.isEmpty, e.district != district { s *= 0.8 }
            out.append(GeocodeCandidate(kind: e.kind, name: name ?? e.name, address: e.address, location: e.location, score: min(1, s), layer: e.layer,
                                        featureID: e.featureID))
        }
        // 街巷 + 门牌: a road name at the start (typos allowed), then a number. Exact prefixes
        // first, then roads sharing a bigram with the text.
        let (numberPart, number) = Self.trailingNumber(q)
        var roads = Set<Int>()
        let chars = Array(numberPart)
        for n in stride(from: min(chars.count, index.longestRoadName), through: 2, by: -1) {
            if let i = index.roadsByName[String(chars[0..<n])] { roads.insert(i) }
        }
        for g in Self.grams(numberPart) { for i in index.roadGrams[g] ?? [] { roads.insert(i) } }
        for i in roads.sorted() {
            let road = index.roads[i]
            let head = String(numberPart.prefix(road.name.count))
            let score = head == road.name ? 1 : Self.similarity(head, road.grams)
            guard score >= rules.minScore else { continue }
            let rest = String(numberPart.dropFirst(road.name.count))
            if let number, rest.isEmpty, let plates = index.plates[road.name], !plates.isEmpty {
                if let exact = plates.first(where: { $0.0 == number }) {
                    add(exact.1, score)
                } else {
                    // The nearest number on the road, marked down by how far off it is.
                    let nearest = plates.min { abs($0.0 - number) < abs($1.0 - number) }!
                    add(nearest.1, score * 0.85, name: nearest.1.name)
                }
            } else if rest.isEmpty || number == nil {
                add(road, score * (rest.isEmpty ? 0.9 : 0.7))
            }
        }
        // 小区/社区, streets and places (兴趣点) by name.
        let grams = Self.grams(q)
        var named = Set<Int>()
        for g in grams { for i in index.namedGrams[g] ?? [] { named.insert(i) } }
        for i in named.sorted() {
            let (e, weight) = index.named[i]
            let s = q == e.name ? 1 : (e.name.hasPrefix(q) || q.hasPrefix(e.name) ? 0.9 * Double(min(q.count, e.name.count)) / Double(max(q.count, e.name.count)) + 0.1
                                      : Self.similarity(q, e.grams))
            if s >= rules.minScore { add(e, s * weight) }
        }
        // The same place found twice (a place named like its road): keep the better.
        var seen = Set<String>()
        return out.sorted { ($0.score, $1.name.count) > ($1.score, $0.name.count) }.filter { seen.insert("\($0.kind)|\($0.name)|\($0.address)").inserted }
            .prefix(limit).map { $0 }
    }

    // MARK: point → nearest address

    /// The nearest address plate to a point (within the rules' radius), nil when none is near.
    public func nearestAddress(to point: Coordinate, for principal: Principal) throws -> (address: String, distance: Double, location: Coordinate)? {
        let a = rules.addresses
        guard (try store.layerIfVisible(a.layer, for: principal)) != nil else { return nil }
        guard let m = try store.nearest(in: a.layer, to: point, count: 1, within: rules.reverseRadius, for: principal).first,
              case .point(let p)? = m.feature.geometry else { return nil }
        let layer = try store.layer(a.layer, for: principal)
        let road = m.feature.value(a.field("road"), in: layer).description, number = m.feature.value(a.field("number"), in: layer).description
        let district = m.feature.value(a.field("district"), in: layer).description
        return ("\(district)\(road)\(number)号", m.distance ?? 0, p)
    }

    // MARK: the index

    func current() throws -> Index {
        let sources = [rules.districts, rules.roads, rules.addresses, rules.places, rules.communities, rules.streets]
        let layers = store.snapshot.layers
        let versions = Dictionary(uniqueKeysWithValues: sources.compactMap { s in layers[s.layer].map { (s.layer, $0.version) } })
        if let known = index.withLock({ $0.versions == versions ? $0 : nil }) { return known }
        let built = try build(versions: versions)
        index.withLock { $0 = built }
        return built
    }

    func build(versions: [String: Int]) throws -> Index {
        var index = Index()
        index.versions = versions
        func each(_ source: GeocodingRules.Source, _ body: (Feature, Layer) throws -> Void) throws {
            guard let layer = try store.layerIfVisible(source.layer, for: .system), layer.kind == .vector else { return }
            for f in try store.features(in: layer.id, for: .system) { try body(f, layer) }
        }
        func centre(_ g: Geometry?) -> Coordinate? {
            guard let g else { return nil }
            if case .point(let p) = g { return p }
            return (try? GEOSContext().pointOnSurface(g)).flatMap { if case .point(let p) = $0 { p } else { nil } } ?? g.boundingBox?.center
        }
        func entry(_ kind: String, _ name: String, _ address: String, _ district: String, _ g: Geometry?, _ layer: String, _ id: Int64?) -> Entry? {
            guard !name.isEmpty, let c = centre(g) else { return nil }
            return Entry(kind: kind, name: name, address: address, district: district, location: c, layer: layer, featureID: id, grams: Self.grams(name))
        }
        let d = rules.districts
        try each(d) { f, layer in
            let name = f.value(d.field("name"), in: layer).description
            if !name.isEmpty && !index.districts.contains(name) { index.districts.append(name) }
        }
        index.districts.sort { $0.count > $1.count }
        // Roads: one entry per name, at the middle of its longest part.
        var roads: [String: (Geometry, Double, Int64)] = [:]
        let r = rules.roads
        try each(r) { f, layer in
            let name = f.value(r.field("name"), in: layer).description
            guard !name.isEmpty, name != "null", let g = f.geometry else { return }
            let length = g.boundingBox.map { $0.width + $0.height } ?? 0
            if length > roads[name]?.1 ?? -1 { roads[name] = (g, length, f.id) }
        }
        for (name, (g, _, id)) in roads {
            var mid = g.boundingBox?.center
            if case .lineString(let cs) = g, !cs.isEmpty { mid = cs[cs.count / 2] }
            if let mid, let e = entry("road", name, name, "", .point(mid), r.layer, id) { index.roads.append(e) }
        }
        index.roads.sort { $0.name.count > $1.name.count }
        let a = rules.addresses
        try each(a) { f, layer in
            let road = f.value(a.field("road"), in: layer).description
            guard case .integer(let n) = f.value(a.field("number"), in: layer) else { return }
            let district = f.value(a.field("district"), in: layer).description
            if let e = entry("address", "\(road)\(n)号", "\(district)\(road)\(n)号", district, f.geometry, a.layer, f.id) {
                index.plates[road, default: []].append((Int(n), e))
            }
        }
        for k in index.plates.keys { index.plates[k]?.sort { $0.0 < $1.0 } }
        let p = rules.places
        try each(p) { f, layer in
            if let e = entry("place", f.value(p.field("name"), in: layer).description, f.value(p.field("address"), in: layer).description,
                             f.value(p.field("district"), in: layer).description, f.geometry, p.layer, f.id) { index.places.append(e) }
        }
        let c = rules.communities
        try each(c) { f, layer in
            let district = f.value(c.field("district"), in: layer).description, street = f.value(c.field("street"), in: layer).description
            let name = f.value(c.field("name"), in: layer).description
            if let e = entry("community", name, "\(district)\(street)\(name)", district, f.geometry, c.layer, f.id) { index.communities.append(e) }
        }
        let s = rules.streets
        try each(s) { f, layer in
            let district = f.value(s.field("district"), in: layer).description, name = f.value(s.field("name"), in: layer).description
            if let e = entry("street", name, "\(district)\(name)", district, f.geometry, s.layer, f.id) { index.streets.append(e) }
        }
        index.finish()
        return index
    }

    // MARK: text

    /// Full-width digits and letters to ASCII, 號 to 号, no spaces or punctuation between parts.
    static func normalize(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0xFF10...0xFF19, 0xFF21...0xFF3A, 0xFF41...0xFF5A: out.unicodeScalars.append(Unicode.Scalar(scalar.value - 0xFEE0)!)
            case 0x3000, 0x20, 0x09, 0x2C, 0xFF0C, 0x3001, 0x2D, 0x2F: continue
            case 0x865F: out.append("号")
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The text without a trailing house number ("…123号" or "…123"), and the number.
    static func trailingNumber(_ text: String) -> (String, Int?) {
        guard let match = text.firstMatch(of: /([0-9]{1,5})号?$/) else { return (text, nil) }
        return (String(text[..<match.range.lowerBound]), Int(match.1))
    }

    /// Character bigrams (and the single characters of very short names).
    static func grams(_ text: String) -> Set<String> {
        let chars = Array(text)
        guard chars.count > 1 else { return Set(chars.map(String.init)) }
        return Set((0..<(chars.count - 1)).map { String(chars[$0]) + String(chars[$0 + 1]) })
    }

    /// Dice similarity of bigrams: 1 for the same text, tolerant of a wrong or missing character.
    static func similarity(_ text: String, _ grams: Set<String>) -> Double {
        let mine = Self.grams(text)
        guard !mine.isEmpty, !grams.isEmpty else { return 0 }
        return 2 * Double(mine.intersection(grams).count) / Double(mine.count + grams.count)
    }
}
