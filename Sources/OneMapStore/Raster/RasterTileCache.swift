import Foundation
import OneMapImage
import OneMapGeometry
import Synchronization

/// Decoded raster tiles shared by every reader in the process (rendering reads the same DEM
/// tiles for neighbouring map tiles), least recently used dropped first.
public final class RasterTileCache: Sendable {
    public enum Tile: Sendable {
        case elevation(ElevationTile)
        case image(RGBAImage)
        case missing

        /// Memory held by the decoded tile.
        var bytes: Int {
            switch self {
            case .elevation(let t): 64 + t.values.count * MemoryLayout<Double>.stride
            case .image(let i): 64 + i.pixels.count
            case .missing: 64
            }
        }
    }

    struct Key: Hashable {
        var table: String
        var level: Int
        var col: Int
        var row: Int
    }

    private struct State {
        var tiles: [Key: (Tile, UInt64)] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    /// The budget in bytes: decoded tiles are large (a 256² DEM tile of doubles is 512 KB), so
    /// the cache is bounded by memory, not by count.
    private let capacity: Int

    init(capacityBytes: Int) { self.capacity = capacityBytes }

    func get(_ key: Key) -> Tile? {
        state.withLock { s in
            guard let entry = s.tiles[key] else { return nil }
            s.clock += 1
            s.tiles[key] = (entry.0, s.clock)
            return entry.0
        }
    }

    func put(_ key: Key, _ tile: Tile) {
        state.withLock { s in
            s.clock += 1
            if let old = s.tiles[key] { s.bytes -= old.0.bytes }
            s.tiles[key] = (tile, s.clock)
            s.bytes += tile.bytes
            if s.bytes > capacity {
                // Drop the least recently used tiles down to three quarters of the budget in one go,
                // so eviction is rare.
                var kept: [Key: (Tile, UInt64)] = [:]
                var bytes = 0
                for (k, v) in s.tiles.sorted(by: { $0.value.1 > $1.value.1 }) {
                    guard bytes + v.0.bytes <= capacity * 3 / 4 else { break }
                    kept[k] = v
                    bytes += v.0.bytes
                }
                s.tiles = kept
                s.bytes = bytes
            }
        }
    }

    func removeAll() {
        state.withLock { s in
            s.tiles.removeAll()
            s.bytes = 0
        }
    }
}

