import Foundation
import OneMapGeometry
import OneMapStore

/// 淹没分析 from the DEM: at a water level, the cells at or below it, either all of them in the
/// region (无源淹没) or only those connected to a seed cell through cells at or below it (有源
/// 淹没, the way water actually spreads from a breach). Read at the DEM's native resolution
/// (level 0 of the pyramid: the source's own values); no-data cells never flood and stop the
/// spread. The result: polygons, area, depth statistics, the facilities and the people inside.
public struct Flood: Sendable {
    public let store: Store
    public let rules: EmergencyRules

    public init(store: Store, rules: EmergencyRules) {
        self.store = store
        self.rules = rules
    }

    public struct Request: Sendable {
        public var level: Double
        /// lon/lat; nil for 无源 (every cell at or below the level).
        public var seed: Coordinate?
        /// lon/lat polygon bounding the work; nil for the whole DEM (within the cell limit).
        public var region: Geometry?
        /// 4 or 8 neighbours for the spread from the seed.
        public var connectivity: Int = 8
        public var layer: String?

        public init(level: Double, seed: Coordinate?, region: Geometry?, connectivity: Int = 8, layer: String? = nil) {
            self.level = level
            self.seed = seed
            self.region = region
            self.connectivity = connectivity
            self.layer = layer
        }
    }

    /// The flooded cells of a window: the mask and the grid they belong to.
    public struct Cells: Sendable {
        let window: DEMWindow
        public let flooded: [Bool]
        public var count: Int
        public var width: Int { window.width }
        public var height: Int { window.height }
        /// Water depth (level − ground) per cell, NaN where dry.
        public func depth(level: Double) -> [Float] {
            zip(window.values, flooded).map { v, f in f ? Float(level) - v : .nan }
        }
    }

    /// Finds the flooded cells (no polygons): the part benchmarks time against r.lake.
    /// - Throws: `AnalysisError.invalidInput` for a level below the lowest cell or absurdly high,
    ///   a seed outside the DEM or on no-data or above the water, a region too large.
    public func cells(_ request: Request, for principal: Principal) throws -> Cells {
        let layerID = request.layer ?? rules.floodLayer
        guard let layer = try store.layerIfVisible(layerID, for: principal), layer.kind == .dem, let info = layer.raster else {
            throw AnalysisError.invalidInput(input: "layer", detail: "no DEM layer '\(layerID)'")
        }
        guard request.connectivity == 4 || request.connectivity == 8 else {
            throw AnalysisError.invalidInput(input: "connectivity", detail: "must be 4 or 8")
        }
        let toStorage: (Geometry) throws -> Geometry = { g in
            layer.storageCRS.isDisplayEquivalent(to: .cgcs2000) ? g : try CoordinateTransform(from: .cgcs2000, to: layer.storageCRS).apply(g)
        }
        var storageRegion: Geometry?
        var box = info.extent
        if let region = request.region {
            guard region.type == .polygon || region.type == .multiPolygon, let b = try toStorage(region).boundingBox else {
                throw AnalysisError.invalidInput(input: "region", detail: "must be a Polygon or MultiPolygon")
            }
            storageRegion = try toStorage(region)
            box = b
        }
        var window = try DEMWindow.read(layer, box: box, store: store, maxCells: rules.maxFloodCells, input: request.region == nil ? "layer" : "region")
        if let storageRegion {
            let inside = window.mask(inside: storageRegion)
            for i in 0..<window.values.count where !inside[i] { window.values[i] = .nan }
        }
        var lowest = Float.infinity, highest = -Float.infinity
        for v in window.values where !v.isNaN { lowest = min(lowest, v); highest = max(highest, v) }
        guard lowest.isFinite else { throw AnalysisError.invalidInput(input: "region", detail: "holds no DEM data") }
        let level = Float(request.level)
        guard level >= lowest else {
            throw AnalysisError.invalidInput(input: "level", detail: "\(request.level) m is below the lowest ground in the region (\(lowest) m): nothing floods")
        }
        guard request.level <= Double(highest) + rules.maxLevelAboveHighest else {
            throw AnalysisError.invalidInput(input: "level", detail: "\(request.level) m is more than \(rules.maxLevelAboveHighest) m above the highest ground (\(highest) m)")
        }
        var flooded = [Bool](repeating: false, count: window.values.count)
        var count = 0
        let w = window.width, h = window.height
        if let seed = request.seed {
            guard case .point(let p) = try toStorage(.point(seed)), let (sx, sy) = window.cell(at: p) else {
                throw AnalysisError.invalidInput(input: "seed", detail: "lies outside the DEM or the region")
            }
            let s = sy * w + sx
            let ground = window.values[s]
            guard !ground.isNaN else { throw AnalysisError.invalidInput(input: "seed", detail: "lies on a no-data cell of the DEM") }
            guard ground <= level else {
                throw AnalysisError.invalidInput(input: "seed", detail: "ground there is \(ground) m, above the water level \(request.level) m")
            }
            // Flood fill by a stack of cell indexes.
            var stack = [Int32(s)]
            flooded[s] = true
            count = 1
            let eight = request.connectivity == 8
            window.values.withUnsafeBufferPointer { v in
                flooded.withUnsafeMutableBufferPointer { f in
                    while let top = stack.popLast() {
                        let i = Int(top), x = i % w, y = i / w
                        for dy in -1...1 {
                            let ny = y + dy
                            guard ny >= 0, ny < h else { continue }
                            for dx in -1...1 where (dx != 0 || dy != 0) && (eight || dx == 0 || dy == 0) {
                                let nx = x + dx
                                guard nx >= 0, nx < w else { continue }
                                let j = ny * w + nx
                                // NaN compares false: no-data never floods.
                                if !f[j] && v[j] <= level {
                                    f[j] = true
                                    count += 1
                                    stack.append(Int32(j))
                                }
                            }
                        }
                    }
                }
            }
        } else {
            for i in 0..<window.values.count where window.values[i] <= level {
                flooded[i] = true
                count += 1
            }
        }
        return Cells(window: window, flooded: flooded, count: count)
    }

