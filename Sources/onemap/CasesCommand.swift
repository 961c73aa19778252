import ArgumentParser
import Foundation
import OneMapAnalysis
import OneMapStore

/// `onemap cases import FILE`: cases from another 数字城管 system, with their original times.
struct CasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cases", abstract: "数字城管 cases.", subcommands: [CasesImportCommand.self])
}

struct CasesImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import cases (CSV or GeoJSON) with their original times, through the city's rules.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "A .csv or .geojson file of cases (fields in the README).")
    var file: String

    func run() throws {
        try reportingErrors {
            guard let layers = options.layersDirectory ?? RepositoryPaths.layersDirectory() else {
                throw CLIError(description: "no layers directory with rules/; pass --layers")
            }
            let store = try options.open()
            guard let service = try CaseService.load(layersDirectory: layers, store: store) else {
                throw CLIError(description: "\(layers)/rules lacks calendar.json, cases.json or geocoding.json")
            }
            let n = try CaseImport(service: service).importFile(file)
            print("imported \(n) cases from \(file)")
        }
    }
}
