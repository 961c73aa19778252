import Foundation
import OneMapGeometry
import OneMapImage
import OneMapStore

/// A map's legend, read from its style: one section per store layer, one entry per class the style
/// tells apart — a style layer's filter on one value (三区三线: three style layers, three lines), the
/// cases of a `match` or `case` on a property's value, or the layer as a whole. Labels come from
/// the layer schema's code labels (`0701` → 城镇住宅用地). The web map, WMS GetLegendGraphic and
/// printed maps all draw this one legend.
public struct Legend: Sendable {
    public enum Symbol: Sendable, Equatable {
        case fill(Color, outline: Color?)
        case line(Color, width: Double, dashed: Bool)
        /// A road: its fill over its casing.
        case casedLine(Color, casing: Color, width: Double)
        case circle(Color, stroke: Color?)
        case icon(String)
    }

    public struct Entry: Sendable, Equatable {
        public let symbol: Symbol
        public let label: String
    }

    public struct Section: Sendable {
        public let layerID: String
        public let title: String
        public var entries: [Entry]
    }

    public let sections: [Section]

    /// The zoom the colours are read at (styles change widths with zoom; colours rarely do).
    public static let zoom = 15.0

    public init(sections: [Section]) { self.sections = sections }

    /// - Parameters:
    ///   - layers: the store layers the caller may see (others are left out), for titles and code labels.
    ///   - only: just these store layers (a WMS layer, the web map's visible overlays).
    public init(style: Style, layers: [Layer], only: Set<String>? = nil) {
        let byID = Dictionary(layers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var sections: [Section] = []
        // Top-most first, as a reader scans a map.
        for styleLayer in style.layers.reversed() where styleLayer.visible {
            guard let id = styleLayer.sourceLayer, let layer = byID[id], only?.contains(id) ?? true else { continue }
            let entries = Self.entries(styleLayer, layer: layer)
            guard !entries.isEmpty else { continue }
            if let i = sections.firstIndex(where: { $0.layerID == id }) {
                for e in entries where !sections[i].entries.contains(e) {
                    // The same class drawn twice as lines is a road over its casing: one cased line.
                    if let j = sections[i].entries.firstIndex(where: { $0.label == e.label }) {
                        if case .line(let top, let w, _) = sections[i].entries[j].symbol, case .line(let below, let w2, _) = e.symbol {
                            sections[i].entries[j] = Entry(symbol: .casedLine(top, casing: below, width: max(w, w2)), label: e.label)
                        }
                        continue
                    }
                    sections[i].entries.append(e)
                }
            } else {
                sections.append(Section(layerID: id, title: layer.title, entries: entries))
            }
        }
        self.sections = sections
    }

    // MARK: reading the style

    static func entries(_ s: StyleLayer, layer: Layer) -> [Entry] {
        var colourName: String
        switch s.type {
        case .fill: colourName = "fill-color"
        case .line: colourName = "line-color"
        case .circle:
            // A ring (transparent fill, coloured stroke) is told apart by its stroke.
            colourName = (s.paint("circle-color").color(EvaluationContext(zoom: zoom))?.a ?? 1) == 0 ? "circle-stroke-color" : "circle-color"
        case .symbol:
            return iconEntries(s, layer: layer)
        default: return []
        }
        let colour = s.paint(colourName)
        let geometry = s.type == .fill ? "Polygon" : s.type == .line ? "LineString" : "Point"
        // Classes from the colour expression: each case's value, evaluated as a feature holding it.
        if let expression = colour.expression, let (property, values) = classes(of: unwrap(expression)) {
            return values.compactMap { group in
                let data = FeatureData(index: [property: 0], values: [featureValue(group[0])], geometryType: geometry, id: 0)
                let ctx = EvaluationContext(zoom: zoom, feature: data)
                if let filter = s.filter, !filter.evaluate(ctx).isTrue { return nil }
                guard let c = colour.color(ctx), c.a > 0 else { return nil }
                let label = group.map { codeLabel($0, property: property, layer: layer) }.joined(separator: "、")
                return Entry(symbol: symbol(s, colour: c, ctx: ctx), label: label)
            }
        }
        // One entry: the value the filter picks, or the layer itself.
        var ctx = EvaluationContext(zoom: zoom)
        if let (property, value) = filterValue(s.filter) {
            ctx.feature = FeatureData(index: [property: 0], values: [featureValue(value)], geometryType: geometry, id: 0)
        }
        guard let c = colour.color(ctx), c.a > 0 else { return [] }
        return [Entry(symbol: symbol(s, colour: c, ctx: ctx), label: filterLabel(s.filter, layer: layer) ?? layer.title)]
    }

    /// Icons only (text labels are not legend entries): one per class of a `match` on the icon name.
    static func iconEntries(_ s: StyleLayer, layer: Layer) -> [Entry] {
        guard let icon = s.layout["icon-image"]?.expression else { return [] }
        let e = unwrap(icon)
        if case .literal(.string(let name)) = e { return [Entry(symbol: .icon(name), label: filterLabel(s.filter, layer: layer) ?? layer.title)] }
        guard let (property, values) = classes(of: e) else { return [] }
        return values.compactMap { group in
            let data = FeatureData(index: [property: 0], values: [featureValue(group[0])], geometryType: "Point", id: 0)
            let ctx = EvaluationContext(zoom: zoom, feature: data)
            guard case .string(let name) = e.evaluate(ctx), !name.isEmpty else { return nil }
            return Entry(symbol: .icon(name), label: group.map { codeLabel($0, property: property, layer: layer) }.joined(separator: "、"))
        }
    }

    static func symbol(_ s: StyleLayer, colour: Color, ctx: EvaluationContext) -> Symbol {
        let opacity: Double
        switch s.type {
        case .fill:
            opacity = s.paint("fill-opacity").number(ctx)
            return .fill(colour.withAlpha(opacity), outline: s.paint("fill-outline-color").color(ctx))
        case .line:
            let dashed: Bool
            if case .array(let parts)? = s.paint["line-dasharray"]?.value(ctx) { dashed = parts.count >= 2 } else { dashed = false }
            return .line(colour.withAlpha(s.paint("line-opacity").number(ctx)), width: min(4, max(1, s.paint("line-width").number(ctx))), dashed: dashed)
        default:
            let fill = s.paint("circle-color").color(ctx) ?? colour
            if fill.a == 0 { return .circle(fill, stroke: colour) }
            return .circle(colour.withAlpha(s.paint("circle-opacity").number(ctx)), stroke: s.paint("circle-stroke-color").color(ctx))
        }
    }

    static func unwrap(_ e: Expression) -> Expression {
        if case .memo(_, let inner) = e { return unwrap(inner) }
        return e
    }

    /// `match` on one property: its case groups; `case` whose conditions test one property for
    /// equality: their values.
    static func classes(of e: Expression) -> (String, [[StyleValue]])? {
        switch e {
        case .match(let input, let cases, _):
            guard case .get(let property) = unwrap(input) else { return nil }
            return (property, cases.map(\.0).filter { !$0.isEmpty })
        case .caseOf(let branches, _):
            var property: String?
            var values: [[StyleValue]] = []
            for (condition, _) in branches {
                guard let (p, v) = filterValue(condition), property == nil || property == p else { return nil }
                property = p
                values.append([v])
            }
            return property.map { ($0, values) }
        default:
            return nil
        }
    }

    /// `["==", ["get", p], v]` (either order), or the first test of that form inside `all`.
    static func filterValue(_ e: Expression?) -> (String, StyleValue)? {
        guard let e else { return nil }
        switch unwrap(e) {
        case .compare(.eq, let a, let b):
            if case .get(let p) = unwrap(a), case .literal(let v) = unwrap(b) { return (p, v) }
            if case .get(let p) = unwrap(b), case .literal(let v) = unwrap(a) { return (p, v) }
            return nil
        case .all(let parts):
            return parts.lazy.compactMap { filterValue($0) }.first
        default:
            return nil
        }
    }

    static func filterLabel(_ e: Expression?, layer: Layer) -> String? {
        filterValue(e).map { codeLabel($1, property: $0, layer: layer) }
    }

    /// "0701 城镇住宅用地" when the schema labels the code, else the value as written.
    static func codeLabel(_ v: StyleValue, property: String, layer: Layer) -> String {
        let text = v.description
        guard let label = layer.attributes.first(where: { $0.name == property })?.codes?[text], label != text else { return text }
        return "\(text) \(label)"
    }

    static func featureValue(_ v: StyleValue) -> FeatureValue {
        switch v {
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? .integer(Int64(n)) : .real(n)
        case .bool(let b): return .integer(b ? 1 : 0)
        default: return .text(v.description)
        }
    }

    // MARK: drawing

    /// Draws the legend at (x, y) in a column `width` points wide; returns the height used.
    /// `icons` draws sprite icons (by name) when given.
    @discardableResult
    public func draw(_ doc: PrintDocument, x: Double, y: Double, width: Double, size: Double = 8, icons: SpriteSheet? = nil) -> Double {
        var cy = y
        let swatch = size * 2.2, row = size * 1.75
        for section in sections {
            cy += doc.text(section.title, x: x, y: cy, size: size * 1.05, bold: true, maxWidth: width) + size * 0.25
            for entry in section.entries {
                let sx = x + 2, sy = cy + row * 0.5
                switch entry.symbol {
                case .fill(let c, let outline):
                    doc.rectangle(x: sx, y: sy - size * 0.45, width: swatch, height: size * 0.9, fill: c, stroke: outline ?? c.withAlpha(1), lineWidth: 0.6)
                case .line(let c, let w, let dashed):
                    doc.line(from: (sx, sy), to: (sx + swatch, sy), color: c, width: w, dash: dashed ? [3, 2] : [])
                case .casedLine(let c, let casing, let w):
                    doc.line(from: (sx, sy), to: (sx + swatch, sy), color: casing, width: w + 2)
                    doc.line(from: (sx, sy), to: (sx + swatch, sy), color: c, width: w)
                case .circle(let c, let stroke):
                    if c.a == 0 {
                        doc.circle(x: sx + swatch / 2, y: sy, radius: size * 0.42, fill: nil, stroke: stroke ?? .black, lineWidth: 1.6)
                    } else {
                        doc.circle(x: sx + swatch / 2, y: sy, radius: size * 0.38, fill: c, stroke: stroke ?? .white, lineWidth: 0.7)
                    }
                case .icon(let name):
                    if let icon = icons?.icon(name, scale: 2) {
                        let h = size * 1.3, w = h * Double(icon.image.width) / Double(max(1, icon.image.height))
                        doc.image(icon.image, x: sx + (swatch - w) / 2, y: sy - h / 2, width: w, height: h)
                    } else {
                        doc.circle(x: sx + swatch / 2, y: sy, radius: size * 0.38, fill: Color(0.3, 0.3, 0.3), stroke: .white)
                    }
                }
                let h = doc.text(entry.label, x: x + swatch + 8, y: cy + (row - size * 1.45) / 2, size: size, maxWidth: width - swatch - 10)
                cy += max(row, h)
            }
            cy += size * 0.6
        }
        return cy - y
    }

    /// The legend alone as a PNG (WMS GetLegendGraphic): as tall as it needs, `width` points wide.
    public func png(width: Double = 220, size: Double = 9, dpi: Double = 96, icons: SpriteSheet? = nil) throws -> [UInt8] {
        // Measure on a scratch page, then draw on one of the right height.
        let scratch = PrintDocument(format: .png(dpi: 18), width: width, height: 4000, title: "图例")
        let height = sections.isEmpty ? size * 2 : draw(scratch, x: 6, y: 6, width: width - 12, size: size, icons: icons) + 8
        let doc = PrintDocument(format: .png(dpi: dpi), width: width, height: height, title: "图例")
        doc.rectangle(x: 0, y: 0, width: width, height: height, fill: .white)
        if sections.isEmpty { doc.text("（无图例）", x: 6, y: 4, size: size, color: Color(0.4, 0.4, 0.4)) }
        draw(doc, x: 6, y: 6, width: width - 12, size: size, icons: icons)
        return try doc.finish()
    }
}
