import Foundation
import OneMapGeometry

/// How a label's text looks.
struct TextPaint {
    var color: Color
    var opacity: Double
    var haloColor: Color
    var haloWidth: Double
}

/// Where and how a label may go.
struct LabelOptions {
    var anchor = "center"
    var offset = Coordinate(0, 0)
    var padding = 2.0
    var allowOverlap = false
    var ignorePlacement = false
    var optional = false
    var maxAngle = 45.0
    var keepUpright = true
    var spacing = 250.0
}

/// One label waiting for placement.
struct LabelCandidate {
    enum Geometry {
        case point(Coordinate)
        case line([Coordinate])
        case lineCenter([Coordinate])
    }

    var layer: Int
    var sortKey: Double
    var sequence: Int
    var geometry: Geometry
    var text: ShapedText?
    var textPaint: TextPaint
    var textOptions: LabelOptions
    var icon: SpriteSheet.Icon?
    var iconSize: Double
    var iconOptions: LabelOptions
    var iconOpacity: Double
}

/// Places labels over the whole metatile once every other layer is drawn: by priority (sort key,
/// then layer order, then feature order), skipping any that would overlap a placed one or cross
/// the metatile's edge (so no label is ever cut or drawn twice by neighbouring metatiles).
struct LabelPlacer {
    let width: Double
    let height: Double
    let scale: Double
    private(set) var candidates: [LabelCandidate] = []

    init(width: Double, height: Double, scale: Double) {
        self.width = width
        self.height = height
        self.scale = scale
    }

    mutating func add(_ c: LabelCandidate) { candidates.append(c) }

    struct PlacedGlyph {
        var face: Int
        var glyph: UInt32
        var x: Double
        var y: Double
        var angle: Double
        var advance: Double
        /// Placed on a path: drawn centred on (x, y) at `angle`, not from a text block's baseline.
        var rotated = false
    }

    /// Places and draws; returns whether anything was drawn.
    func placeAndDraw(canvas: CairoCanvas, sprites: SpriteSheet) -> Bool {
        guard !candidates.isEmpty else { return false }
        var index = CollisionIndex(width: width, height: height)
        let ordered = candidates.sorted { ($0.sortKey, $0.layer, $0.sequence) < ($1.sortKey, $1.layer, $1.sequence) }
        var drew = false
        for c in ordered {
            switch c.geometry {
            case .point(let p): drew = placePoint(c, at: p, index: &index, canvas: canvas) || drew
            case .line(let line): drew = placeLine(c, line, center: false, index: &index, canvas: canvas) || drew
            case .lineCenter(let line): drew = placeLine(c, line, center: true, index: &index, canvas: canvas) || drew
            }
        }
        return drew
    }

    func inside(_ b: Box) -> Bool { b.minX >= 0 && b.minY >= 0 && b.maxX <= width && b.maxY <= height }

    /// The top-left corner of a `w` × `h` box anchored at `p`.
    static func origin(_ p: Coordinate, anchor: String, w: Double, h: Double) -> Coordinate {
        var x = p.x - w / 2, y = p.y - h / 2
        if anchor.contains("left") { x = p.x }
        if anchor.contains("right") { x = p.x - w }
        if anchor.hasPrefix("top") { y = p.y }
        if anchor.hasPrefix("bottom") { y = p.y - h }
        return Coordinate(x, y)
    }

    func placePoint(_ c: LabelCandidate, at p: Coordinate, index: inout CollisionIndex, canvas: CairoCanvas) -> Bool {
        var textBox: Box?
        var textOrigin = Coordinate(0, 0)
        if let text = c.text {
            let size = text.size
            let anchorPoint = Coordinate(p.x + c.textOptions.offset.x * size, p.y + c.textOptions.offset.y * size)
            textOrigin = Self.origin(anchorPoint, anchor: c.textOptions.anchor, w: text.width, h: text.height)
            textBox = Box(minX: textOrigin.x, minY: textOrigin.y, maxX: textOrigin.x + text.width, maxY: textOrigin.y + text.height)
        }
        var iconBox: Box?
        var iconOrigin = Coordinate(0, 0)
        var iconScale = 1.0
        if let icon = c.icon {
            iconScale = c.iconSize * scale / icon.pixelRatio
            let w = Double(icon.image.width) * iconScale, h = Double(icon.image.height) * iconScale
            let q = Coordinate(p.x + c.iconOptions.offset.x * c.iconSize * scale, p.y + c.iconOptions.offset.y * c.iconSize * scale)
            iconOrigin = Self.origin(q, anchor: c.iconOptions.anchor, w: w, h: h)
            iconBox = Box(minX: iconOrigin.x, minY: iconOrigin.y, maxX: iconOrigin.x + w, maxY: iconOrigin.y + h)
        }
        func fits(_ b: Box?, _ o: LabelOptions) -> Bool {
            guard let b else { return false }
            return inside(b) && (o.allowOverlap || !index.collides(b.padded(o.padding * scale)))
        }
        var showText = fits(textBox, c.textOptions)
        var showIcon = fits(iconBox, c.iconOptions)
        if c.text != nil && c.icon != nil && !(showText && showIcon) {
            if !showText && c.textOptions.optional && showIcon {
                showText = false
            } else if !showIcon && c.iconOptions.optional && showText {
                showIcon = false
            } else {
                showText = false
                showIcon = false
            }
        }
        if showIcon, let b = iconBox, let icon = c.icon {
            if !c.iconOptions.ignorePlacement { index.insert(b.padded(c.iconOptions.padding * scale)) }
            canvas.draw(image: icon.image, x: iconOrigin.x, y: iconOrigin.y, scale: iconScale, opacity: c.iconOpacity)
        }
        if showText, let b = textBox, let text = c.text {
            if !c.textOptions.ignorePlacement { index.insert(b.padded(c.textOptions.padding * scale)) }
            let glyphs = text.glyphs.map { PlacedGlyph(face: $0.face, glyph: $0.glyph, x: textOrigin.x + $0.x, y: textOrigin.y + $0.y, angle: 0, advance: $0.advance) }
            drawGlyphs(glyphs, size: text.size, paint: c.textPaint, canvas: canvas)
        }
        return showText || showIcon
    }

