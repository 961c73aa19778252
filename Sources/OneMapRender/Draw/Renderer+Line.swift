import OneMapGeometry

extension TileRenderer {
    struct LineStyle: Hashable {
        var color: Color
        var width: Double
        var opacity: Double
        var offset: Double
        var gap: Double
        var dash: [Double]
        var cap: String
        var join: String
    }

    /// Strokes lines (and polygon outlines); `line-gap-width` draws a casing on both sides.
    func drawLines(_ layer: StyleLayer, _ features: [PreparedFeature], _ ctx: inout DrawContext) {
        let color = layer.paint("line-color"), width = layer.paint("line-width"), opacity = layer.paint("line-opacity")
        let offset = layer.paint("line-offset"), gap = layer.paint("line-gap-width"), dash = layer.paint("line-dasharray")
        let cap = layer.layout("line-cap"), join = layer.layout("line-join"), miter = layer.layout("line-miter-limit")
        var e = ctx.evaluation
        let scale = ctx.scale
        let miterLimit = miter.number(e)
        for (style, group) in batches(features, sortKey: layer.layout("line-sort-key"), e, { f -> LineStyle? in
            e.feature = f.data
            guard let c = color.color(e), c.a > 0 else { return nil }
            let w = width.number(e), o = opacity.number(e)
            guard w > 0, o > 0 else { return nil }
            return LineStyle(color: c, width: w, opacity: o, offset: offset.number(e), gap: gap.number(e), dash: dash.numbers(e),
                             cap: cap.string(e), join: join.string(e))
        }) {
            let canvas = ctx.canvas
            let w = style.width * scale
            // Dash lengths are in line widths; Cairo wants pixels.
            let dashPixels = style.dash.count >= 2 ? style.dash.map { max($0 * w, 0.01) } : []
            canvas.setLine(width: w, cap: style.cap == "round" ? .round : style.cap == "square" ? .square : .butt,
                           join: style.join == "round" ? .round : style.join == "bevel" ? .bevel : .miter, miterLimit: miterLimit, dash: dashPixels)
            canvas.setColor(style.color, opacity: style.opacity)
            let offsets: [Double] = style.gap > 0 ? [style.offset + (style.gap + style.width) / 2, style.offset - (style.gap + style.width) / 2] : [style.offset]
            canvas.newPath()
            for o in offsets {
                for f in group { canvas.addLines(f.geometry, offset: o * scale) }
            }
            canvas.stroke()
        }
    }
}
