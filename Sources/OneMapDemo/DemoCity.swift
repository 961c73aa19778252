import Foundation
import OneMapAnalysis
import OneMapGeometry
import OneMapStore

/// Builds the demo city, central Cangzhou (运河区 130903 and 新华区 130902), into a store.
///
/// Real parts: the administrative boundaries (GCJ-02, converted on import) and the DEM of
/// China. Everything else is generated from `seed` inside the real district boundaries and
/// imported through the ordinary importer from GeoJSON text sequences and GeoTIFFs, each layer
/// with its file in `Layers/`.
public enum DemoCity {
    public struct Options: Sendable {
        public var seed: UInt64 = 20_261_123
        /// Multiplies the generated buildings, components and points of interest.
        public var scale: Int = 1
        /// Where the layer files live (`Layers/`).
        public var layersDirectory: String
        /// Where the real source data lives (`Layers/data/`).
        public var dataDirectory: String
        /// DOM cell size in degrees (0.00004° ≈ 3.5 × 4.4 m).
        public var orthophotoCellSize = 0.00004
        /// Fine DEM cell size in degrees (0.0001° ≈ 9 × 11 m).
        public var elevationCellSize = 0.0001
        /// 数字城管 cases replayed over the last `caseDays` days (0: none), ending at `caseEnd`.
        public var caseCount = 6000
        public var caseDays = 90
        public var caseEnd = Date()

        public init(layersDirectory: String, dataDirectory: String) {
            self.layersDirectory = layersDirectory
            self.dataDirectory = dataDirectory
        }
    }

