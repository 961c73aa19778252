import Foundation
import OneMapGeometry
import OneMapStore

/// What a style is checked against when it loads.
public struct StyleEnvironment: Sendable {
    /// The store's layers by id.
    public var layers: [String: Layer]
    /// Whether a font name (as in `text-font`) resolves to an installed font.
    public var fontExists: @Sendable (String) -> Bool
    /// Icon names available in the sprite sheet.
    public var icons: Set<String>

    public init(layers: [String: Layer], fontExists: @escaping @Sendable (String) -> Bool, icons: Set<String>) {
        self.layers = layers
        self.fontExists = fontExists
        self.icons = icons
    }
}

/// Loads a MapLibre style (the subset DESIGN.md lists) and reports every problem at once, each
/// with its JSON path; nothing unsupported is silently ignored.
public enum StyleLoader {
    static let topKeys: Set<String> = ["version", "name", "metadata", "sources", "layers", "sprite", "glyphs", "center", "zoom", "bearing", "pitch", "transition", "light"]
    static let layerKeys: Set<String> = ["id", "type", "source", "source-layer", "minzoom", "maxzoom", "filter", "paint", "layout", "metadata"]

    /// - Throws: `RenderError.invalidStyle` listing every problem.
    public static func load(id: String, text: String, environment: StyleEnvironment) throws -> Style {
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch let GeometryError.malformed(_, detail) {
            throw RenderError.invalidStyle(name: id, problems: ["$: invalid JSON: \(detail)"])
        }
        var problems: [StyleProblem] = []
        func problem(_ path: String, _ message: String) { problems.append(StyleProblem(path, message)) }
        guard let top = json.object else { throw RenderError.invalidStyle(name: id, problems: ["$: a style must be a JSON object"]) }
        for (key, _) in top where !topKeys.contains(key) { problem("$.\(key)", "unknown or unsupported style key") }
        if json["version"]?.number != 8 { problem("$.version", "must be 8") }

        // Sources.
        var sources: [String: StyleSource] = [:]
        if let list = json["sources"]?.object {
            for (name, value) in list {
                let path = "$.sources.\(name)"
                guard let type = value["type"]?.string else {
                    problem("\(path).type", "missing")
                    continue
                }
                guard ["vector", "raster", "raster-dem"].contains(type) else {
                    problem("\(path).type", "unsupported source type '\(type)' (OneMap draws vector, raster and raster-dem sources from its store)")
                    continue
                }
                for (key, _) in value.object ?? [] where !["type", "url", "tileSize", "attribution", "encoding", "minzoom", "maxzoom", "bounds"].contains(key) {
                    problem("\(path).\(key)", "unknown source key")
                }
                guard let url = value["url"]?.string, url.hasPrefix("onemap:") else {
                    problem("\(path).url", "must be \"onemap:\" (vector) or \"onemap:<layer>\" (raster, raster-dem)")
                    continue
                }
                let layer = String(url.dropFirst("onemap:".count))
                if type == "vector" {
                    if !layer.isEmpty { problem("\(path).url", "a vector source is the whole store: \"onemap:\"") }
                    sources[name] = StyleSource(type: type, layer: nil)
                } else {
                    guard let stored = environment.layers[layer] else {
                        problem("\(path).url", "no layer '\(layer)' in the store")
                        continue
                    }
                    let kind: LayerKind = type == "raster" ? .dom : .dem
                    if stored.kind != kind { problem("\(path).url", "'\(layer)' is a \(stored.kind.rawValue) layer, a \(type) source needs a \(kind.rawValue) layer") }
                    sources[name] = StyleSource(type: type, layer: layer)
                }
            }
        } else if json["sources"] != nil {
            problem("$.sources", "must be an object")
        }

        // Layers.
        var layers: [StyleLayer] = []
        var ids = Set<String>()
        let list = json["layers"]?.array ?? []
        if json["layers"]?.array == nil { problem("$.layers", "must be an array") }
        for (index, item) in list.enumerated() {
            let path = "$.layers[\(index)]"
            guard let object = item.object else {
                problem(path, "must be an object")
                continue
            }
            for (key, _) in object where !layerKeys.contains(key) { problem("\(path).\(key)", "unknown or unsupported layer key") }
            guard let layerID = item["id"]?.string else {
                problem("\(path).id", "missing")
                continue
            }
            if !ids.insert(layerID).inserted { problem("\(path).id", "'\(layerID)' is used twice") }
            guard let typeName = item["type"]?.string, let type = LayerType(rawValue: typeName) else {
                problem("\(path).type", "unknown or unsupported layer type '\(item["type"]?.string ?? item["type"]?.typeName ?? "missing")'")
                continue
            }
            var sourceName: String?
            var sourceLayer: String?
            if let needed = type.sourceType {
                sourceName = item["source"]?.string
                if let s = sourceName, let source = sources[s] {
                    if source.type != needed { problem("\(path).source", "a \(type.rawValue) layer needs a \(needed) source, '\(s)' is \(source.type)") }
                } else if let s = sourceName, json["sources"]?[s] == nil {
                    problem("\(path).source", "no source '\(s)'")
                } else if sourceName == nil {
                    problem("\(path).source", "missing")
                }
                if needed == "vector" {
                    sourceLayer = item["source-layer"]?.string
                    if let sl = sourceLayer {
                        if let stored = environment.layers[sl] {
                            if stored.kind != .vector { problem("\(path).source-layer", "'\(sl)' is a \(stored.kind.rawValue) layer, not vector") }
                        } else {
                            problem("\(path).source-layer", "no layer '\(sl)' in the store")
                        }
                    } else {
                        problem("\(path).source-layer", "missing")
                    }
                }
            }
            let minZoom = item["minzoom"]?.number ?? 0
            let maxZoom = item["maxzoom"]?.number ?? 24
            if let z = item["minzoom"], z.number == nil || !(0...24).contains(minZoom) { problem("\(path).minzoom", "must be a number 0–24") }
            if let z = item["maxzoom"], z.number == nil || !(0...24).contains(maxZoom) { problem("\(path).maxzoom", "must be a number 0–24") }
            var filter: Expression?
            if let f = item["filter"] {
                do {
                    let expression = ExpressionParser.isExpressionFilter(f) ? f : try ExpressionParser.convertLegacyFilter(f, "\(path).filter")
                    filter = try ExpressionParser.parse(expression, "\(path).filter", expected: .boolean).0
                } catch let p as StyleProblem { problems.append(p) }
            }
            let paint = properties(item["paint"], specs: PropertySpec.paint[type] ?? [:], path: "\(path).paint", layer: type, environment: environment, problems: &problems)
            let layout = properties(item["layout"], specs: PropertySpec.layout[type] ?? [:], path: "\(path).layout", layer: type, environment: environment, problems: &problems)
            let visible = layout["visibility"]?.value(EvaluationContext(zoom: 0)).string != "none"
            layers.append(StyleLayer(id: layerID, type: type, source: sourceName, sourceLayer: sourceLayer, minZoom: minZoom, maxZoom: maxZoom,
                                     filter: filter, paint: paint, layout: layout, visible: visible, metadata: item["metadata"]))
        }
        let metadata = json["metadata"]
        var format = TileFormat.rgba
        if let f = metadata?["onemap:format"] {
            if let parsed = f.string.flatMap(TileFormat.init(rawValue:)) { format = parsed } else { problem("$.metadata.onemap:format", "must be rgba or palette") }
        }
        var center: Coordinate?
        if let c = json["center"]?.array, c.count == 2, let x = c[0].number, let y = c[1].number { center = Coordinate(x, y) }
        guard problems.isEmpty else { throw RenderError.invalidStyle(name: id, problems: problems.map(\.description)) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Style(id: id, loadID: String(hash, radix: 16), name: json["name"]?.string ?? id, layers: layers, sources: sources, format: format,
                     attribution: metadata?["onemap:attribution"]?.string, center: center, zoom: json["zoom"]?.number, json: json)
    }

    static func properties(_ json: JSONValue?, specs: [String: PropertySpec], path: String, layer: LayerType, environment: StyleEnvironment,
                           problems: inout [StyleProblem]) -> [String: StyleProperty] {
        guard let json else { return [:] }
        guard let pairs = json.object else {
            problems.append(StyleProblem(path, "must be an object"))
            return [:]
        }
        var out: [String: StyleProperty] = [:]
        for (name, value) in pairs {
            let p = "\(path).\(name)"
            // Transitions only animate interactive clients; a tile is a still image.
            if name.hasSuffix("-transition") { continue }
            guard let spec = specs[name] else {
                problems.append(StyleProblem(p, "unknown or unsupported \(layer.rawValue) property"))
                continue
            }
            do {
                var expressionJSON = value
                if case .object = value {
                    expressionJSON = try ExpressionParser.convertFunction(value, p, interpolatable: [.number, .color, .array].contains(spec.type))
                }
                let (expression, _) = try ExpressionParser.parse(expressionJSON, p, expected: spec.type)
                try check(expression, spec: spec, name: name, path: p, environment: environment)
                out[name] = StyleProperty(expression: expression, defaultValue: spec.defaultValue)
            } catch let problem as StyleProblem {
                problems.append(problem)
            } catch {
                problems.append(StyleProblem(p, "\(error)"))
            }
        }
        if layer == .colorRelief && out["color-relief-color"] == nil {
            problems.append(StyleProblem("\(path).color-relief-color", "required: an interpolate expression on [\"elevation\"]"))
        }
        return out
    }

    /// Checks literal values the parser cannot: enumerations, array lengths, fonts and icons.
    static func check(_ e: Expression, spec: PropertySpec, name: String, path: String, environment: StyleEnvironment) throws {
        for literal in literalOutputs(e) {
            if let allowed = spec.values, let s = literal.string, !allowed.contains(s) {
                throw StyleProblem(path, "'\(s)' is not one of \(allowed.joined(separator: ", "))")
            }
            if spec.type == .array {
                guard case .array(let items) = literal else { continue }
                if name == "text-font" {
                    let fonts = items.compactMap(\.string)
                    if fonts.count != items.count || fonts.isEmpty { throw StyleProblem(path, "must be an array of font names") }
                    if !fonts.contains(where: environment.fontExists) {
                        throw StyleProblem(path, "none of the fonts \(fonts.map { "'\($0)'" }.joined(separator: ", ")) is installed")
                    }
                } else {
                    if items.contains(where: { $0.number == nil }) { throw StyleProblem(path, "must be an array of numbers") }
                    if let n = spec.arrayLength, items.count != n { throw StyleProblem(path, "must hold \(n) numbers") }
                    if name == "line-dasharray", items.contains(where: { ($0.number ?? 0) < 0 }) { throw StyleProblem(path, "dash lengths cannot be negative") }
                }
            }
            if (name == "icon-image" || name == "fill-pattern"), let icon = literal.string, !icon.isEmpty, !environment.icons.contains(icon) {
                throw StyleProblem(path, "no icon '\(icon)' in the sprite sheet")
            }
        }
    }

    /// The literal values an expression can produce (its outputs, not its conditions).
    static func literalOutputs(_ e: Expression) -> [StyleValue] {
        switch e {
        case .literal(let v): return [v]
        case .match(_, let cases, let fallback): return cases.flatMap { literalOutputs($0.1) } + literalOutputs(fallback)
        case .caseOf(let branches, let fallback): return branches.flatMap { literalOutputs($0.1) } + literalOutputs(fallback)
        case .step(_, let first, let stops): return literalOutputs(first) + stops.flatMap { literalOutputs($0.1) }
        case .interpolate(_, _, let stops): return stops.flatMap { literalOutputs($0.1) }
        case .coalesce(let es): return es.flatMap(literalOutputs)
        default: return []
        }
    }
}
