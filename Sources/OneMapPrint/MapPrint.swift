import Foundation
import OneMapGeometry
import OneMapImage
import OneMapRender
import OneMapStore

/// A printed map (QGIS Server's GetPrint, GeoServer's printing): title, the map over the asked
/// area through the tile renderer, its legend, scale bar, north arrow, date, CRS and attribution,
/// as PDF (text stays text) or PNG at the asked resolution.
public struct MapPrint {
    public enum Format: String, Sendable { case pdf, png }

    public struct Request: Sendable {
        /// lon/lat.
        public var area: BoundingBox
        /// Page size in millimetres.
        public var width: Double = 297
        public var height: Double = 210
        public var dpi: Double = 150
        public var title: String
        public var format: Format = .pdf
        /// The CRS the caller gave the area in (written on the page).
        public var crsName: String = "CGCS2000 经纬度（EPSG:4490）"

        public init(area: BoundingBox, title: String) {
            self.area = area
            self.title = title
        }
    }

    static let pointsPerMillimetre = 72 / 25.4
    static let blue = Color(0.1, 0.2, 0.45), grey = Color(0.4, 0.4, 0.4)

    /// - Parameters:
    ///   - styles: the base map first (with its background), then the overlays.
    ///   - legend: what the legend column shows.
    public static func render(_ r: Request, styles: [Style], legend: Legend, attribution: String?, sprites: SpriteSheet, store: Store,
                              principal: Principal, now: Date = Date()) throws -> [UInt8] {
        let pw = r.width * pointsPerMillimetre, ph = r.height * pointsPerMillimetre
        let doc = PrintDocument(format: r.format == .pdf ? .pdf : .png(dpi: r.dpi), width: pw, height: ph, title: r.title)
        doc.rectangle(x: 0, y: 0, width: pw, height: ph, fill: .white)
        let margin = max(18, min(pw, ph) * 0.045)
        let legendWidth = legend.sections.isEmpty ? 0 : min(190, pw * 0.26)
        // Title and the line under it.
        let titleSize = max(12, min(22, pw / 38))
        var y = margin
        y += doc.text(r.title, x: margin, y: y, size: titleSize, bold: true, color: blue, maxWidth: pw - 2 * margin)
        doc.line(from: (margin, y + 2), to: (pw - margin, y + 2), color: blue, width: 1)
        y += 8
        let footer = 30.0
        let frame = (x: margin, y: y, w: pw - 2 * margin - (legendWidth > 0 ? legendWidth + 12 : 0), h: ph - y - margin - footer)
        guard frame.w > 60, frame.h > 60 else { throw MapPrintError.pageTooSmall }
        // The map: CSS-pixel sized for the style's zoom, drawn at the page's resolution.
        let scale = max(1, min(4, Int((r.dpi / 96).rounded())))
        let pixelsW = Int(frame.w * 96 / 72), pixelsH = Int(frame.h * 96 / 72)
        let map = try MapSnapshot.render(styles: styles, sprites: sprites, store: store, area: r.area, padding: 0, width: pixelsW, height: pixelsH,
                                         scale: scale, principal: principal)
        doc.image(map.image, x: frame.x, y: frame.y, width: frame.w, height: frame.h)
        doc.rectangle(x: frame.x, y: frame.y, width: frame.w, height: frame.h, stroke: .black, lineWidth: 0.8)
        MapFurniture.northArrow(doc, x: frame.x + frame.w - 22, y: frame.y + 10)
        doc.rectangle(x: frame.x + 6, y: frame.y + frame.h - 22, width: 150, height: 16, fill: Color(1, 1, 1, 0.85))
        MapFurniture.scaleBar(doc, x: frame.x + 10, y: frame.y + frame.h - 14, maxWidth: 100, frameWidth: frame.w, boxWidth: map.box.width,
                              latitude: r.area.center.y)
        // Legend column.
        if legendWidth > 0 {
            let lx = pw - margin - legendWidth
            doc.text("图例", x: lx, y: frame.y, size: 11, bold: true, color: blue)
            doc.clip(x: lx, y: frame.y + 18, width: legendWidth, height: frame.h - 18)
            legend.draw(doc, x: lx, y: frame.y + 20, width: legendWidth, size: 7.5, icons: sprites)
            doc.unclip()
        }
        // Footer: scale, CRS, date, attribution.
        let metresPerPoint = map.box.width / frame.w * cos(r.area.center.y * .pi / 180)
        let denominator = metresPerPoint / (0.0254 / 72)
        let rounded = denominator > 1000 ? (denominator / 100).rounded() * 100 : denominator.rounded()
        let date = SiteReviewDocument.date(now)
        let fy = ph - margin - footer + 8
        doc.text("比例尺 1:\(Int(rounded).formatted(.number.grouping(.automatic)))　坐标系 \(r.crsName)，Web 墨卡托投影显示　打印于 \(date)",
                 x: margin, y: fy, size: 7.5, color: grey, maxWidth: pw - 2 * margin)
        doc.text("OneMap 一张图" + (attribution.map { "　\($0)" } ?? ""), x: margin, y: fy + 11, size: 7, color: grey, maxWidth: pw - 2 * margin)
        return try doc.finish()
    }
}

/// A page too small for a map frame.
public enum MapPrintError: Error, CustomStringConvertible {
    case pageTooSmall
    public var description: String { "the page leaves no room for the map: make it larger" }
}