    /// - Parameter cells: the request's cells when already found.
    /// The layer flood depths are saved as (a DEM-kind layer the `emergency` map draws).
    public static let depthLayer = "flood_depth"

    /// Saves the water depth of `cells` as the raster layer `flood_depth` (replacing the last
    /// one), so the tile service draws it; its tiles go stale like any import.
    /// - Returns: the layer.
    @discardableResult
    public func saveDepth(_ cells: Cells, level: Double, title: String) throws -> Layer {
        let window = cells.window
        let directory = NSTemporaryDirectory() + "onemap-flood-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/depth.tif"
        guard case .epsg(let epsg) = window.layer.storageCRS.code else { throw AnalysisError.invalidInput(input: "layer", detail: "the DEM's CRS has no EPSG code") }
        let origin = window.corner(0, 0)
        let writer = try GeoTIFFWriter(path: path, width: window.width, height: window.height, bands: 1, sample: .float32, epsg: epsg,
                                       originX: origin.x, originY: origin.y, cellSize: window.info.cellWidth, noData: -9999)
        try writer.write(band: 1, y0: 0, rows: window.height, values: cells.depth(level: level).map { $0.isNaN ? -9999 : $0 })
        try writer.close()
        return try store.importLayer(ImportRequest(source: path, layerID: Self.depthLayer, kind: .dem, replace: true, writesLayerFile: false,
                                                   title: title, group: "emergency", access: .internal, synthetic: false,
                                                   sourceDescription: "淹没分析（flood 过程）按水位 \(level) 米计算的水深")).layer
    }