    func placeLine(_ c: LabelCandidate, _ line: [Coordinate], center: Bool, index: inout CollisionIndex, canvas: CairoCanvas) -> Bool {
        guard let text = c.text, line.count >= 2 else { return false }
        var lengths = [0.0]
        for k in 1..<line.count { lengths.append(lengths[k - 1] + hypot(line[k].x - line[k - 1].x, line[k].y - line[k - 1].y)) }
        let total = lengths.last!
        let labelLength = text.width
        guard labelLength + 4 * scale < total else { return false }
        let spacing = max(c.textOptions.spacing * scale, labelLength + 10 * scale)
        var anchors: [Double] = []
        if center || total < spacing {
            anchors = [total / 2]
        } else {
            var d = spacing / 2
            while d < total {
                anchors.append(d)
                d += spacing
            }
        }
        func at(_ s: Double) -> (Coordinate, Double) {
            var k = 1
            while k < lengths.count - 1 && lengths[k] < s { k += 1 }
            let a = line[k - 1], b = line[k]
            let seg = max(lengths[k] - lengths[k - 1], 1e-9)
            let t = min(max((s - lengths[k - 1]) / seg, 0), 1)
            return (Coordinate(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t), atan2(b.y - a.y, b.x - a.x))
        }
        let maxAngle = c.textOptions.maxAngle * .pi / 180
        var placedAny = false
        for d in anchors {
            let start = d - labelLength / 2
            guard start >= 0, start + labelLength <= total else { continue }
            // Upright: read left to right; if the line runs the other way, lay glyphs from the far end.
            // Steep lines read top to bottom, Chinese characters standing upright as on Chinese maps.
            let (_, midAngle) = at(d)
            let steep = abs(cos(midAngle)) < 0.6
            let flip = steep ? sin(midAngle) < 0 : c.textOptions.keepUpright && cos(midAngle) < 0
            var glyphs: [PlacedGlyph] = []
            var boxes: [Box] = []
            var previous: Double?
            var ok = true
            for g in text.glyphs {
                let along = g.x + g.advance / 2
                let s = flip ? start + labelLength - along : start + along
                var (p, angle) = at(s)
                if flip { angle += .pi }
                if let previous {
                    var delta = abs(angle - previous)
                    if delta > .pi { delta = 2 * .pi - delta }
                    if delta > maxAngle {
                        ok = false
                        break
                    }
                }
                previous = angle
                let drawn = steep && g.upright ? 0 : angle
                glyphs.append(PlacedGlyph(face: g.face, glyph: g.glyph, x: p.x, y: p.y, angle: drawn, advance: g.advance, rotated: true))
                let r = text.size * 0.55
                boxes.append(Box(minX: p.x - r, minY: p.y - r, maxX: p.x + r, maxY: p.y + r))
            }
            guard ok, !boxes.isEmpty, boxes.allSatisfy(inside) else { continue }
            let padding = c.textOptions.padding * scale
            if !c.textOptions.allowOverlap && boxes.contains(where: { index.collides($0.padded(padding)) }) { continue }
            if !c.textOptions.ignorePlacement { for b in boxes { index.insert(b.padded(padding)) } }
            drawGlyphs(glyphs, size: text.size, paint: c.textPaint, canvas: canvas, centerShift: text.baselineShift)
            placedAny = true
        }
        return placedAny
    }

    /// Halo pass for every glyph, then the fill pass, so halos never cover neighbouring letters.
    func drawGlyphs(_ glyphs: [PlacedGlyph], size: Double, paint: TextPaint, canvas: CairoCanvas, centerShift: Double = 0) {
        let halo = paint.haloWidth * scale
        let rotated = glyphs.contains { $0.rotated }
        let library = FontLibrary.shared
        for pass in (halo > 0 && paint.haloColor.a > 0 ? [0, 1] : [1]) {
            if !rotated {
                var byFace: [Int: [Glyph]] = [:]
                for g in glyphs { byFace[g.face, default: []].append(Glyph(index: g.glyph, x: g.x, y: g.y)) }
                for (face, list) in byFace {
                    let font = library.scaledFont(face: face, size: size)
                    canvas.drawGlyphs(list, font: font, pass: pass, paint: paint, halo: halo)
                }
            } else {
                for g in glyphs {
                    canvas.save()
                    canvas.translate(g.x, g.y)
                    canvas.rotate(g.angle)
                    let font = library.scaledFont(face: g.face, size: size)
                    canvas.drawGlyphs([Glyph(index: g.glyph, x: -g.advance / 2, y: centerShift)], font: font, pass: pass, paint: paint, halo: halo)
                    canvas.restore()
                }
            }
        }
    }
}
