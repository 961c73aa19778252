import ArgumentParser
import Foundation
import OneMapDemo
import OneMapStore

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Build the demo city (central Cangzhou) into the store.")

    @OptionGroup var options: StoreOptions

    @Option(help: "Multiplies the generated buildings, components and points of interest (20 gives over a million features).")
    var scale: Int = 1

    @Option(help: "The random seed of the generated layers.")
    var seed: UInt64 = 20_261_123

    @Option(help: "数字城管 cases to generate over the last --case-days days (0: none).")
    var cases: Int = 6000

    @Option(help: "The days the generated case history spans, ending now.")
    var caseDays: Int = 90

    @Option(help: "The web map password of every demo user (a demo only: change it, or the users, anywhere real).")
    var password: String = "onemap-demo"

    func run() throws {
        try reportingErrors {
            guard scale >= 1 && scale <= 100 else { throw CLIError(description: "--scale must be 1…100") }
            guard let layers = options.layersDirectory ?? RepositoryPaths.layersDirectory() else {
                throw CLIError(description: "cannot find the Layers directory; run from the repository or pass --layers")
            }
            let store = try options.open()
            var demo = DemoCity.Options(layersDirectory: layers, dataDirectory: (layers as NSString).appendingPathComponent("data"))
            demo.scale = scale
            demo.seed = seed
            guard (0...2_000_000).contains(cases), (1...3650).contains(caseDays) else {
                throw CLIError(description: "--cases must be 0…2000000 and --case-days 1…3650")
            }
            demo.caseCount = cases
            demo.caseDays = caseDays
            let started = Date()
            let summaries = try DemoCity.build(into: store, options: demo) { message in
                FileHandle.standardError.write(Data((message + "\n").utf8))
            }
            // People to sign in as: a planner, an analyst and an administrator beside the case centre's staff.
            for (name, role) in [("planner", "editor"), ("analyst", "analyst"), ("admin", "admin")] { try store.saveUser(name, roles: [role]) }
            let users = try store.users()
            for user in users { try store.setPassword(password, for: user.name) }
            print("demo users (password '\(password)'): \(users.map(\.name).joined(separator: ", "))")
            let features = summaries.reduce(0) { $0 + ($1.layer.kind == .vector ? $1.written : 0) }
            print(String(format: "demo city built in %@: %d layers, %d features, %.1f s", options.store, summaries.count, features, Date().timeIntervalSince(started)))
        }
    }
}

/// Finds repository folders when the command runs from elsewhere: next to the executable's
/// build directory (`.build/<config>/onemap` → the package root).
enum RepositoryPaths {
    /// A repository folder: the option, ./NAME, or NAME next to the executable's build directory.
    static func folder(_ name: String, option: String?) throws -> String {
        if let option { return option }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory), isDirectory.boolValue { return name }
        if let layers = layersDirectory() {
            return ((layers as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        }
        throw CLIError(description: "cannot find the \(name) directory; run from the repository or pass --\(name.lowercased())")
    }

    static func layersDirectory() -> String? {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = url.appendingPathComponent("Layers")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("data").path) { return candidate.path }
            url = url.deletingLastPathComponent()
        }
        return nil
    }
}