    public func run(_ request: Request, cells found: Cells? = nil, for principal: Principal, progress: ProcessProgress = { _, _ in }) throws -> JSONValue {
        let cells = try found ?? cells(request, for: principal)
        try progress(30, "淹没范围")
        let window = cells.window
        let geos = GEOSContext()
        let reader = AnalysisReader(store: store, principal: principal)
        let areas = try window.cellAreas()
        var area = 0.0, depthSum = 0.0, deepest = 0.0
        var depthBands = [0.0, 0.0, 0.0, 0.0]  // < 0.5, 0.5–1.5, 1.5–3, ≥ 3 m
        for y in 0..<window.height {
            for x in 0..<window.width where cells.flooded[y * window.width + x] {
                let d = request.level - Double(window.values[y * window.width + x])
                area += areas[y]
                depthSum += d * areas[y]
                deepest = max(deepest, d)
                depthBands[d < 0.5 ? 0 : d < 1.5 ? 1 : d < 3 ? 2 : 3] += areas[y]
            }
        }
        var polygon = try window.polygons(cells.flooded, geos: geos)
        if !window.layer.storageCRS.isDisplayEquivalent(to: .cgcs2000) { polygon = try reader.lonLat(polygon, from: window.layer.storageCRS) }
        try progress(60, "淹没范围矢量化")
        var facilities: [JSONValue] = []
        var people: (perArea: [Double], communities: [(name: String, population: Double, share: Double)])?
        if cells.count > 0 {
            for f in rules.facilities {
                guard let layer = try reader.layer(f.layer, for: "淹没范围内\(f.title)"),
                      let found = try reader.features(f.layer, .intersecting(polygon, crs: .cgcs2000), for: "淹没范围内\(f.title)") else { continue }
                for m in found {
                    var depth: JSONValue = .null
                    if let g = m.feature.geometry, case .point(let c) = g,
                       let ground = try? store.elevation(layer: window.layer.id, at: c, crs: .cgcs2000, for: principal) {
                        depth = .number(((request.level - ground) * 100).rounded() / 100)
                    }
                    facilities.append(.object([("layer", .string(f.layer)), ("title", .string(f.title)), ("id", .number(Double(m.feature.id))),
                                               ("name", .string(m.feature.text(f.nameField, in: layer))), ("depth", depth)]))
                }
            }
            let frame = try LocalFrame(around: polygon, source: .cgcs2000)
            people = try PopulationEstimate.apportion([try frame.project(polygon)], frame: frame, reader: reader, rules: rules, geos: geos, purpose: "受淹人口估算")
        }
        try progress(90, "受淹设施与人口")
        func r(_ v: Double, _ d: Double = 100) -> JSONValue { .number((v * d).rounded() / d) }
        return .object([
            ("mode", .string(request.seed == nil ? "无源淹没" : "有源淹没")), ("level", .number(request.level)),
            ("seed", request.seed.map { .numbers([$0.x, $0.y]) } ?? .null), ("connectivity", .number(Double(request.connectivity))),
            ("dem", .object([("layer", .string(window.layer.id)), ("cellWidth", .number(window.info.cellWidth)), ("cellHeight", .number(window.info.cellHeight)),
                             ("crs", .string(window.layer.storageCRS.identifier)), ("cellsRead", .number(Double(window.width * window.height)))])),
            ("floodedCells", .number(Double(cells.count))),
            ("area", .object([("m2", r(area)), ("km2", r(area / 1e6, 1e4)), ("mu", r(area / AreaFigures.squareMetresPerMu))])),
            ("depth", .object([("max", r(deepest)), ("mean", area > 0 ? r(depthSum / area) : .null),
                               ("areaByDepthM2", .object([("<0.5", r(depthBands[0])), ("0.5-1.5", r(depthBands[1])), ("1.5-3", r(depthBands[2])), (">=3", r(depthBands[3]))]))])),
            ("extent", .object([("type", .string("Feature")), ("geometry", GeoJSON.value(polygon)), ("properties", .object([("level", .number(request.level))]))])),
            ("facilities", .array(facilities)),
            ("population", people.map { p in
                .object([("estimate", .number((p.perArea.first ?? 0).rounded())), ("isEstimate", .bool(true)), ("method", .string(PopulationEstimate.method))])
            } ?? .object([("estimate", .null), ("reason", .string(reader.leftOut.isEmpty ? "无淹没范围" : "人口数据为涉密图层，调用者无权查看"))])),
            ("layersLeftOut", reader.leftOutJSON),
        ])
    }
}
