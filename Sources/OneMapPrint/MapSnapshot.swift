import Foundation
import OneMapGeometry
import OneMapImage
import OneMapRender
import OneMapStore

/// A map drawn for a page: one or more of the city's maps over a lon/lat box, in Web Mercator,
/// through the same renderer as the tiles and with the caller's rights.
public struct MapSnapshot {
    public let image: RGBAImage
    /// The area drawn, in Web Mercator metres.
    public let box: BoundingBox
    /// The style zoom it was drawn at.
    public let zoom: Double

    /// Page position (points, inside a frame of `frameWidth` × `frameHeight` at its top left) of a lon/lat coordinate.
    public func place(_ c: Coordinate, frameWidth: Double, frameHeight: Double) -> (Double, Double) {
        let m = WebMercator.project(c)
        return ((m.x - box.minX) / box.width * frameWidth, (box.maxY - m.y) / box.height * frameHeight)
    }

    /// Draws `maps` (ids in `catalog`, the first with its background, the others over it) around
    /// `area` (lon/lat), padded by `padding` of its size, at `width` × `height` pixels × `scale`.
    /// - Throws: `RenderError.unknownMap` and render errors.
    public static func render(maps ids: [String], catalog: MapCatalog, store: Store, area: BoundingBox, padding: Double = 0.25, width: Int, height: Int,
                              scale: Int = 2, principal: Principal) throws -> MapSnapshot {
        try render(styles: try ids.map { try catalog.style($0) }, sprites: catalog.sprites, store: store, area: area, padding: padding,
                   width: width, height: height, scale: scale, principal: principal)
    }

    /// The same for styles already chosen (a base map and overlays reduced to their layers).
    public static func render(styles: [Style], sprites: SpriteSheet, store: Store, area: BoundingBox, padding: Double = 0.25, width: Int, height: Int,
                              scale: Int = 2, principal: Principal) throws -> MapSnapshot {
        let a = WebMercator.project(Coordinate(area.minX, area.minY)), b = WebMercator.project(Coordinate(area.maxX, area.maxY))
        var box = BoundingBox(minX: a.x, minY: a.y, maxX: b.x, maxY: b.y)
        if padding > 0 { box = box.expanded(by: max(box.width, box.height) * padding + 50) }
        // Widen the box to the frame's proportions so nothing is stretched.
        let aspect = Double(width) / Double(height)
        if box.width / box.height < aspect {
            box = box.expanded(by: (box.height * aspect - box.width) / 2, 0)
        } else {
            box = box.expanded(by: 0, (box.width / aspect - box.height) / 2)
        }
        let zoom = RenderView.zoom(crs: .webMercator, bbox: box, width: width)
        let view = RenderView(crs: .webMercator, bbox: box, width: width * scale, height: height * scale, zoom: zoom, scale: Double(scale))
        let renderer = TileRenderer(store: store, sprites: sprites)
        let rendered = try renderer.render(view: view, styles: styles, principal: principal)
        return MapSnapshot(image: try rendered.rgbaImage(), box: box, zoom: zoom)
    }
}

/// Map furniture drawn on pages: the north arrow and the scale bar.
enum MapFurniture {
    static func northArrow(_ doc: PrintDocument, x: Double, y: Double, size: Double = 22) {
        doc.polygon([[(x, y), (x + size * 0.32, y + size), (x, y + size * 0.72), (x - size * 0.32, y + size), (x, y)]],
                    fill: .black, stroke: .white, lineWidth: 0.8)
        _ = doc.text("北", x: x - 5, y: y + size + 1, size: 9, bold: true)
    }

    /// A scale bar of a round ground length fitting in `maxWidth` points, for a map whose frame is
    /// `frameWidth` points over `boxWidth` Web Mercator metres at latitude `latitude`.
    static func scaleBar(_ doc: PrintDocument, x: Double, y: Double, maxWidth: Double, frameWidth: Double, boxWidth: Double, latitude: Double) {
        let metresPerPoint = boxWidth / frameWidth * cos(latitude * .pi / 180)
        let target = maxWidth * metresPerPoint
        let magnitude = pow(10, floor(log10(target)))
        let length = [5.0, 2, 1].map { $0 * magnitude }.first { $0 <= target } ?? magnitude
        let w = length / metresPerPoint
        doc.rectangle(x: x, y: y, width: w, height: 4, fill: .white, stroke: .black, lineWidth: 0.6)
        doc.rectangle(x: x, y: y, width: w / 2, height: 4, fill: .black)
        let label = length >= 1000 ? "\(Self.number(length / 1000)) 千米" : "\(Self.number(length)) 米"
        _ = doc.text(label, x: x + w + 4, y: y - 3, size: 7.5)
    }

    static func number(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v) }
}
