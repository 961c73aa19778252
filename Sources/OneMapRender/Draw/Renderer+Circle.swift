import OneMapGeometry

extension TileRenderer {
    struct CircleStyle: Hashable {
        var radius: Double
        var color: Color
        var opacity: Double
        var strokeWidth: Double
        var strokeColor: Color
        var strokeOpacity: Double
    }

    func drawCircles(_ layer: StyleLayer, _ features: [PreparedFeature], _ ctx: inout DrawContext) {
        let radius = layer.paint("circle-radius"), color = layer.paint("circle-color"), opacity = layer.paint("circle-opacity")
        let strokeWidth = layer.paint("circle-stroke-width"), strokeColor = layer.paint("circle-stroke-color"), strokeOpacity = layer.paint("circle-stroke-opacity")
        var e = ctx.evaluation
        let scale = ctx.scale
        let width = ctx.width, height = ctx.height
        for (style, group) in batches(features, sortKey: layer.layout("circle-sort-key"), e, { f -> CircleStyle? in
            e.feature = f.data
            guard let c = color.color(e) else { return nil }
            return CircleStyle(radius: radius.number(e), color: c, opacity: opacity.number(e), strokeWidth: strokeWidth.number(e),
                               strokeColor: strokeColor.color(e) ?? .black, strokeOpacity: strokeOpacity.number(e))
        }) {
            let canvas = ctx.canvas
            let r = style.radius * scale
            canvas.newPath()
            for f in group {
                for c in Self.anchors(of: f.geometry) where c.x > -r - 8 && c.y > -r - 8 && c.x < width + r + 8 && c.y < height + r + 8 {
                    canvas.newSubPath()
                    canvas.arc(c.x, c.y, r)
                }
            }
            canvas.setColor(style.color, opacity: style.opacity)
            canvas.fill(evenOdd: false, preserve: style.strokeWidth > 0)
            if style.strokeWidth > 0 {
                canvas.setColor(style.strokeColor, opacity: style.strokeOpacity)
                canvas.setLine(width: style.strokeWidth * scale, cap: .butt, join: .round, miterLimit: 2, dash: [])
                canvas.stroke()
            }
        }
    }

    /// The points a circle or point symbol is drawn at: each point, or each vertex for lines and polygons.
    static func anchors(of g: FlatGeometry) -> [Coordinate] {
        g.type.dimension == 0 ? g.coordinates : g.coordinates
    }
}