    /// Generates and imports every demo layer (replacing earlier demo layers of the same ids).
    /// - Returns: the import summaries, in import order.
    public static func build(into store: Store, options: Options, log: @escaping (String) -> Void) throws -> [ImportSummary] {
        let work = NSTemporaryDirectory() + "onemap-demo-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        // ONEMAP_DEMO_KEEP=1 keeps the generated sources (GeoJSON sequences, GeoTIFFs) for inspection.
        let keep = ProcessInfo.processInfo.environment["ONEMAP_DEMO_KEEP"] == "1"
        defer { if !keep { try? FileManager.default.removeItem(atPath: work) } else { log("kept sources in \(work)") } }
        var summaries: [ImportSummary] = []
        func importLayer(_ id: String, _ source: String, kind: LayerKind = .vector, srs: CRS? = CityFrame.crs) throws {
            let started = Date()
            let summary = try store.importLayer(ImportRequest(
                source: source, layerID: id, kind: kind, srs: srs, replace: true, layersDirectory: options.layersDirectory))
            summaries.append(summary)
            let count = kind == .vector ? "\(summary.written) features" : "\(summary.tiles) tiles"
            log(String(format: "  imported %@: %@ (%.1f s)", id, count, Date().timeIntervalSince(started)))
        }

        // Real data first: the boundaries define where the city is generated.
        try importLayer("admin", (options.dataDirectory as NSString).appendingPathComponent("cangzhou_admin.geojson"), srs: .gcj02)
        try importLayer("dem_china", (options.dataDirectory as NSString).appendingPathComponent("china_dem.tif"), kind: .dem, srs: nil)
        // The Helsinki OpenStreetMap extract behind the `helsinki` map (the renderer's benchmark against Mapnik).
        let helsinki = (options.dataDirectory as NSString).appendingPathComponent("Helsinki.osm.pbf")
        for (id, sourceLayer) in [("helsinki_points", "points"), ("helsinki_lines", "lines"), ("helsinki_polygons", "multipolygons")] {
            let started = Date()
            let summary = try store.importLayer(ImportRequest(source: helsinki, layerID: id, sourceLayer: sourceLayer, replace: true,
                                                              layersDirectory: options.layersDirectory))
            summaries.append(summary)
            log(String(format: "  imported %@: %d features (%.1f s)", id, summary.written, Date().timeIntervalSince(started)))
        }
        let admin = try store.layer("admin", for: .system)
        let toLocal = try CoordinateTransform(from: admin.storageCRS, to: CityFrame.crs)
        var districts: [(code: String, name: String, polygon: Geometry)] = []
        for code in ["130903", "130902"] {
            guard let feature = try store.features(in: "admin", for: .system).first(where: { $0.value("adcode", in: admin) == .text(code) }),
                let geometry = feature.geometry
            else { throw DemoError.missingData("district \(code) is not in the admin layer") }
            districts.append((code, feature.value("name", in: admin).description, try toLocal.apply(geometry)))
        }

        let city = try CityGenerator(seed: options.seed, scale: options.scale, districts: districts, log: log)
        try city.buildCanal()
        try city.buildUrbanArea()
        try city.buildRoads()
        try city.buildRiver()
        try city.buildBlocks()
        try city.buildWaterBodies()
        let buildings = try city.buildBuildings()
        try city.buildTrees()

        func layer(_ id: String, _ body: (GeoJSONSeqWriter) throws -> Void) throws {
            let path = (work as NSString).appendingPathComponent("\(id).geojsonl")
            let writer = try GeoJSONSeqWriter(path: path)
            try body(writer)
            try writer.close()
            try importLayer(id, path)
            if !keep { try? FileManager.default.removeItem(atPath: path) }
        }
        try layer("roads") { city.writeRoads($0) }
        try layer("addresses") { city.writeAddresses($0) }
        try layer("water") { try city.writeWater($0) }
        try layer("waterways") { city.writeWaterways($0) }
        try layer("buildings") { city.writeBuildings(buildings, $0) }
        var grid = try city.buildGrids()
        try city.estimatePopulation(&grid, buildings: buildings)
        do {
            let paths = ["unit_grids", "communities", "streets", "population"].map { (work as NSString).appendingPathComponent("\($0).geojsonl") }
            let writers = try paths.map { try GeoJSONSeqWriter(path: $0) }
            try city.writeGrids(grid, unitGrids: writers[0], communities: writers[1], streets: writers[2], population: writers[3])
            for (id, writer) in zip(["unit_grids", "communities", "streets", "population"], writers) {
                try writer.close()
                try importLayer(id, writer.path)
            }
        }
        try layer("planning") { try city.writePlanning($0) }
        try layer("planning_draft") { try city.writePlanningDrafts($0) }
        try layer("landuse") { try city.writeLandUse($0) }
        try layer("control_lines") { try city.writeControlLines($0) }
        city.nameParks()
        try layer("components") { try city.writeComponents(grid, $0) }
        try layer("pois") { city.writePOIs($0) }
        try layer("env_stations") { city.writeEnvironmentStations($0) }
        try layer("pollution_sources") { city.writePollutionSources($0) }
        try layer("water_protection") { try city.writeWaterProtection($0) }
        try layer("shelters") { try city.writeShelters($0) }
        try layer("hospitals") { city.writeHospitals($0) }
        try layer("fire_stations") { city.writeFireStations($0) }
        try layer("schools") { city.writeSchools($0) }
        try layer("hazmat_sites") { city.writeHazardousSites($0) }

        var started = Date()
        let coarse = try coarseElevation(store)
        let dem = (work as NSString).appendingPathComponent("dem.tif")
        try Terrain(city: city, cellSize: options.elevationCellSize, coarse: coarse).write(to: dem)
        log(String(format: "  computed the fine DEM (%.1f s)", Date().timeIntervalSince(started)))
        try importLayer("dem", dem, kind: .dem, srs: nil)

        started = Date()
        let dom = (work as NSString).appendingPathComponent("dom.tif")
        try Orthophoto(city: city, buildings: buildings, cellSize: options.orthophotoCellSize).write(to: dom)
        log(String(format: "  painted the orthophoto (%.1f s)", Date().timeIntervalSince(started)))
        try importLayer("dom", dom, kind: .dom, srs: nil)

        if options.caseCount > 0 {
            started = Date()
            guard let service = try CaseService.load(layersDirectory: options.layersDirectory, store: store) else {
                throw DemoError.missingData("\(options.layersDirectory)/rules lacks the 数字城管 rules")
            }
            try CaseCentreStaff.create(in: store, rules: service.rules)
            let n = try CaseHistory(service: service, seed: options.seed).generate(count: options.caseCount, days: options.caseDays, end: options.caseEnd)
            log(String(format: "  replayed %d cases and added the centre's users (%.1f s)", n, Date().timeIntervalSince(started)))
        }
        let emergencyRules = EmergencyRules.file(in: options.layersDirectory)
        if FileManager.default.fileExists(atPath: emergencyRules) {
            let service = try IncidentService(store: store, rules: try EmergencyRules.load(path: emergencyRules))
            let made = try DemoIncidents.create(service)
            log("  added \(made.count) incidents, the command centre's users and \(DemoIncidents.units.count) units")
        }
        // The catalog takes the layer files' metadata (the case layer is made by its workflow, not imported).
        try store.syncMetadata(from: try LayerFile.loadAll(directory: options.layersDirectory))
        try store.checkpoint()
        return summaries
    }

    /// Bilinear interpolation between the centres of the real DEM's 0.2° cells around the city
    /// (read once from the imported `dem_china` layer).
    static func coarseElevation(_ store: Store) throws -> (Double, Double) -> Double {
        let layer = try store.layer("dem_china", for: .system)
        guard let info = layer.raster else { throw DemoError.missingData("dem_china is not a raster") }
        var values: [Int: Double] = [:]
        for i in 228...240 {
            for j in 101...113 {
                let c = Coordinate(info.originX + (Double(i) + 0.5) * info.cellWidth, info.originY - (Double(j) + 0.5) * info.cellHeight)
                values[i * 1000 + j] = try store.elevation(layer: "dem_china", at: c, for: .system) ?? 0
            }
        }
        return { lon, lat in
            let fx = (lon - info.originX) / info.cellWidth - 0.5, fy = (info.originY - lat) / info.cellHeight - 0.5
            let i = Int(floor(fx)), j = Int(floor(fy))
            let tx = fx - Double(i), ty = fy - Double(j)
            func v(_ a: Int, _ b: Int) -> Double { values[a * 1000 + b] ?? values[i * 1000 + j] ?? 0 }
            return (v(i, j) * (1 - tx) + v(i + 1, j) * tx) * (1 - ty) + (v(i, j + 1) * (1 - tx) + v(i + 1, j + 1) * tx) * ty
        }
    }
}
