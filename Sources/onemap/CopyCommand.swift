import ArgumentParser
import Foundation
import OneMapStore

/// `onemap copy`: a whole store from one backend into another (SpatiaLite ⇄ PostGIS).
struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy", abstract: "Copy a store's layers between backends: a SpatiaLite file and a PostGIS database (postgresql://…), either way.",
        discussion: """
            Each layer streams into the destination in one transaction, keeping feature ids and catalog entries, \
            then both sides are read again and compared by count and SHA-256. Layers the destination already holds stop \
            the copy before anything is written. Cases, incidents, accounts, jobs and the road network stay in SpatiaLite \
            for now (the PostGIS store does not hold them yet); their layers are listed as left behind.
            """)

    @Option(help: "The source store: a SpatiaLite file or postgresql://user@host:port/db.") var from: String
    @Option(help: "The destination store: a SpatiaLite file (made when missing) or postgresql://….") var to: String
    @Option(parsing: .upToNextOption, help: "Only these layers (default: all).") var layer: [String] = []
    @Option(help: "The layer files directory, for named CRSs (default: ./Layers when it exists).") var layers: String?

    func run() throws {
        try reportingErrors {
            guard from != to else { throw CLIError(description: "--from and --to name the same store") }
            if !PGURL.isPostgres(from) && !FileManager.default.fileExists(atPath: from) { throw CLIError(description: "no store at \(from)") }
            try StoreOptions.loadNamedCRSs(layersDirectory: layers)
            let source = try Store(path: from, readOnly: true)
            let destination = try Store(path: to)
            let bar = ProgressBar(label: "copying")
            let started = Date()
            let results = try StoreCopy.copy(from: source.backend, to: destination.backend, layers: layer.isEmpty ? nil : layer) { id, done, total in
                bar.update(done, total > 0 ? total : nil)
                _ = id
            }
            bar.finish()
            for r in results {
                print("\(r.layer.id): \(r.count) \(r.layer.kind == .vector ? "features" : "tiles") into \(r.layer.table), sha256 \(r.checksum.prefix(16)) on both sides, \(String(format: "%.2f", r.seconds)) s")
            }
            let left = try source.backend.allLayers().values.filter { !StoreCopy.copyable($0) }.map(\.id).sorted()
            if layer.isEmpty && !left.isEmpty { print("left behind (kept by their workflows, not copied yet): \(left.joined(separator: ", "))") }
            print("copied \(results.count) layers from \(source.path) to \(destination.path) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        }
    }
}
