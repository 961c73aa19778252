import Foundation
import GRDB
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

extension Store {
    /// One decoded tile of a raster layer's pyramid (`.missing` where the source had no data).
    /// The caller must have checked access to `layer`.
    public func rasterTile(_ layer: Layer, level: Int, col: Int, row: Int) throws -> RasterTileCache.Tile {
        guard let info = layer.raster else { throw StoreError.unsupported("\(layer.id) is not a raster layer") }
        let key = RasterTileCache.Key(table: layer.table, level: level, col: col, row: row)
        if let cached = rasterCache.get(key) { return cached }
        let data = try read { db in
            try Data.fetchOne(db, sql: "SELECT data FROM \(quoteIdentifier(layer.table)) WHERE level = ? AND col = ? AND row = ?",
                              arguments: [level, col, row])
        }
        let tile: RasterTileCache.Tile
        if let data {
            do {
                switch info.encoding {
                case .deflate:
                    tile = .elevation(try data.withUnsafeBytes {
                        try ElevationCodec.decode($0, size: info.tileSize, type: info.sampleType ?? .float64, noData: info.noData)
                    })
                case .png: tile = .image(try data.withUnsafeBytes { try ImageCodec.decodePNG($0) })
                case .jpeg: tile = .image(try JPEGCodec.decode([UInt8](data)))
                }
            } catch {
                throw StoreError.database("corrupt tile \(level)/\(col)/\(row) in \(layer.id)")
            }
        } else {
            tile = .missing
        }
        rasterCache.put(key, tile)
        return tile
    }

    /// The elevation of a DEM layer at a point, read from the level-0 cell that contains it: the
    /// source's own value, or nil outside the data or on no-data.
    /// - Parameters:
    ///   - point: in `crs` (default: the layer's storage CRS).
    /// - Throws: `StoreError.layerNotFound` when `principal` may not see the layer.
    public func elevation(layer id: String, at point: Coordinate, crs: CRS? = nil, for principal: Principal) throws -> Double? {
        let layer = try self.layer(id, for: principal)
        guard layer.kind == .dem, let info = layer.raster else { throw StoreError.unsupported("\(id) is not a DEM layer") }
        var p = point
        if let crs, crs != layer.storageCRS { p = try CoordinateTransform(from: crs, to: layer.storageCRS).apply(point) }
        let cx = Int(floor((p.x - info.originX) / info.cellWidth))
        let cy = Int(floor((info.originY - p.y) / info.cellHeight))
        guard cx >= 0, cy >= 0, cx < info.width, cy < info.height else { return nil }
        guard case .elevation(let tile) = try rasterTile(layer, level: 0, col: cx / info.tileSize, row: cy / info.tileSize) else {
            return nil
        }
        let v = tile[cx % info.tileSize, cy % info.tileSize]
        return v.isNaN ? nil : v
    }
}
