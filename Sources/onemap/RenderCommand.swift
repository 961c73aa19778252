import ArgumentParser
import Foundation
import OneMapGeometry
import OneMapRender
import OneMapStore

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "Render one map tile to a PNG file.")

    @OptionGroup var options: StoreOptions

    @Option(help: "The styles directory (default: ./Styles, else the repository's).")
    var styles: String?

    @Argument(help: "A map id from the styles directory, or the path of a style file.")
    var map: String

    @Argument(help: "The tile as Z/X/Y (row counted from the top).")
    var tile: String

    @Option(help: "Tile matrix set: WebMercatorQuad or CGCS2000Quad.")
    var tms: String = "WebMercatorQuad"

    @Option(help: "Pixel ratio: 1 (256 px) or 2 (512 px).")
    var scale: Int = 1

    @Option(help: "Tiles across a metatile (labels are placed over the whole block).")
    var metatile: Int = Metatile.defaultSize

    @Option(name: .shortAndLong, help: "The output PNG file.")
    var output: String

    @Flag(help: .hidden)
    var wholeBlock = false

    func run() throws {
        try reportingErrors {
            try options.loadNamedCRSs()
            let parts = tile.split(separator: "/").map { Int($0) }
            guard parts.count == 3, let z = parts[0], let x = parts[1], let y = parts[2] else {
                throw CLIError(description: "tile must be Z/X/Y with integers, e.g. 14/13579/6196")
            }
            let sets = try options.matrixSets()
            guard let matrixSet = sets.named(tms) else { throw CLIError(description: "unknown tile matrix set '\(tms)' (\(sets.all.map(\.id).joined(separator: ", ")))") }
            guard scale == 1 || scale == 2 else { throw CLIError(description: "--scale must be 1 or 2") }
            guard (1...16).contains(metatile) else { throw CLIError(description: "--metatile must be 1…16") }
            let store = try options.open()
            let catalog = try MapCatalog(directory: try StylesDirectory.resolve(styles), store: store)
            let style = map.hasSuffix(".json") ? try catalog.style(file: map) : try catalog.style(map)
            let id = TileID(z: z, x: x, y: y)
            guard matrixSet.contains(id) else {
                throw CLIError(description: "tile \(id) is outside \(matrixSet.id) (levels \(matrixSet.minZoom)–\(matrixSet.maxZoom); at level \(z) columns 0–\(matrixSet.matrixWidth(z) - 1), rows 0–\(matrixSet.matrixHeight(z) - 1))")
            }
            let block = Metatile.block(containing: id, in: matrixSet, size: metatile)
            let renderer = TileRenderer(store: store, sprites: catalog.sprites)
            let rendered = try renderer.render(RenderRequest(style: style, tms: matrixSet, tile: block.origin, columns: block.columns, rows: block.rows,
                                                             scale: scale, principal: .system))
            if wholeBlock {
                let png = try rendered.encodeBlock()
                try Data(png).write(to: URL(fileURLWithPath: output))
                print("wrote \(output) (the whole \(block.columns)×\(block.rows) block)")
                return
            }
            let encoded = try rendered.encode(column: id.x - block.origin.x, row: id.y - block.origin.y, format: style.format)
            try Data(encoded.data).write(to: URL(fileURLWithPath: output))
            print("wrote \(output) (\(encoded.data.count) bytes\(encoded.isEmpty ? ", empty" : ""))")
        }
    }
}

/// Finds the styles directory: the option, ./Styles, or the repository's next to the executable.
enum StylesDirectory {
    static func resolve(_ option: String?) throws -> String { try RepositoryPaths.folder("Styles", option: option) }
}

struct SpritesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sprites", abstract: "Redraw the icon sprite (Styles/sprites) from its definition.", shouldDisplay: false)

    @Option(help: "Output directory.")
    var output: String = "Styles/sprites"

    func run() throws {
        try reportingErrors {
            try SpriteGenerator.write(to: output)
            print("wrote \(output)/sprite.{json,png} and @2x")
        }
    }
}
