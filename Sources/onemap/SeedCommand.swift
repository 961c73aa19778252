import ArgumentParser
import Foundation
import OneMapGeometry
import OneMapRender
import OneMapServer
import OneMapTiles
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
            let tiles = try configuration.tilePipeline()
            guard let set = tiles.service.matrixSets.named(tms) else { throw CLIError(description: "unknown tile matrix set '\(tms)'") }
            let style = try tiles.service.maps.style(map)
            let zooms = try range.zooms()
            guard set.contains(zoom: zooms.lowerBound), set.contains(zoom: zooms.upperBound) else {
                throw CLIError(description: "--zoom must lie in \(set.minZoom)–\(set.maxZoom) for \(set.id)")
            }
            let area = try range.area(default: tiles.service.extent(style, for: .anonymous))
            let bar = ProgressBar(label: "seeding \(map) \(set.id) z\(zooms.lowerBound)-\(zooms.upperBound)")
            let started = Date()
            let result = try await tiles.seeder.seed(map: map, tms: set, zooms: zooms, area: area) { done, total in bar.update(done, total) }
            bar.finish()
            tiles.service.pool.shutdown()
            print(String(format: "seeded %d metatiles of %@ (%d rendered, %d already cached) in %.1f s", result.blocks, map, result.rendered,
                         result.blocks - result.rendered, Date().timeIntervalSince(started)))
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
            let tiles = try options.configuration().tilePipeline()
            let style = try tiles.service.maps.style(map)
            let zooms = try range.zooms()
            guard zooms.upperBound <= 20 else { throw CLIError(description: "--zoom above 20 makes an unreasonably large file") }
            let area = try range.area(default: tiles.service.extent(style, for: .anonymous))
            let bar = ProgressBar(label: "exporting \(map)")
            let result = try await tiles.seeder.export(map: map, zooms: zooms, area: area, to: output) { done, total in bar.update(done, total) }
            bar.finish()
            tiles.service.pool.shutdown()
            print("wrote \(output): \(result.written) tiles (\(result.tiles - result.written) empty ones left out), z\(zooms.lowerBound)-\(zooms.upperBound)")
        } catch {
            throw CLIError.from(error)
        }
    }
}
