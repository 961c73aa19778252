import Foundation
import OneMapGeometry
import OneMapRender
import OneMapStore

/// Renders tiles ahead of time: into the disk cache (`seed`, resumable: only what is missing or
/// stale renders) or into an MBTiles file (`export`). Used by the command line without building
/// the HTTP application; tiles come through the same `TileService` as served ones.
public struct TileSeeder: Sendable {
    public let tiles: TileService
    /// Tiles (or metatiles) in flight at once.
    public let width: Int

    public init(tiles: TileService, width: Int) {
        self.tiles = tiles
        self.width = max(1, width)
    }

    /// What a seed run did.
    public struct SeedResult: Sendable {
        public let blocks: Int
        public let rendered: Int
    }

    /// Renders every metatile of `map` over `area` (lon/lat) at `zooms` into the cache.
    /// - Parameter progress: called with (done, total) after each metatile.
    public func seed(map: String, tms: TileMatrixSet, zooms: ClosedRange<Int>, area: BoundingBox,
                     progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> SeedResult {
        let blocks = zooms.flatMap { MapExtent.blocks(tms, area, z: $0) }
        let tiles = self.tiles
        var rendered = 0
        let failuresBefore = tiles.cache.diskWriteFailures.count
        try await forEach(blocks, inFlight: width * 2) { block in
            try await tiles.tile(map: map, tms: tms.id, tile: block, scale: 1, principal: .anonymous).source
        } each: { done, source in
            // The point of seeding is the files: a tile that could not be written stops the run.
            let failures = tiles.cache.diskWriteFailures
            if failures.count > failuresBefore { throw SeedError.cacheNotWritten(failures.last ?? "unknown reason") }
            if source == "render" { rendered += 1 }
            progress(done, blocks.count)
        }
        return SeedResult(blocks: blocks.count, rendered: rendered)
    }

    public enum SeedError: Error, CustomStringConvertible {
        case cacheNotWritten(String)
        public var description: String {
            switch self {
            case .cacheNotWritten(let reason): "tiles could not be written to the cache: \(reason); the seed stopped (rerun it to resume)"
            }
        }
    }

    /// What an export wrote.
    public struct ExportResult: Sendable {
        public let tiles: Int
        public let written: Int
    }

    /// Writes `map`'s Web Mercator tiles over `area` at `zooms` to an MBTiles 1.3 file (replaced
    /// if it exists; written under a temporary name and moved into place when complete).
    public func export(map: String, zooms: ClosedRange<Int>, area: BoundingBox, to output: String,
                       progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> ExportResult {
        let set = TileMatrixSet.webMercatorQuad  // MBTiles is Web Mercator by definition
        let style = try tiles.maps.style(map)
        let temporary = output + ".partial"
        try? FileManager.default.removeItem(atPath: temporary)
        let writer = try MBTilesWriter(path: temporary)
        let center = style.center ?? area.center
        try writer.writeMetadata([
            ("name", style.name), ("format", "png"), ("type", "baselayer"), ("version", "1.0"),
            ("description", "OneMap map \(style.id)"), ("attribution", style.attribution ?? ""),
            ("bounds", "\(area.minX),\(area.minY),\(area.maxX),\(area.maxY)"),
            ("center", "\(center.x),\(center.y),\(zooms.lowerBound)"),
            ("minzoom", String(zooms.lowerBound)), ("maxzoom", String(zooms.upperBound)),
        ])
        let list = zooms.flatMap { MapExtent.tiles(set, area, z: $0) }
        let tiles = self.tiles
        var batch: [(TileID, [UInt8])] = []
        var written = 0
        do {
            // Tiles render on the worker pool (several in flight, metatiles shared through the
            // cache) and are written in batches, one transaction each.
            try await forEach(list, inFlight: width * 4) { tile in
                (tile, try await tiles.tile(map: map, tms: set.id, tile: tile, scale: 1, principal: .anonymous))
            } each: { done, item in
                progress(done, list.count)
                guard !item.1.isEmpty else { return }
                batch.append((item.0, item.1.data))
                written += 1
                if batch.count >= 256 {
                    try writer.write(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            try writer.write(batch)
            try writer.close()
        } catch {
            try? writer.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        try? FileManager.default.removeItem(atPath: output)
        try FileManager.default.moveItem(atPath: temporary, toPath: output)
        return ExportResult(tiles: list.count, written: written)
    }

    /// Runs `work` for each item with at most `inFlight` at once, handing results to `each` in
    /// the order they finish, with the count done so far.
    func forEach<Item: Sendable, Result: Sendable>(_ items: [Item], inFlight: Int, _ work: @escaping @Sendable (Item) async throws -> Result,
                                                   each: (Int, Result) throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Result.self) { group in
            var next = 0, done = 0
            func add() {
                guard next < items.count else { return }
                let item = items[next]
                next += 1
                group.addTask { try await work(item) }
            }
            for _ in 0..<inFlight { add() }
            while let result = try await group.next() {
                done += 1
                try each(done, result)
                add()
            }
        }
    }
}
