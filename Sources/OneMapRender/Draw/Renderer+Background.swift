extension TileRenderer {
    func drawBackground(_ layer: StyleLayer, _ ctx: inout DrawContext) {
        let e = ctx.evaluation
        guard let color = layer.paint("background-color").color(e) else { return }
        ctx.canvas.paint(color: color, opacity: layer.paint("background-opacity").number(e))
    }
}
