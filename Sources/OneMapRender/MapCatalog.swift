import Foundation
import OneMapGeometry
import OneMapStore
import Synchronization

/// A map as the catalog knows it: loaded, or broken with the problems that stop it loading.
public struct MapEntry: Sendable {
    public let id: String
    public let path: String
    public let style: Style?
    public let problems: [String]
}

/// The maps in `Styles/`: every `*.json` is a map whose id is the file name. Styles are checked
/// against the store when loaded and again whenever the store's catalog changes; a broken
/// style is reported and the others keep working.
public final class MapCatalog: Sendable {
    public let directory: String
    public let sprites: SpriteSheet
    private let store: Store
    private struct State {
        var entries: [String: MapEntry] = [:]
        var sequence: Int64 = -1
    }
    private let state = Mutex(State())

    /// - Throws: when the sprite sheet exists but cannot be read.
    public init(directory: String, store: Store) throws {
        self.directory = directory
        self.store = store
        sprites = try SpriteSheet(base: (directory as NSString).appendingPathComponent("sprites/sprite"))
        try reloadIfChanged(force: true)
    }

    /// Re-reads the styles when the store's catalog snapshot moved since the last load (the
    /// store watcher calls this; lookups never touch the store).
    public func reloadIfChanged(force: Bool = false) throws {
        let snapshot = store.snapshot
        let sequence = snapshot.sequence
        if !force, state.withLock({ $0.sequence == sequence }) { return }
        let layers = snapshot.layers
        let environment = StyleEnvironment(layers: layers, fontExists: { FontLibrary.shared.exists($0) }, icons: sprites.names)
        var entries: [String: MapEntry] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasSuffix(".json") {
            let id = String(name.dropLast(5))
            let path = (directory as NSString).appendingPathComponent(name)
            entries[id] = Self.load(id: id, path: path, environment: environment)
        }
        // Two refreshes may race (the watcher's poll and a change announcement): the maps of an
        // older catalog never replace those of a newer one.
        state.withLock {
            guard $0.sequence <= sequence else { return }
            $0.entries = entries
            $0.sequence = sequence
        }
    }

    static func load(id: String, path: String, environment: StyleEnvironment) -> MapEntry {
        guard let data = FileManager.default.contents(atPath: path) else {
            return MapEntry(id: id, path: path, style: nil, problems: ["cannot read \(path)"])
        }
        do {
            let style = try StyleLoader.load(id: id, text: String(decoding: data, as: UTF8.self), environment: environment)
            return MapEntry(id: id, path: path, style: style, problems: [])
        } catch RenderError.invalidStyle(_, let problems) {
            return MapEntry(id: id, path: path, style: nil, problems: problems)
        } catch {
            return MapEntry(id: id, path: path, style: nil, problems: ["\(error)"])
        }
    }

    /// Every map, loaded or broken, by id.
    public var entries: [MapEntry] { state.withLock { $0.entries.values.sorted { $0.id < $1.id } } }

    /// A loaded map's style.
    /// - Throws: `RenderError.unknownMap`, or `.invalidStyle` with the problems of a broken one.
    public func style(_ id: String) throws -> Style {
        guard let entry = state.withLock({ $0.entries[id] }) else { throw RenderError.unknownMap(id) }
        guard let style = entry.style else { throw RenderError.invalidStyle(name: id, problems: entry.problems) }
        return style
    }

    /// Loads a style from any file (the CLI's `render path/to/style.json`).
    public func style(file path: String) throws -> Style {
        let layers = store.snapshot.layers
        let environment = StyleEnvironment(layers: layers, fontExists: { FontLibrary.shared.exists($0) }, icons: sprites.names)
        let entry = Self.load(id: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, path: path, environment: environment)
        guard let style = entry.style else { throw RenderError.invalidStyle(name: entry.id, problems: entry.problems) }
        return style
    }
}
