import ArgumentParser
import Foundation
import OneMapGeometry
import OneMapStore

struct LayersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "layers", abstract: "List the layers in the store.")

    @OptionGroup var options: StoreOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let store = try options.open()
            if let dir = options.layersDirectory { try store.syncMetadata(from: LayerFile.loadAll(directory: dir)) }
            let layers = try store.layers(for: .system)
            if json {
                let list: [[String: Any]] = layers.map { l in
                    var d: [String: Any] = [
                        "id": l.id, "title": l.title, "group": l.group, "kind": l.kind.rawValue, "access": l.access.rawValue,
                        "storageCrs": l.storageCRS.identifier, "featureCount": l.featureCount, "synthetic": l.synthetic,
                        "table": l.table, "version": l.version, "source": l.source, "importedAt": l.importedAt,
                    ]
                    if let g = l.geometryType { d["geometryType"] = g.name }
                    if let e = l.extent { d["extent"] = [e.minX, e.minY, e.maxX, e.maxY] }
                    if let t = l.transformation {
                        var shown: [String: Any] = ["operation": t.operation, "ballpark": t.ballpark, "viaWGS84": t.viaWGS84]
                        shown["accuracyMetres"] = t.accuracy ?? NSNull()
                        d["transformation"] = shown
                    }
                    return d
                }
                let data = try JSONSerialization.data(withJSONObject: ["schemaVersion": try store.schemaVersion, "layers": list],
                                                      options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            if layers.isEmpty {
                print("no layers in \(options.store); run `onemap demo` or `onemap import`")
                return
            }
            var rows: [[String]] = [["id", "title", "group", "kind", "access", "crs", "features", "extent", "synthetic", "table", "accuracy"]]
            for l in layers {
                let extent = l.extent.map { e in [e.minX, e.minY, e.maxX, e.maxY].map { formatNumber($0, precision: 4) }.joined(separator: ",") } ?? "-"
                let kind = l.kind == .vector ? (l.geometryType?.name ?? "vector") : l.kind.rawValue
                rows.append([l.id, l.title, l.group, kind, l.access.rawValue, l.storageCRS.identifier,
                             l.kind == .vector ? String(l.featureCount) : "\(l.raster?.width ?? 0)×\(l.raster?.height ?? 0)",
                             extent, l.synthetic ? "yes" : "no", l.table, l.transformation?.accuracyText ?? "-"])
            }
            print(Table.render(rows))
            for l in layers where l.transformation?.ballpark == true {
                print("warning: \(l.id) was imported with a ballpark transformation (\(l.transformation!.operation)); its positions may be 100 m or more off")
            }
        }
    }
}

/// Plain-text table with columns padded to their widest cell (CJK characters count double).
enum Table {
    static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { $0 + (($1.value >= 0x1100 && ($1.value <= 0x115F || ($1.value >= 0x2E80 && $1.value <= 0xFFDC))) ? 2 : 1) }
    }

    static func render(_ rows: [[String]]) -> String {
        guard let columns = rows.first?.count else { return "" }
        let widths = (0..<columns).map { c in rows.map { width($0[c]) }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in cell + String(repeating: " ", count: widths[c] - width(cell)) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
