import Foundation
import OneMapAnalysis
import OneMapGeometry
import OneMapRender
import OneMapStore
import OneMapTestSupport

/// What the targets that need a city run against: the small planning, emergency and grid cities
/// of the tests, built once per process in a temporary folder.
final class FuzzFixtures: Sendable {
    static let shared: FuzzFixtures = {
        do { return try FuzzFixtures() } catch { fatalError("the fuzz fixtures could not be built: \(error)") }
    }()

    let directory: String
    let styleEnvironment: StyleEnvironment
    let calendar: WorkCalendar
    let processes: [any AnalysisProcess]
    let geocoder: Geocoder

    private init() throws {
        directory = NSTemporaryDirectory() + "onemap-fuzz-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let planning = try PlanningCity.build(in: directory + "/planning")
        let emergency = try EmergencyCity.build(in: directory + "/emergency")
        let grid = try GridCity.build(in: directory + "/grid")
        styleEnvironment = StyleEnvironment(layers: planning.snapshot.layers, fontExists: { $0.hasPrefix("Noto") }, icons: ["hospital", "school", "fire"])
        let planningRules = try PlanningRules.load(path: PlanningCity.rulesPath)
        let emergencyRules = try EmergencyRules.load(path: EmergencyCity.rulesPath)
        let network = RoadNetwork(store: emergency, rules: emergencyRules)
        processes = [
            SiteReviewProcess(store: planning, rules: planningRules), ControlLineConflictsProcess(store: planning, rules: planningRules),
            PlanCompareProcess(store: planning, rules: planningRules), AreaStatisticsProcess(store: planning, rules: planningRules),
            ImpactRingsProcess(store: emergency, rules: emergencyRules), FloodProcess(store: emergency, rules: emergencyRules),
            ShelterAllocationProcess(store: emergency, rules: emergencyRules), ElevationProfileProcess(store: emergency, rules: emergencyRules),
            NearestResourcesProcess(network: network), ServiceAreaProcess(network: network), RouteProcess(network: network),
        ]
        calendar = try WorkCalendar.load(path: grid.layers + "/rules/calendar.json")
        geocoder = Geocoder(store: grid.store, rules: try GeocodingRules.load(path: grid.layers + "/rules/geocoding.json"))
    }

    /// Checks an execute request's inputs: `{"process": id, "inputs": {…}}`, or any object as the
    /// inputs of the process its first byte picks. Only `prepare` runs (where every input error is
    /// thrown); the analysis itself is not.
    func prepareProcess(_ bytes: [UInt8]) {
        guard let json = try? JSONValue.parse(bytes), let object = json.object else { return }
        let process: any AnalysisProcess
        let inputs: [String: JSONValue]
        if let id = json["process"]?.string, let named = processes.first(where: { $0.description.id == id }) {
            process = named
            inputs = Dictionary(json["inputs"]?.object ?? [], uniquingKeysWith: { a, _ in a })
        } else {
            process = processes[Int(bytes.first ?? 0) % processes.count]
            inputs = Dictionary(object, uniquingKeysWith: { a, _ in a })
        }
        _ = try? process.prepare(ProcessInputs(inputs), for: .system)
    }

    /// A folder for the files the file-reading targets write (without building the cities).
    static let files: String = {
        let folder = NSTemporaryDirectory() + "onemap-fuzz-files-\(getpid())"
        do { try FileManager.default.createDirectory(atPath: folder + "/crs", withIntermediateDirectories: true) } catch {
            fatalError("cannot make \(folder): \(error)")
        }
        return folder
    }()

    /// Writes `bytes` to a file of this name in a scratch folder and hands its path on.
    static func withFile(_ bytes: [UInt8], named name: String, _ body: (String) -> Void) {
        let path = files + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { fatalError("cannot write \(path)") }
        body(path)
    }
}
