import ArgumentParser
import OneMapTiles
import Foundation
import OneMapGeometry
import NIOCore
import NIOPosix
import OneMapStore

@main
struct OneMapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onemap",
        abstract: "OneMap (一张图): a city's layers in one SpatiaLite store, served as maps and features.",
        subcommands: [ServeCommand.self, ImportCommand.self, LayersCommand.self, DemoCommand.self, RenderCommand.self, SeedCommand.self,
                      ExportCommand.self, SpritesCommand.self, BenchRenderCommand.self, BenchCasesCommand.self, BenchEmergencyCommand.self, UserCommand.self, TokenCommand.self,
                      RoleCommand.self, AuditCommand.self, ReviewCommand.self, CasesCommand.self, BackupCommand.self, CheckCommand.self, CRSCommand.self, CopyCommand.self])

    /// Swift concurrency's global executor runs on NIO's event loop threads: a request's handler
    /// then runs where its connection lives instead of hopping to another thread and back
    /// (Tools/bench/serve measured it). Rendering and other CPU-heavy work keep their own threads
    /// (RenderPool). It must be installed before any other concurrency code runs, hence here.
    static func main() async {
        // Renders allocate and free large buffers (metatile surfaces, decoded features) on several
        // threads. A fixed mmap threshold hands buffers over 1 MB back to the OS when freed (glibc
        // otherwise raises the threshold and keeps them in the heap), and few arenas keep freed
        // memory from scattering over one heap per thread (Tools/bench/serve, memory).
        MemoryTrim.tune(mmapThreshold: 1 << 20, arenas: 4)
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// `--store PATH`, shared by every command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store file.")
    var store: String = "onemap.sqlite"

    @Option(name: .long, help: "The layer files directory (default: ./Layers when it exists).")
    var layers: String?

    func open() throws -> Store {
        try loadNamedCRSs()
        do { return try Store(path: store) } catch { throw CLIError.from(error) }
    }

    /// Registers the city's named CRSs (`<layers>/crs/*.json`), so `--srs`, `crs=` and WMS `CRS`
    /// accept them; a bad file stops the command with its name and fault.
    func loadNamedCRSs() throws { try Self.loadNamedCRSs(layersDirectory: layersDirectory) }

    static func loadNamedCRSs(layersDirectory: String?) throws {
        do {
            // Like `serve`: the repository's Layers when there is none here.
            if let layers = layersDirectory ?? RepositoryPaths.layersDirectory() {
                try CRSRegistry.load(directory: (layers as NSString).appendingPathComponent("crs"))
            }
        } catch {
            throw CLIError(description: "\(error)")
        }
    }

    /// The tile matrix sets of `./Tiles` (or the repository's) with the built-in ones.
    func matrixSets() throws -> TileMatrixSetCatalog {
        do { return try TileMatrixSetCatalog.load(directory: try? RepositoryPaths.folder("Tiles", option: nil)) } catch { throw CLIError(description: "\(error)") }
    }

    /// Opens a store that must already exist (commands that inspect or copy one never create it).
    func openExisting(readOnly: Bool = false) throws -> Store {
        guard PGURL.isPostgres(store) || FileManager.default.fileExists(atPath: store) else { throw CLIError(description: "no store at \(store)") }
        try loadNamedCRSs()
        do { return try Store(path: store, readOnly: readOnly) } catch { throw CLIError.from(error) }
    }

    /// Whether new layers get a layer file written into `layersDirectory`: when the directory was
    /// named, or when the store lives in the working directory (so ./Layers is its own). An import
    /// into a store elsewhere reads ./Layers for metadata but never writes into it.
    var writesLayerFiles: Bool {
        if layers != nil { return true }
        let dir = URL(fileURLWithPath: store).deletingLastPathComponent().standardizedFileURL.path
        return dir == URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
    }

    /// The layers directory: the option, else ./Layers if present.
    var layersDirectory: String? {
        if let layers { return layers }
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: "Layers", isDirectory: &isDirectory) && isDirectory.boolValue ? "Layers" : nil
    }
}

/// A failure reported as one line on stderr and exit status 1 (no stack trace, no usage text).
struct CLIError: Error, CustomStringConvertible {
    var description: String

    static func from(_ error: any Error) -> any Error {
        switch error {
        case let e as CLIError: e
        case let e as ExitCode: e
        case let e as CleanExit: e
        case let e as StoreError: CLIError(description: e.description)
        default: CLIError(description: String(describing: error))
        }
    }
}

/// Runs a command body, turning errors into `CLIError`s ArgumentParser prints as "Error: …".
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch { throw CLIError.from(error) }
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
final class ProgressBar: @unchecked Sendable {
    private let enabled = isatty(STDERR_FILENO) != 0
    private let label: String
    private var last = Date.distantPast
    private let lock = NSLock()

    init(label: String) { self.label = label }

    func update(_ done: Int, _ total: Int?) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) > 0.1 || done == total else { return }
        last = now
        var line = "\r\(label) "
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let filled = Int(fraction * 30)
            line += "[" + String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled) + "] "
            line += String(format: "%3.0f%% %d/%d", fraction * 100, done, total)
        } else {
            line += "\(done)"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
