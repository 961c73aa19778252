import ArgumentParser
import Foundation
import OneMapAnalysis
import OneMapGeometry
import OneMapStore

/// Times the 数字城管 operations in one process for Tools/bench/cases: point → grid lookups, case
/// transitions (挂账 and 解除挂账 in turn, through the whole service: access, workflow, store,
/// audit, catalog) and the evaluation of a period for all streets. Prints milliseconds per
/// operation as JSON.
struct BenchCasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-cases", abstract: "Time case operations (for Tools/bench/cases).", shouldDisplay: false)

    @OptionGroup var options: StoreOptions

    @Option(help: "Points to look up: 'lon lat' per line.")
    var points: String

    @Option(help: "Case ids to take through 挂账/解除挂账: one per line.")
    var cases: String

    @Option(help: "The evaluated period's start (ISO 8601).")
    var from: String

    @Option(help: "The evaluated period's end (ISO 8601).")
    var to: String

    @Option(help: "Timed evaluations.")
    var evaluations: Int = 20

    @Option(help: "Which part: grid, transition, evaluation or all.")
    var part: String = "all"

    func run() throws {
        try reportingErrors {
            guard let layers = options.layersDirectory ?? RepositoryPaths.layersDirectory() else { throw CLIError(description: "pass --layers") }
            let store = try options.open()
            guard let service = try CaseService.load(layersDirectory: layers, store: store) else { throw CLIError(description: "no case rules in \(layers)/rules") }
            func ms(_ since: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - since) / 1e6 }
            var out: [String: Any] = [:]
            if part == "all" || part == "grid" {
                let list = try String(contentsOfFile: points, encoding: .utf8).split(separator: "\n").compactMap { line -> Coordinate? in
                    let p = line.split(separator: " ").compactMap { Double($0) }
                    return p.count == 2 ? Coordinate(p[0], p[1]) : nil
                }
                var times: [Double] = [], found: [String] = []
                for (i, p) in (list.prefix(50) + list).enumerated() {
                    let t = DispatchTime.now().uptimeNanoseconds
                    let g = try service.geocoder.grid(at: p, for: .system)
                    if i >= 50 { times.append(ms(t)); found.append(g.gridCode) }
                }
                out["grid"] = times
                out["gridCodes"] = found
            }
            if part == "all" || part == "transition" {
                let ids = try String(contentsOfFile: cases, encoding: .utf8).split(separator: "\n").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
                var times: [Double] = []
                for (i, id) in ids.enumerated() {
                    for action in ["suspend", "resume"] {
                        let t = DispatchTime.now().uptimeNanoseconds
                        _ = try service.act(on: id, CaseActionInput(action: action), by: .system)
                        if i >= 10 { times.append(ms(t)) }
                    }
                }
                out["transition"] = times
            }
            if part == "all" || part == "evaluation" {
                guard let a = try? Date(from, strategy: .iso8601), let b = try? Date(to, strategy: .iso8601) else { throw CLIError(description: "--from and --to must be ISO 8601") }
                var times: [Double] = []
                var groups: [[String: Any]] = []
                for i in 0..<(evaluations + 3) {
                    let t = DispatchTime.now().uptimeNanoseconds
                    let metrics = try service.evaluate(by: .street, from: a, to: b, for: .system)
                    if i >= 3 { times.append(ms(t)) }
                    groups = metrics.map { ["key": $0.row.key, "filed": $0.row.filed, "closed": $0.row.closed, "closedOnTime": $0.row.closedOnTime] }
                }
                out["evaluation"] = times
                out["groups"] = groups
            }
            let data = try JSONSerialization.data(withJSONObject: out)
            FileHandle.standardOutput.write(data)
        }
    }
}
