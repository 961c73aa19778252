import ArgumentParser
import Foundation
import OneMapStore

/// `onemap copy`: a whole store from one backend into another (SpatiaLite ⇄ PostGIS).
struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy", abstract: "Copy a store's layers between backends: a SpatiaLite file and a PostGIS database (postgresql://…), either way.",
        discussion: """
            Each layer streams into the destination in one transaction, keeping feature ids and catalog entries, \
            then both sides are read again and compared by count and SHA-256. A copy of the whole store (no --layer) then \
            moves users, roles and tokens, 数字城管 cases with their steps and attachments, incidents and unit positions, \
            the road network and the audit log, each checked the same way. Layers or records the destination already \
            holds stop the copy before anything is written. Analysis jobs are not copied.
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
            let results: [LayerCopyResult]
            do {
                results = try StoreCopy.copy(from: source.backend, to: destination.backend, layers: layer.isEmpty ? nil : layer) { _, done, total in
                    bar.update(done, total > 0 ? total : nil)
                }
            } catch StoreError.layerExists(let id) {
                throw CLIError(description: "\(destination.path) already holds layer '\(id)': nothing was copied")
            }
            bar.finish()
            for r in results {
                let what = r.records.map { "\($0): \(r.count) records" } ?? "\(r.layer.id): \(r.count) \(r.layer.kind == .vector ? "features" : "tiles") into \(r.layer.table)"
                print("\(what), sha256 \(r.checksum.prefix(16)) on both sides, \(String(format: "%.2f", r.seconds)) s")
            }
            print("copied \(results.filter { $0.records == nil }.count) layers from \(source.path) to \(destination.path) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        }
    }
}
