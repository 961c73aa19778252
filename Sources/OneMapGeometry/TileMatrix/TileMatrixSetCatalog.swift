import Foundation

/// The tile matrix sets one server (or command) offers: the built-in WebMercatorQuad and
/// CGCS2000Quad, and one per OGC Two-Dimensional Tile Matrix Set 2.0 JSON file in its `Tiles/`
/// folder, read at start. Adding a file adds a set; a file with a built-in set's id replaces it.
public struct TileMatrixSetCatalog: Sendable {
    public let all: [TileMatrixSet]

    public init(_ sets: [TileMatrixSet]) { all = sets }

    public static let builtIn = TileMatrixSetCatalog(TileMatrixSet.builtIn)

    /// Looks a set up by id, case-insensitively; also accepts TianDiTu's `c`/`w` and EPSG numbers
    /// for the two built-in ones.
    public func named(_ name: String) -> TileMatrixSet? {
        var key = name.lowercased()
        switch key {
        case "w", "3857", "epsg:3857", "googlemapscompatible": key = TileMatrixSet.webMercatorQuad.id.lowercased()
        case "c", "4490", "epsg:4490": key = TileMatrixSet.cgcs2000Quad.id.lowercased()
        default: break
        }
        return all.first { $0.id.lowercased() == key }
    }

    /// The built-in sets and every `*.json` directly in `directory` (subfolders such as `cache/`
    /// are not read); a missing directory gives the built-in sets.
    /// - Throws: `GeometryError.invalid` naming the file and the JSON path at fault.
    public static func load(directory: String?) throws -> TileMatrixSetCatalog {
        var isDirectory: ObjCBool = false
        guard let directory, FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else { return .builtIn }
        var sets = TileMatrixSet.builtIn
        var loaded: Set<String> = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory).filter({ $0.hasSuffix(".json") }).sorted() {
            let path = (directory as NSString).appendingPathComponent(file)
            var set: TileMatrixSet
            do { set = try TileMatrixSet(definition: Data(contentsOf: URL(fileURLWithPath: path))) } catch let e as TileMatrixSet.DefinitionError {
                throw GeometryError.invalid("\(path): \(e.path.isEmpty ? "" : e.path + ": ")\(e.message)")
            }
            guard loaded.insert(set.id.lowercased()).inserted else { throw GeometryError.invalid("\(path): id: \(set.id) is defined twice") }
            if let i = sets.firstIndex(where: { $0.id.lowercased() == set.id.lowercased() }) {
                // The built-in set's exact constants when the file describes it (Foundation's JSON
                // reader can lose a 17th digit: nanometres, but capabilities would show them).
                if set.isSameGrid(as: sets[i]) { set = sets[i] }
                sets[i] = set
            } else {
                sets.append(set)
            }
        }
        return TileMatrixSetCatalog(sets)
    }
}

extension TileMatrixSet {
    /// The same grid to a millionth of a cell: same CRS, levels, origin, cell sizes and matrices.
    func isSameGrid(as other: TileMatrixSet) -> Bool {
        crs == other.crs && minZoom == other.minZoom && maxZoom == other.maxZoom && tileSize == other.tileSize
            && firstMatrixWidth == other.firstMatrixWidth && firstMatrixHeight == other.firstMatrixHeight
            && abs(firstCellSize - other.firstCellSize) <= 1e-12 * other.firstCellSize
            && abs(origin.x - other.origin.x) <= 1e-6 * other.firstCellSize && abs(origin.y - other.origin.y) <= 1e-6 * other.firstCellSize
    }

    /// What is wrong with a definition, and where (`tileMatrices[3].cellSize`).
    public struct DefinitionError: Error, Equatable {
        public var path: String
        public var message: String
    }

    /// A JSON number as Foundation hands it over on Linux (Int, Double or NSNumber); not a Bool.
    private static func numeric(_ value: Any?) -> Double? {
        guard let value, type(of: value) != Bool.self else { return nil }
        switch value {
        case let d as Double: return d
        case let i as Int: return Double(i)
        case let n as NSNumber: return n.doubleValue
        default: return nil
        }
    }

