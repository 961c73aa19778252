import ArgumentParser
import Foundation
import GRDB
import OneMapGeometry
import OneMapRender
import OneMapServer
import OneMapStore

/// `--zoom A-B` and `--bbox` parsing shared by seed and export.
struct TileRangeOptions: ParsableArguments {
    @Option(help: "Zoom levels, e.g. 12-16 or 14.")
    var zoom: String

    @Option(help: "Area as minlon,minlat,maxlon,maxlat (default: the map's extent).")
    var bbox: String?

    func zooms() throws -> ClosedRange<Int> {
        let parts = zoom.split(separator: "-").map { Int($0) }
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0 != nil }), let a = parts.first!, let b = parts.last!, a <= b, a >= 0 else {
            throw CLIError(description: "--zoom must be A-B (e.g. 12-16) or a single level")
        }
        return a...b
    }

    func area(default fallback: BoundingBox?) throws -> BoundingBox {
        if let bbox {
            let n = bbox.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard n.count == 4, n.allSatisfy({ $0 != nil }), n[0]! < n[2]!, n[1]! < n[3]!, n[1]! >= -90, n[3]! <= 90 else {
                throw CLIError(description: "--bbox must be minlon,minlat,maxlon,maxlat with min < max")
            }
            return BoundingBox(minX: n[0]!, minY: n[1]!, maxX: n[2]!, maxY: n[3]!)
        }
        guard let fallback else { throw CLIError(description: "the map has no extent; pass --bbox") }
        return fallback
    }
}

enum MapExtent {
    /// The lon/lat extent of a map's layers (leaving out the country-wide DEM when others exist).
    static func of(_ style: Style, layers: [String: Layer]) -> BoundingBox? {
        var box = BoundingBox.empty
        let mine = style.storeLayers.compactMap { layers[$0] }
        let local = mine.filter { $0.id != "dem_china" }
        for layer in local.isEmpty ? mine : local {
            guard let e = layer.extent, let t = try? CoordinateTransform(from: layer.storageCRS, to: .wgs84), let g = try? t.apply(e) else { continue }
            box.extend(g)
        }
        return box.isEmpty ? nil : box
    }

    /// The metatile blocks covering a lon/lat box at one level.
    static func blocks(_ tms: TileMatrixSet, _ area: BoundingBox, z: Int) -> [TileID] {
        var box = area
        if tms.crs == .webMercator {
            let a = WebMercator.project(Coordinate(area.minX, area.minY)), b = WebMercator.project(Coordinate(area.maxX, area.maxY))
            box = BoundingBox(minX: a.x, minY: a.y, maxX: b.x, maxY: b.y)
        }
        guard let r = tms.tileRange(covering: box, zoom: z) else { return [] }
        var out: [TileID] = []
        var seen = Set<TileID>()
        for y in r.rows {
            for x in r.columns {
                let origin = Metatile.block(containing: TileID(z: z, x: x, y: y), in: tms).origin
                if seen.insert(origin).inserted { out.append(origin) }
            }
        }
        return out
    }
}

struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seed", abstract: "Render a map's tiles into the tile cache ahead of time (resumable).")

    @OptionGroup var options: ServerOptions
    @OptionGroup var range: TileRangeOptions

    @Argument(help: "Map id.")
    var map: String

    @Option(help: "Tile matrix set.")
    var tms: String = "WebMercatorQuad"

    func run() async throws {
        do {
            let configuration = try options.configuration()
            guard configuration.cacheDirectory != nil else { throw CLIError(description: "seeding needs a disk cache (not --cache none)") }
            let services = try AppServices(configuration: configuration)
            guard let set = TileMatrixSet.named(tms) else { throw CLIError(description: "unknown tile matrix set '\(tms)'") }
            let style = try services.maps.style(map)
            let zooms = try range.zooms()
            guard set.contains(zoom: zooms.lowerBound), set.contains(zoom: zooms.upperBound) else {
                throw CLIError(description: "--zoom must lie in \(set.minZoom)–\(set.maxZoom) for \(set.id)")
            }
            let area = try range.area(default: MapExtent.of(style, layers: services.watcher.layers))
            let blocks = zooms.flatMap { MapExtent.blocks(set, area, z: $0) }
            let bar = ProgressBar(label: "seeding \(map) \(set.id) z\(zooms.lowerBound)-\(zooms.upperBound)")
            let started = Date()
            var done = 0, rendered = 0
            let width = max(1, configuration.workers)
            try await withThrowingTaskGroup(of: String.self) { group in
                var next = 0
                func add() {
                    guard next < blocks.count else { return }
                    let block = blocks[next]
                    next += 1
                    group.addTask { try await services.tiles.tile(map: map, tms: set.id, tile: block, scale: 1, principal: .anonymous).source }
                }
                for _ in 0..<(width * 2) { add() }
                while let source = try await group.next() {
                    done += 1
                    if source == "render" { rendered += 1 }
                    bar.update(done, blocks.count)
                    add()
                }
            }
            bar.finish()
            services.pool.shutdown()
            print(String(format: "seeded %d metatiles of %@ (%d rendered, %d already cached) in %.1f s", blocks.count, map, rendered, blocks.count - rendered,
                         Date().timeIntervalSince(started)))
        } catch {
            throw CLIError.from(error)
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Write a map's tiles to an MBTiles 1.3 file for offline use.")

    @OptionGroup var options: ServerOptions
    @OptionGroup var range: TileRangeOptions

    @Argument(help: "Map id.")
    var map: String

    @Option(name: .shortAndLong, help: "The .mbtiles file to write (replaced if it exists).")
    var output: String

    func run() async throws {
        do {
            let services = try AppServices(configuration: try options.configuration())
            let set = TileMatrixSet.webMercatorQuad  // MBTiles is Web Mercator by definition
            let style = try services.maps.style(map)
            let zooms = try range.zooms()
            guard zooms.upperBound <= 20 else { throw CLIError(description: "--zoom above 20 makes an unreasonably large file") }
            let area = try range.area(default: MapExtent.of(style, layers: services.watcher.layers))
            let temporary = output + ".partial"
            try? FileManager.default.removeItem(atPath: temporary)
            let db = try DatabaseQueue(path: temporary)
            try await db.write { db in
                try db.execute(sql: """
                    CREATE TABLE metadata (name TEXT, value TEXT);
                    CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
                    CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
                    """)
                let center = style.center ?? area.center
                for (k, v) in [("name", style.name), ("format", "png"), ("type", "baselayer"), ("version", "1.0"),
                               ("description", "OneMap map \(style.id)"), ("attribution", style.attribution ?? ""),
                               ("bounds", "\(area.minX),\(area.minY),\(area.maxX),\(area.maxY)"),
                               ("center", "\(center.x),\(center.y),\(zooms.lowerBound)"),
                               ("minzoom", String(zooms.lowerBound)), ("maxzoom", String(zooms.upperBound))] {
                    try db.execute(sql: "INSERT INTO metadata (name, value) VALUES (?, ?)", arguments: [k, v])
                }
            }
            let bar = ProgressBar(label: "exporting \(map)")
            var written = 0
            let tiles = zooms.flatMap { z -> [TileID] in
                let a = WebMercator.project(Coordinate(area.minX, area.minY)), b = WebMercator.project(Coordinate(area.maxX, area.maxY))
                guard let r = set.tileRange(covering: BoundingBox(minX: a.x, minY: a.y, maxX: b.x, maxY: b.y), zoom: z) else { return [] }
                return r.rows.flatMap { y in r.columns.map { TileID(z: z, x: $0, y: y) } }
            }
            // Tiles render on the worker pool (several in flight, metatiles shared through the cache)
            // and are written in batches, one transaction each.
            var batch: [(TileID, [UInt8])] = []
            func flush() async throws {
                let rows = batch
                batch.removeAll(keepingCapacity: true)
                try await db.write { db in
                    for (tile, data) in rows {
                        // MBTiles rows count from the bottom (TMS), OneMap's from the top.
                        try db.execute(sql: "INSERT INTO tiles VALUES (?, ?, ?, ?)", arguments: [tile.z, tile.x, (1 << tile.z) - 1 - tile.y, Data(data)])
                    }
                }
            }
            do {
                try await withThrowingTaskGroup(of: (TileID, TileResult).self) { group in
                    var next = 0, done = 0
                    func add() {
                        guard next < tiles.count else { return }
                        let tile = tiles[next]
                        next += 1
                        group.addTask { (tile, try await services.tiles.tile(map: map, tms: set.id, tile: tile, scale: 1, principal: .anonymous)) }
                    }
                    for _ in 0..<(max(1, services.configuration.workers) * 4) { add() }
                    while let (tile, result) = try await group.next() {
                        done += 1
                        bar.update(done, tiles.count)
                        add()
                        guard !result.isEmpty else { continue }
                        batch.append((tile, result.data))
                        written += 1
                        if batch.count >= 256 { try await flush() }
                    }
                }
                try await flush()
            } catch {
                try? db.close()
                try? FileManager.default.removeItem(atPath: temporary)
                throw error
            }
            bar.finish()
            try db.close()
            try? FileManager.default.removeItem(atPath: output)
            try FileManager.default.moveItem(atPath: temporary, toPath: output)
            services.pool.shutdown()
            print("wrote \(output): \(written) tiles (\(tiles.count - written) empty ones left out), z\(zooms.lowerBound)-\(zooms.upperBound)")
        } catch {
            throw CLIError.from(error)
        }
    }
}
