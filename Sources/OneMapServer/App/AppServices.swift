import Foundation
import Logging
import OneMapAnalysis
import OneMapGeometry
import OneMapRender
import OneMapStore
import OneMapTiles

/// Everything the routes use, built once at start-up (never per request).
public final class AppServices: Sendable {
    public let configuration: ServerConfiguration
    public let store: Store
    public let maps: MapCatalog
    public let watcher: StoreWatcher
    public let pool: RenderPool
    public let tiles: TileService
    public let metrics: ServerMetrics
    public let logger: Logger
    public let features: FeatureService
    public let edits: FeatureEditService
    public let identify: IdentifyService
    public let search: SearchService
    public let authenticator: any Authenticator
    public let limits: RateLimits
    /// The analyses (OGC API – Processes) and their jobs.
    public let processes: ProcessService
    /// The city's planning-review rules, when its `Layers/rules` has them.
    public let planningRules: PlanningRules?
    /// The 数字城管 centre (cases and geocoding), when `Layers/rules` has its rules.
    public let cases: CaseService?
    /// 应急一张图 (incidents and the live situation), when `Layers/rules` has its rules.
    public let incidents: IncidentService?
    /// The live situation (unit positions and incident changes for command screens).
    public let live: LiveSituation?
    /// The road network the emergency analyses (and the unit simulator) route over.
    public let network: RoadNetwork?
    /// The CRSs offered for output (features, WMS, identify): `<layers>/crs/offered.json`, else
    /// CGCS2000, WGS 84, Web Mercator, the Gauss-Krüger zones over the city and its named systems.
    public let offeredCRS: [CRS]

    public init(configuration: ServerConfiguration, authenticator: (any Authenticator)? = nil,
                logger: Logger = Logger(label: "onemap")) throws {
        self.configuration = configuration
        self.logger = logger
        store = try Store(path: configuration.storePath, readReplica: configuration.readReplica, logger: logger)
        offeredCRS = try Self.offeredCRS(configuration, store: store)
        metrics = ServerMetrics()
        let pipeline = try configuration.tilePipeline(store: store, metrics: metrics.tiles, logger: logger)
        maps = pipeline.maps
        watcher = pipeline.watcher
        pool = pipeline.pool
        tiles = pipeline.service
        features = FeatureService(store: store)
        edits = FeatureEditService(store: store, watcher: watcher)
        identify = IdentifyService(store: store, tiles: tiles)
        self.authenticator = authenticator ?? StoreAuthenticator(store: store)
        limits = RateLimits(requestsPerSecond: configuration.requestsPerSecond, burst: configuration.requestBurst,
                            failuresPerMinute: configuration.failedTokensPerMinute)
        planningRules = try Self.planningRules(configuration, logger: logger)
        cases = try Self.caseService(configuration, store: store, logger: logger)
        search = SearchService(store: store, places: cases?.geocoder)
        let store = self.store
        let incidents = try Self.incidentService(configuration, store: store, logger: logger)
        let network = incidents.map { RoadNetwork(store: store, rules: $0.rules) }
        self.incidents = incidents
        self.network = network
        live = try incidents.map { try LiveSituation(store: store, rules: $0.rules, incidents: $0) }
        processes = try ProcessService(store: store, processes: Self.processes(store: store, planning: planningRules, network: network)) { work in
            try await Blocking.run(work)
        }
    }

    /// The city's named CRSs registered, then the offered list; a broken file stops start-up.
    static func offeredCRS(_ configuration: ServerConfiguration, store: Store) throws -> [CRS] {
        var named: [NamedCRS] = []
        if let dir = configuration.layersDirectory {
            let crsDirectory = (dir as NSString).appendingPathComponent("crs")
            named = try CRSRegistry.load(directory: crsDirectory)
            if let list = try OfferedCRS.load(directory: crsDirectory) { return list }
        }
        return OfferedCRS.derived(over: MapExtent.of(try store.layers(for: .system)), named: named)
    }

    /// The rules file when present; a broken one stops start-up with every problem it has.
    static func planningRules(_ configuration: ServerConfiguration, logger: Logger) throws -> PlanningRules? {
        guard let dir = configuration.layersDirectory else { return nil }
        let path = PlanningRules.file(in: dir)
        guard FileManager.default.fileExists(atPath: path) else {
            logger.notice("no planning rules at \(path): planning analyses are not offered")
            return nil
        }
        return try PlanningRules.load(path: path)
    }

    /// The case service when the calendar, case and geocoding rules are all there; broken files
    /// stop start-up with every problem they have.
    static func caseService(_ configuration: ServerConfiguration, store: Store, logger: Logger) throws -> CaseService? {
        guard let dir = configuration.layersDirectory else { return nil }
        guard let service = try CaseService.load(layersDirectory: dir, store: store) else {
            logger.notice("no 数字城管 rules in \(dir)/rules: cases and geocoding are not offered")
            return nil
        }
        return service
    }

    /// The incident service when the emergency rules are there; a broken file stops start-up.
    static func incidentService(_ configuration: ServerConfiguration, store: Store, logger: Logger) throws -> IncidentService? {
        guard let dir = configuration.layersDirectory else { return nil }
        let path = EmergencyRules.file(in: dir)
        guard FileManager.default.fileExists(atPath: path) else {
            logger.notice("no emergency rules at \(path): incidents and emergency analyses are not offered")
            return nil
        }
        return try IncidentService(store: store, rules: try EmergencyRules.load(path: path))
    }

    /// Every analysis the configuration allows, in the order `/ogc/processes` lists them.
    static func processes(store: Store, planning: PlanningRules?, network: RoadNetwork?) -> [any AnalysisProcess] {
        var list: [any AnalysisProcess] = []
        if let rules = planning {
            list += [SiteReviewProcess(store: store, rules: rules), ControlLineConflictsProcess(store: store, rules: rules),
                     PlanCompareProcess(store: store, rules: rules), AreaStatisticsProcess(store: store, rules: rules)] as [any AnalysisProcess]
        }
        if let network {
            let rules = network.rules
            list += [ImpactRingsProcess(store: store, rules: rules), NearestResourcesProcess(network: network), ServiceAreaProcess(network: network),
                     RouteProcess(network: network), FloodProcess(store: store, rules: rules), ShelterAllocationProcess(store: store, rules: rules),
                     ElevationProfileProcess(store: store, rules: rules)] as [any AnalysisProcess]
        }
        return list
    }
}
