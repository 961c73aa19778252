import ArgumentParser
import Foundation
import OneMapStore

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Build the demo city (central Cangzhou) store.")

    @OptionGroup var options: StoreOptions

    @Option(help: "Multiplies the generated feature counts (20 gives over a million features).")
    var scale: Int = 1

    func run() throws {
        throw CLIError(description: "not built yet")
    }
}
