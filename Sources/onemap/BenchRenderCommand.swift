import ArgumentParser
import Foundation
import OneMapGeometry
import OneMapRender
import OneMapStore

/// Renders a tile list in one process, timing render + encode per tile the way the Mapnik anchor
/// harness does (one untimed warm-up pass, then timed passes), for Tools/bench/render.
struct BenchRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-render", abstract: "Time rendering a tile list (for Tools/bench/render).", shouldDisplay: false)

    @OptionGroup var options: StoreOptions

    @Option(help: "The styles directory.")
    var styles: String?

    @Option(help: "Map id.")
    var map: String

    @Option(help: "Tile list: one Z/X/Y per line, # comments.")
    var list: String

    @Option(help: "Where the last pass's PNGs go (Z/X/Y.png).")
    var out: String?

    @Option(help: "Timed passes.")
    var passes: Int = 3

    @Option(help: "Metatile size (1 renders each tile on its own).")
    var metatile: Int = 1

    @Option(help: "rgba or palette (default: the map's).")
    var format: String?

    @Option(help: "Tile matrix set.")
    var tms: String = "WebMercatorQuad"

    func run() throws {
        try reportingErrors {
            let store = try options.open()
            let catalog = try MapCatalog(directory: try StylesDirectory.resolve(styles), store: store)
            let style = try catalog.style(map)
            guard let matrixSet = try options.matrixSets().named(tms) else { throw CLIError(description: "unknown tile matrix set") }
            let tileFormat = format.flatMap(TileFormat.init(rawValue:)) ?? style.format
            let text = try String(contentsOfFile: list, encoding: .utf8)
            let tiles: [TileID] = text.split(separator: "\n").compactMap { line in
                let s = line.trimmingCharacters(in: .whitespaces)
                guard !s.isEmpty, !s.hasPrefix("#") else { return nil }
                let p = s.split(separator: "/").compactMap { Int($0) }
                return p.count == 3 ? TileID(z: p[0], x: p[1], y: p[2]) : nil
            }
            let renderer = TileRenderer(store: store, sprites: catalog.sprites)
            var times: [TileID: [Double]] = [:]
            var bytes = 0
            for pass in 0...passes {
                bytes = 0
                // Metatiles rendered in this pass: each listed tile pays its share of its block's render.
                var blocks: [TileID: (RenderedMetatile, Double, Int)] = [:]
                for tile in tiles {
                    let block = Metatile.block(containing: tile, in: matrixSet, size: metatile)
                    var renderShare = 0.0
                    if blocks[block.origin] == nil {
                        let started = DispatchTime.now().uptimeNanoseconds
                        let rendered = try renderer.render(RenderRequest(style: style, tms: matrixSet, tile: block.origin, columns: block.columns, rows: block.rows,
                                                                         scale: 1, principal: .system))
                        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                        let listed = tiles.filter { Metatile.block(containing: $0, in: matrixSet, size: metatile).origin == block.origin }.count
                        blocks[block.origin] = (rendered, elapsed, listed)
                    }
                    let (rendered, elapsed, listed) = blocks[block.origin]!
                    renderShare = elapsed / Double(listed)
                    let started = DispatchTime.now().uptimeNanoseconds
                    let encoded = try rendered.encode(column: tile.x - block.origin.x, row: tile.y - block.origin.y, format: tileFormat)
                    let encode = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                    bytes += encoded.data.count
                    if pass > 0 { times[tile, default: []].append(renderShare + encode) }
                    if pass == passes, let out {
                        let dir = "\(out)/\(tile.z)/\(tile.x)"
                        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                        try Data(encoded.data).write(to: URL(fileURLWithPath: "\(dir)/\(tile.y).png"))
                    }
                }
            }
            var lines: [String] = []
            for tile in tiles {
                let ms = (times[tile] ?? []).map { String(format: "%.3f", $0) }.joined(separator: ",")
                lines.append("{\"z\":\(tile.z),\"x\":\(tile.x),\"y\":\(tile.y),\"ms\":[\(ms)]}")
            }
            print("{\"map\":\"\(map)\",\"format\":\"\(tileFormat.rawValue)\",\"metatile\":\(metatile),\"passes\":\(passes),\"bytes\":\(bytes),\"tiles\":[\n" + lines.joined(separator: ",\n") + "\n]}")
        }
    }
}
