import Foundation
import OneMapGeometry

extension TileRenderer {
    /// Turns a symbol layer's features into label candidates; they are placed after every other layer.
    func collectSymbols(_ layer: StyleLayer, index: Int, _ features: [PreparedFeature], _ ctx: inout DrawContext) {
        let field = layer.layout("text-field"), font = layer.layout("text-font"), size = layer.layout("text-size")
        let maxWidth = layer.layout("text-max-width"), lineHeight = layer.layout("text-line-height"), letterSpacing = layer.layout("text-letter-spacing")
        let justify = layer.layout("text-justify"), anchor = layer.layout("text-anchor"), offset = layer.layout("text-offset")
        let padding = layer.layout("text-padding"), transform = layer.layout("text-transform"), placement = layer.layout("symbol-placement")
        let iconImage = layer.layout("icon-image"), iconSize = layer.layout("icon-size"), sortKey = layer.layout("symbol-sort-key")
        let color = layer.paint("text-color"), opacity = layer.paint("text-opacity"), haloColor = layer.paint("text-halo-color"), haloWidth = layer.paint("text-halo-width")
        var e = ctx.evaluation
        let scale = ctx.scale
        var faceCache: [[String]: [Int]] = [:]
        var sequence = 0
        for f in features {
            e.feature = f.data
            var text = field.string(e)
            switch transform.string(e) {
            case "uppercase": text = text.uppercased()
            case "lowercase": text = text.lowercased()
            default: break
            }
            let iconName = iconImage.value(e).string
            let icon = iconName.flatMap { $0.isEmpty ? nil : sprites.icon($0, scale: scale) }
            if text.isEmpty && icon == nil { continue }
            let fontNames = font.value(e).array?.compactMap(\.string) ?? ["Noto Sans CJK SC Regular"]
            let faces = faceCache[fontNames] ?? {
                let resolved = fontNames.compactMap { FontLibrary.shared.face(named: $0) }
                faceCache[fontNames] = resolved
                return resolved
            }()
            let pointSize = size.number(e) * scale
            var shaped: ShapedText?
            let mode = placement.string(e)
            if !text.isEmpty && !faces.isEmpty {
                shaped = TextShaper.shape(text, faces: faces, size: pointSize,
                                          maxWidth: mode == "point" ? maxWidth.number(e) * pointSize : 0,
                                          lineHeight: lineHeight.number(e) * pointSize, letterSpacing: letterSpacing.number(e) * pointSize,
                                          justify: justify.string(e) == "auto" ? "center" : justify.string(e))
            }
            let off = offset.numbers(e)
            var textOptions = LabelOptions()
            textOptions.anchor = anchor.string(e)
            textOptions.offset = off.count == 2 ? Coordinate(off[0], off[1]) : Coordinate(0, 0)
            textOptions.padding = padding.number(e)
            textOptions.allowOverlap = layer.layout("text-allow-overlap").bool(e)
            textOptions.ignorePlacement = layer.layout("text-ignore-placement").bool(e)
            textOptions.optional = layer.layout("text-optional").bool(e)
            textOptions.maxAngle = layer.layout("text-max-angle").number(e)
            textOptions.keepUpright = layer.layout("text-keep-upright").bool(e)
            textOptions.spacing = layer.layout("symbol-spacing").number(e)
            var iconOptions = LabelOptions()
            iconOptions.anchor = layer.layout("icon-anchor").string(e)
            let iconOffset = layer.layout("icon-offset").numbers(e)
            iconOptions.offset = iconOffset.count == 2 ? Coordinate(iconOffset[0], iconOffset[1]) : Coordinate(0, 0)
            iconOptions.padding = layer.layout("icon-padding").number(e)
            iconOptions.allowOverlap = layer.layout("icon-allow-overlap").bool(e)
            iconOptions.ignorePlacement = layer.layout("icon-ignore-placement").bool(e)
            iconOptions.optional = layer.layout("icon-optional").bool(e)
            let paint = TextPaint(color: color.color(e) ?? .black, opacity: opacity.number(e), haloColor: haloColor.color(e) ?? .transparent,
                                  haloWidth: haloWidth.number(e))
            func candidate(_ g: LabelCandidate.Geometry) -> LabelCandidate {
                sequence += 1
                return LabelCandidate(layer: index, sortKey: sortKey.number(e), sequence: sequence, geometry: g, text: shaped, textPaint: paint,
                                      textOptions: textOptions, icon: icon, iconSize: iconSize.number(e), iconOptions: iconOptions,
                                      iconOpacity: layer.paint("icon-opacity").number(e))
            }
            let g = f.geometry
            if mode == "line" || mode == "line-center" {
                guard g.type.dimension ?? 0 >= 1 else { continue }
                for part in 0..<g.partCount {
                    let points = Array(g.coordinates[g.partRange(part)])
                    guard points.count >= 2 else { continue }
                    ctx.labels.add(candidate(mode == "line" ? .line(points) : .lineCenter(points)))
                }
                continue
            }
            for p in Self.labelPoints(g) { ctx.labels.add(candidate(.point(p))) }
        }
    }

    /// Where a point-placed symbol goes: each point; a line's middle; a polygon's pole of inaccessibility.
    static func labelPoints(_ g: FlatGeometry) -> [Coordinate] {
        switch g.type.dimension {
        case 0: return g.coordinates
        case 1:
            // The middle of the longest part.
            var best: [Coordinate] = []
            var bestLength = -1.0
            for part in 0..<g.partCount {
                let pts = Array(g.coordinates[g.partRange(part)])
                var len = 0.0
                for k in stride(from: 1, to: pts.count, by: 1) { len += hypot(pts[k].x - pts[k - 1].x, pts[k].y - pts[k - 1].y) }
                if len > bestLength {
                    bestLength = len
                    best = pts
                }
            }
            guard best.count >= 2 else { return best }
            var walked = 0.0
            for k in 1..<best.count {
                let seg = hypot(best[k].x - best[k - 1].x, best[k].y - best[k - 1].y)
                if walked + seg >= bestLength / 2 {
                    let t = seg > 0 ? (bestLength / 2 - walked) / seg : 0
                    return [Coordinate(best[k - 1].x + (best[k].x - best[k - 1].x) * t, best[k - 1].y + (best[k].y - best[k - 1].y) * t)]
                }
                walked += seg
            }
            return [best.last!]
        default:
            // The largest polygon's pole of inaccessibility.
            var start = 0
            var best: [[Coordinate]] = []
            var bestArea = -1.0
            for end in g.polygonEnds {
                let rings = (start..<end).map { Array(g.coordinates[g.partRange($0)]) }
                start = end
                guard let outer = rings.first, outer.count >= 3 else { continue }
                var area = 0.0
                var j = outer.count - 1
                for i in 0..<outer.count {
                    area += (outer[j].x + outer[i].x) * (outer[j].y - outer[i].y)
                    j = i
                }
                if abs(area) > bestArea {
                    bestArea = abs(area)
                    best = rings
                }
            }
            return Polylabel.point(rings: best).map { [$0] } ?? []
        }
    }
}
