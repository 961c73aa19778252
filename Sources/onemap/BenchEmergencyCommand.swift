import ArgumentParser
import Foundation
import OneMapAnalysis
import OneMapGeometry
import OneMapStore

/// Times the emergency analyses in one process for Tools/bench/emergency: the nearest fire
/// stations by road for many points, and 有源 flooding of a DEM layer from a seed; can also write
/// a DEM layer out as a finer GeoTIFF (the benchmark's 10-million-cell DEM, the same raster GRASS
/// reads). Prints milliseconds per operation (and what was found) as JSON.
struct BenchEmergencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-emergency", abstract: "Time emergency analyses (for Tools/bench/emergency).", shouldDisplay: false)

    @OptionGroup var options: StoreOptions

    @Option(help: "nearest, flood or export-dem.")
    var part: String

    @Option(help: "nearest: points, 'lon lat' per line.")
    var points: String?

    @Option(help: "flood/export-dem: the DEM layer.")
    var layer: String = "dem"

    @Option(help: "flood: the seed 'lon lat'.")
    var seed: String?

    @Option(help: "flood: the water level.")
    var level: Double = 0

    @Option(help: "Timed repetitions (flood).")
    var repeats: Int = 5

    @Option(help: "export-dem: the GeoTIFF to write.")
    var output: String?

    @Option(help: "export-dem: cells per source cell along each axis.")
    var factor: Int = 2

    func run() throws {
        try reportingErrors {
            guard let layers = options.layersDirectory ?? RepositoryPaths.layersDirectory() else { throw CLIError(description: "pass --layers") }
            let store = try options.open()
            let rules = try EmergencyRules.load(path: EmergencyRules.file(in: layers))
            func ms(_ since: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - since) / 1e6 }
            var out: [String: Any] = [:]
            switch part {
            case "nearest":
                let network = RoadNetwork(store: store, rules: rules)
                var t = DispatchTime.now().uptimeNanoseconds
                _ = try network.current()
                out["networkBuild"] = ms(t)
                let analyses = RoutingAnalyses(network: network)
                let list = try String(contentsOfFile: points ?? "", encoding: .utf8).split(separator: "\n").compactMap { line -> Coordinate? in
                    let p = line.split(separator: " ").compactMap { Double($0) }
                    return p.count == 2 ? Coordinate(p[0], p[1]) : nil
                }
                var times: [Double] = [], found: [[String]] = [], seconds: [[Double]] = []
                for (i, p) in (list.prefix(10) + list).enumerated() {
                    t = DispatchTime.now().uptimeNanoseconds
                    let r = try analyses.nearestResources(to: p, kind: "fire", count: 5, for: .system)
                    guard i >= 10 else { continue }
                    times.append(ms(t))
                    found.append(r["resources"]?.array?.compactMap { $0["name"]?.string } ?? [])
                    seconds.append(r["resources"]?.array?.compactMap { $0["seconds"]?.number } ?? [])
                }
                out["nearest"] = times
                out["names"] = found
                out["seconds"] = seconds
            case "flood":
                let s = (seed ?? "").split(separator: " ").compactMap { Double($0) }
                guard s.count == 2 else { throw CLIError(description: "--seed 'lon lat'") }
                var limits = rules
                limits.maxFloodCells = 50_000_000
                let flood = Flood(store: store, rules: limits)
                let request = Flood.Request(level: level, seed: Coordinate(s[0], s[1]), region: nil, connectivity: 8, layer: layer)
                var times: [Double] = [], count = 0, cells = 0
                for i in 0...repeats {
                    let t = DispatchTime.now().uptimeNanoseconds
                    let c = try flood.cells(request, for: .system)
                    if i > 0 { times.append(ms(t)) }
                    count = c.count
                    cells = c.width * c.height
                }
                out["flood"] = times
                out["floodedCells"] = count
                out["cells"] = cells
            case "export-dem":
                let dem = try store.layer(layer, for: .system)
                guard let info = dem.raster, let output, factor >= 1 else { throw CLIError(description: "a DEM layer and --output") }
                let epsg: Int
                if case .epsg(let n) = dem.storageCRS.code { epsg = n } else { throw CLIError(description: "the DEM's CRS has no EPSG code") }
                let w = info.width * factor, h = info.height * factor
                let writer = try GeoTIFFWriter(path: output, width: w, height: h, bands: 1, sample: .float32, epsg: epsg, originX: info.originX,
                                               originY: info.originY, cellSize: info.cellWidth / Double(factor), noData: -9999)
                // The source's level 0 read tile by tile; each source cell becomes factor × factor
                // cells of its value, with a small slope within it so the finer raster is not made
                // of flat steps.
                var source = [Float](repeating: -9999, count: info.width * info.height)
                let size = info.tileSize
                for tr in 0..<((info.height + size - 1) / size) {
                    for tc in 0..<((info.width + size - 1) / size) {
                        guard case .elevation(let tile) = try store.rasterTile(dem, level: 0, col: tc, row: tr) else { continue }
                        for y in 0..<size where tr * size + y < info.height {
                            for x in 0..<size where tc * size + x < info.width {
                                let v = tile[x, y]
                                if !v.isNaN { source[(tr * size + y) * info.width + tc * size + x] = Float(v) }
                            }
                        }
                    }
                }
                var row = [Float](repeating: -9999, count: w)
                for y in 0..<h {
                    for x in 0..<w {
                        let v = source[(y / factor) * info.width + x / factor]
                        row[x] = v == -9999 ? -9999 : v + Float((x % factor) + (y % factor)) * 0.01
                    }
                    try writer.write(band: 1, y0: y, rows: 1, values: row)
                }
                try writer.close()
                out["width"] = w
                out["height"] = h
            default:
                throw CLIError(description: "--part must be nearest, flood or export-dem")
            }
            let data = try JSONSerialization.data(withJSONObject: out)
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
