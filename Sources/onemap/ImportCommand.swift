import ArgumentParser
import Foundation
import OneMapGeometry
import OneMapStore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a vector (GeoJSON, Shapefile, GeoPackage, OSM PBF, CSV, ...) or raster (DEM, DOM) source as a layer.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The source file.")
    var source: String

    @Option(help: "The layer id (lowercase letters, digits, _).")
    var layer: String

    @Option(help: "vector, dem or dom.")
    var kind: String = "vector"

    @Option(help: "The source's CRS when it declares none or a wrong one: EPSG:n, GCJ02 (converted to CGCS2000) or a named CRS from Layers/crs.")
    var srs: String?

    @Option(help: "The source datum's shift to WGS 84 when PROJ has none: 7 Bursa-Wolf parameters ΔX,ΔY,ΔZ (m),rX,rY,rZ (arc-seconds),scale (ppm), position vector, or 3 shifts.")
    var towgs84: String?

    @Flag(help: "Accept a ballpark transformation (the datum shift ignored: 100 m or more off) when PROJ knows nothing better.")
    var allowBallpark = false

    @Option(help: "Text encoding of a source without a declared one: GBK or GB18030.")
    var encoding: String?

    @Option(help: "Which layer of a multi-layer source (GeoPackage, OSM: points, lines, multipolygons, ...).")
    var sourceLayer: String?

    @Flag(help: "Replace an existing layer with the same id.")
    var replace = false

    @Option(help: "Title for a new layer (default: from the layer file, else the id).")
    var title: String?

    @Option(help: "Group for a new layer.")
    var group: String?

    @Option(help: "Access level: public, internal or confidential.")
    var access: String?

    @Option(help: "DOM tile format: png or jpeg.")
    var format: String = "png"

    func run() throws {
        try reportingErrors {
            guard let kind = LayerKind(rawValue: kind) else { throw CLIError(description: "--kind must be vector, dem or dom") }
            try options.loadNamedCRSs()
            var crs: CRS?
            if let srs {
                do { crs = try CRS(parsing: srs) } catch { throw CLIError(description: "unknown CRS '\(srs)'") }
            }
            var shift: [Double]?
            if let towgs84 {
                let numbers = towgs84.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard numbers.count == 3 || numbers.count == 7, numbers.allSatisfy({ $0?.isFinite == true }) else {
                    throw CLIError(description: "--towgs84 takes 3 or 7 comma-separated numbers (ΔX,ΔY,ΔZ[,rX,rY,rZ,ppm]), not '\(towgs84)'")
                }
                shift = numbers.compactMap { $0 }
            }
            if let encoding, !["GBK", "GB18030", "GB2312", "UTF-8", "CP936", "BIG5", "ISO-8859-1", "LATIN1"].contains(encoding.uppercased()) {
                throw CLIError(description: "unsupported --encoding '\(encoding)': use GBK or GB18030")
            }
            var level: AccessLevel?
            if let access {
                guard let parsed = AccessLevel(rawValue: access) else { throw CLIError(description: "--access must be public, internal or confidential") }
                level = parsed
            }
            guard let imageEncoding = RasterEncoding(rawValue: format), imageEncoding != .deflate else {
                throw CLIError(description: "--format must be png or jpeg")
            }
            let store = try options.open()
            let request = ImportRequest(
                source: source, layerID: layer, kind: kind, srs: crs, towgs84: shift, ballpark: allowBallpark ? .allow : .refuse, encoding: encoding?.uppercased(), sourceLayer: sourceLayer,
                replace: replace, layersDirectory: options.layersDirectory, writesLayerFile: options.writesLayerFiles, title: title, group: group, access: level,
                imageEncoding: imageEncoding)
            let bar = ProgressBar(label: "importing \(layer)")
            let summary = try store.importLayer(request) { bar.update($0, $1) }
            bar.finish()
            try store.checkpoint()
            print(Self.describe(summary))
        }
    }

    static func describe(_ s: ImportSummary) -> String {
        var lines: [String] = []
        if s.layer.kind == .vector {
            lines.append("imported \(s.layer.id) (\(s.layer.geometryType?.name ?? "?"), \(s.layer.storageCRS.identifier)) into table \(s.layer.table)")
            lines.append("read \(s.read), written \(s.written), repaired \(s.repaired), skipped \(s.skipped), \(String(format: "%.2f", s.seconds)) s")
        } else {
            let r = s.layer.raster!
            lines.append("imported \(s.layer.id) (\(s.layer.kind.rawValue), \(r.width)×\(r.height) cells, \(s.layer.storageCRS.identifier)) into table \(s.layer.table)")
            lines.append("\(s.tiles) tiles in \(r.levels) levels, \(r.encoding.rawValue), \(String(format: "%.2f", s.seconds)) s")
        }
        if let t = s.transformation { lines.append("coordinates: \(t)") }
        for (warning, count) in s.warnings.sorted(by: { $0.value > $1.value }).prefix(5) {
            lines.append("warning (\(count)×): \(warning)")
        }
        return lines.joined(separator: "\n")
    }
}