    /// Reads OGC Two-Dimensional Tile Matrix Set 2.0 JSON (as `/ogc/tileMatrixSets/{id}` writes
    /// it). OneMap draws quadtree sets: every level halves the cell size of the one before, with
    /// one origin and twice the tiles across and down.
    /// - Throws: `DefinitionError` with the JSON path at fault.
    public init(definition data: Data) throws {
        func fail(_ path: String, _ message: String) -> DefinitionError { DefinitionError(path: path, message: message) }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { throw fail("", "not a JSON object") }
        let known: Set<String> = ["id", "title", "description", "uri", "crs", "orderedAxes", "wellKnownScaleSet", "tileMatrices", "keywords", "boundingBox"]
        if let extra = object.keys.filter({ !known.contains($0) && !$0.hasPrefix("$comment") }).sorted().first {
            throw fail(extra, "not a key of a tile matrix set")
        }
        guard let id = object["id"] as? String, !id.isEmpty,
              id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }) else {
            throw fail("id", "letters, digits, '_' and '-' (it appears in tile URLs)")
        }
        let crsValue: Any? = object["crs"]
        let crsText = (crsValue as? String) ?? ((crsValue as? [String: Any])?["uri"] as? String)
        guard let crsText else { throw fail("crs", "a CRS URI (http://www.opengis.net/def/crs/EPSG/0/4527)") }
        guard let crs = try? CRS(parsing: crsText) else { throw fail("crs", "'\(crsText)' is not a CRS PROJ or Layers/crs knows") }
        guard let matrices = object["tileMatrices"] as? [[String: Any]], !matrices.isEmpty else {
            throw fail("tileMatrices", "a non-empty list of tile matrices")
        }
        func number(_ m: [String: Any], _ key: String, _ i: Int) throws -> Double {
            guard let n = Self.numeric(m[key]), n.isFinite else { throw fail("tileMatrices[\(i)].\(key)", "a number") }
            return n
        }
        func integer(_ m: [String: Any], _ key: String, _ i: Int) throws -> Int {
            let d = try number(m, key, i)
            guard d == d.rounded(), d >= 1, d <= 1_073_741_824 else { throw fail("tileMatrices[\(i)].\(key)", "a positive whole number") }
            return Int(d)
        }
        var origin = Coordinate(0, 0)
        var firstCell = 0.0, firstWidth = 0, firstHeight = 0, minZoom = 0, tile = 256
        let metersPerUnit = crs.isGeographic ? 6_378_137.0 * 2 * .pi / 360 : 1
        // Reported after the grid's shape, which is the likelier fault when both are off.
        var scaleProblem: DefinitionError?
        for (i, m) in matrices.enumerated() {
            guard let level = (m["id"] as? String).flatMap({ Int($0) }) else { throw fail("tileMatrices[\(i)].id", "a level number (\"0\", \"1\", …)") }
            let cell = try number(m, "cellSize", i)
            guard cell > 0 else { throw fail("tileMatrices[\(i)].cellSize", "must be positive") }
            if let corner = m["cornerOfOrigin"], corner as? String != "topLeft" { throw fail("tileMatrices[\(i)].cornerOfOrigin", "only topLeft is supported") }
            guard let list = m["pointOfOrigin"] as? [Any], list.count == 2, let p0 = Self.numeric(list[0]), let p1 = Self.numeric(list[1]) else {
                throw fail("tileMatrices[\(i)].pointOfOrigin", "two numbers")
            }
            // In the CRS's own axis order: northing or latitude first for EPSG:4490 and the GK zones.
            let o = crs.isNorthFirst ? Coordinate(p1, p0) : Coordinate(p0, p1)
            let (tw, th) = (try integer(m, "tileWidth", i), try integer(m, "tileHeight", i))
            let (mw, mh) = (try integer(m, "matrixWidth", i), try integer(m, "matrixHeight", i))
            guard tw == th else { throw fail("tileMatrices[\(i)].tileHeight", "tiles must be square") }
            defer {
                if let scale = m["scaleDenominator"], !(Self.numeric(scale).map { abs($0 - cell * metersPerUnit / 0.000_28) <= 1e-6 * $0 } ?? false) {
                    scaleProblem = scaleProblem ?? fail("tileMatrices[\(i)].scaleDenominator",
                                                        "disagrees with cellSize (cellSize × metres per unit / 0.00028 = \(cell * metersPerUnit / 0.000_28))")
                }
            }
            if i == 0 {
                (origin, firstCell, firstWidth, firstHeight, minZoom, tile) = (o, cell, mw, mh, level, tw)
                continue
            }
            let at = "tileMatrices[\(i)]"
            guard level == minZoom + i else { throw fail("\(at).id", "levels must count up by one from \(minZoom); expected \(minZoom + i)") }
            guard abs(cell - firstCell / pow(2, Double(i))) <= 1e-9 * cell else { throw fail("\(at).cellSize", "must be half the level before (\(firstCell / pow(2, Double(i))))") }
            guard abs(o.x - origin.x) <= 1e-9 * max(1, abs(origin.x)), abs(o.y - origin.y) <= 1e-9 * max(1, abs(origin.y)) else {
                throw fail("\(at).pointOfOrigin", "must be the first level's")
            }
            guard tw == tile else { throw fail("\(at).tileWidth", "must be the first level's (\(tile))") }
            guard mw == firstWidth << i, mh == firstHeight << i else {
                throw fail("\(at).matrixWidth", "must double each level (\(firstWidth << i) × \(firstHeight << i))")
            }
        }
        if let scaleProblem { throw scaleProblem }
        self.init(id: id, title: (object["title"] as? String) ?? id, crs: crs, uri: object["uri"] as? String, origin: origin,
                  firstCellSize: firstCell, firstMatrixWidth: firstWidth, firstMatrixHeight: firstHeight, minZoom: minZoom,
                  maxZoom: minZoom + matrices.count - 1, tileSize: tile, wellKnownScaleSet: object["wellKnownScaleSet"] as? String)
    }
}
