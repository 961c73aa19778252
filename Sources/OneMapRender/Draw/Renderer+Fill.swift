import OneMapGeometry

extension TileRenderer {
    struct FillStyle: Hashable {
        var color: Color
        var opacity: Double
        var outline: Color?
        var pattern: String?
    }

    /// Fills polygons, batching features that look the same into one path (one fill, no seams).
    func drawFills(_ layer: StyleLayer, _ features: [PreparedFeature], _ ctx: inout DrawContext) {
        let color = layer.paint("fill-color"), opacity = layer.paint("fill-opacity")
        let outline = layer.paint("fill-outline-color"), pattern = layer.paint("fill-pattern")
        let sortKey = layer.layout("fill-sort-key")
        var e = ctx.evaluation
        let groups = batches(features, sortKey: sortKey, e) { (f: PreparedFeature) -> FillStyle? in
            e.feature = f.data
            guard let c = color.color(e) else { return nil }
            let o = opacity.number(e)
            let p = pattern.value(e).string
            guard (c.a > 0 && o > 0) || p != nil else { return nil }
            return FillStyle(color: c, opacity: o, outline: outline.value(e) == .null ? nil : outline.color(e), pattern: p)
        }
        for batch in groups {
            let (style, group) = batch
            let canvas = ctx.canvas
            canvas.newPath()
            for f in group { canvas.addPolygons(f.geometry) }
            if let name = style.pattern, let icon = sprites.icon(name, scale: ctx.scale) {
                canvas.fillPattern(icon.image, scale: ctx.scale / icon.pixelRatio, opacity: style.opacity)
            } else {
                canvas.setColor(style.color, opacity: style.opacity)
                canvas.fill(evenOdd: false, preserve: style.outline != nil)
            }
            if let line = style.outline {
                canvas.newPath()
                for f in group { canvas.addLines(f.geometry) }
                canvas.setColor(line, opacity: style.opacity)
                canvas.setLine(width: ctx.scale, cap: .butt, join: .miter, miterLimit: 2, dash: [])
                canvas.stroke()
            }
        }
    }

    /// Groups features by their evaluated look, in sort-key order when the layer has one
    /// (then only neighbours with the same look share a batch, so the order holds).
    func batches<Key: Hashable>(_ features: [PreparedFeature], sortKey: StyleProperty, _ e: EvaluationContext,
                                _ key: (PreparedFeature) -> Key?) -> [(Key, [PreparedFeature])] {
        var ordered = features
        if sortKey.expression != nil {
            var ctx = e
            let keys = features.map { f -> Double in
                ctx.feature = f.data
                return sortKey.number(ctx)
            }
            ordered = zip(features, keys).enumerated().sorted { ($0.element.1, $0.offset) < ($1.element.1, $1.offset) }.map(\.element.0)
            var out: [(Key, [PreparedFeature])] = []
            for f in ordered {
                guard let k = key(f) else { continue }
                if let last = out.last, last.0 == k { out[out.count - 1].1.append(f) } else { out.append((k, [f])) }
            }
            return out
        }
        var order: [Key] = []
        var groups: [Key: [PreparedFeature]] = [:]
        for f in ordered {
            guard let k = key(f) else { continue }
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(f)
        }
        return order.map { ($0, groups[$0]!) }
    }
}
