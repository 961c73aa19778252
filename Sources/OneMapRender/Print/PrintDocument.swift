import Foundation
import OneMapGeometry
import OneMapImage

/// A printed document: PDF pages (text stays text, so it can be searched and copied) or one PNG
/// page, laid out in points from the top left. The map prints and the planning review report
/// are drawn with it. Not `Sendable`: one document per task.
public final class PrintDocument {
    public enum Format: Sendable, Equatable {
        case pdf
        /// One raster page at this resolution.
        case png(dpi: Double)
    }

    /// A4 portrait in points.
    public static let a4 = (width: 595.28, height: 841.89)

    let doc: CairoDocument
    public let format: Format
    public var pageWidth: Double { doc.pageWidth }
    public var pageHeight: Double { doc.pageHeight }

    public init(format: Format, width: Double = PrintDocument.a4.width, height: Double = PrintDocument.a4.height, title: String) {
        self.format = format
        switch format {
        case .pdf: doc = CairoDocument(pdfWidth: width, height: height, title: title)
        case .png(let dpi): doc = CairoDocument(rasterWidth: width, height: height, dpi: dpi)
        }
    }

    // MARK: text

    /// The width of one line of text.
    public func width(of text: String, size: Double, bold: Bool = false) -> Double { doc.width(of: text, size: size, bold: bold) }

    /// Writes text from the top-left corner (x, y), wrapped to `maxWidth` (CJK breaks anywhere,
    /// Latin words stay whole where they fit).
    /// - Returns: the height used.
    @discardableResult
    public func text(_ text: String, x: Double, y: Double, size: Double, bold: Bool = false, color: Color = .black,
                     maxWidth: Double? = nil, lineHeight: Double = 1.45) -> Double {
        let lines = maxWidth.map { wrap(text, width: $0, size: size, bold: bold) } ?? text.components(separatedBy: "\n")
        for (i, line) in lines.enumerated() {
            doc.text(line, x: x, y: y + size * (Double(i) * lineHeight + 1), size: size, bold: bold, color: color)
        }
        return Double(lines.count) * size * lineHeight
    }

    /// Text right-aligned to `right`.
    public func textRight(_ text: String, right: Double, y: Double, size: Double, bold: Bool = false, color: Color = .black) {
        doc.text(text, x: right - width(of: text, size: size, bold: bold), y: y + size, size: size, bold: bold, color: color)
    }

    /// Lines of `text` no wider than `width`.
    public func wrap(_ text: String, width: Double, size: Double, bold: Bool = false) -> [String] {
        var out: [String] = []
        for paragraph in text.components(separatedBy: "\n") {
            var line = ""
            var word = ""
            func flushWord() {
                guard !word.isEmpty else { return }
                if line.isEmpty || self.width(of: line + word, size: size, bold: bold) <= width {
                    line += word
                } else {
                    out.append(line.trimmingCharacters(in: .whitespaces))
                    line = word.trimmingCharacters(in: .whitespaces)
                }
                word = ""
            }
            for ch in paragraph {
                if ch.isASCII && !ch.isWhitespace {
                    word.append(ch)
                    continue
                }
                flushWord()
                if self.width(of: line + String(ch), size: size, bold: bold) > width && !line.isEmpty {
                    out.append(line.trimmingCharacters(in: .whitespaces))
                    line = ch.isWhitespace ? "" : String(ch)
                } else {
                    line.append(ch)
                }
            }
            flushWord()
            out.append(line)
        }
        return out
    }

    // MARK: shapes

    public func rectangle(x: Double, y: Double, width: Double, height: Double, fill: Color? = nil, stroke: Color? = nil, lineWidth: Double = 0.5) {
        doc.rectangle(x: x, y: y, width: width, height: height, fill: fill, stroke: stroke, lineWidth: lineWidth)
    }

    public func line(from a: (Double, Double), to b: (Double, Double), color: Color = .black, width: Double = 0.5, dash: [Double] = []) {
        doc.line([a, b], color: color, width: width, dash: dash)
    }

    public func polyline(_ points: [(Double, Double)], color: Color, width: Double, dash: [Double] = []) {
        doc.line(points, color: color, width: width, dash: dash)
    }

    public func polygon(_ rings: [[(Double, Double)]], fill: Color?, stroke: Color?, lineWidth: Double = 1, dash: [Double] = []) {
        doc.polygon(rings, fill: fill, stroke: stroke, lineWidth: lineWidth, dash: dash)
    }

    public func circle(x: Double, y: Double, radius: Double, fill: Color?, stroke: Color? = nil, lineWidth: Double = 1) {
        doc.circle(x: x, y: y, radius: radius, fill: fill, stroke: stroke, lineWidth: lineWidth)
    }

    public func image(_ image: RGBAImage, x: Double, y: Double, width: Double, height: Double) {
        doc.image(image, x: x, y: y, width: width, height: height)
    }

    public func clip(x: Double, y: Double, width: Double, height: Double) { doc.clip(x: x, y: y, width: width, height: height) }
    public func unclip() { doc.unclip() }

    /// Starts a new page (PDF only).
    public func newPage() { doc.newPage() }

    /// The document's bytes: the PDF, or the page as PNG.
    public func finish() throws -> [UInt8] {
        switch format {
        case .pdf: return try doc.finishPDF()
        case .png: return try ImageCodec.encodePNG(try doc.finishImage(), level: 6)
        }
    }

    // MARK: tables

    /// A table with a header row; columns share `width` by `weights`. Rows that would run off the
    /// page continue on a new one (PDF), header repeated.
    /// - Returns: the y below the table.
    @discardableResult
    public func table(x: Double, y: Double, width: Double, weights: [Double], header: [String], rows: [[String]], size: Double = 8.5,
                      rowColors: [Color?] = [], bottomMargin: Double = 60, topMargin: Double = 56) -> Double {
        let total = weights.reduce(0, +)
        let widths = weights.map { $0 / total * width }
        let pad = 3.0
        var y = y
        func height(_ cells: [String], bold: Bool) -> Double {
            zip(cells, widths).map { Double(wrap($0, width: $1 - 2 * pad, size: size, bold: bold).count) }.max().map { $0 * size * 1.35 + 2 * pad } ?? 0
        }
        func draw(_ cells: [String], bold: Bool, fill: Color?) {
            let h = height(cells, bold: bold)
            var cx = x
            for (cell, w) in zip(cells, widths) {
                rectangle(x: cx, y: y, width: w, height: h, fill: fill, stroke: Color(0.6, 0.6, 0.6), lineWidth: 0.4)
                text(cell, x: cx + pad, y: y + pad, size: size, bold: bold, maxWidth: w - 2 * pad, lineHeight: 1.35)
                cx += w
            }
            y += h
        }
        let headerFill = Color(0.9, 0.92, 0.95)
        draw(header, bold: true, fill: headerFill)
        for (i, row) in rows.enumerated() {
            if format == .pdf && y + height(row, bold: false) > pageHeight - bottomMargin {
                newPage()
                y = topMargin
                draw(header, bold: true, fill: headerFill)
            }
            draw(row, bold: false, fill: i < rowColors.count ? rowColors[i] : nil)
        }
        return y
    }
}
