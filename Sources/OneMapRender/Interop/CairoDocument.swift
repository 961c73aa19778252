import CCairo
import Foundation
import OneMapImage

/// A Cairo surface for documents: a PDF written to memory (vector text with embedded,
/// searchable fonts) or one raster page. Coordinates are points (1/72 in) from the top left.
///
/// Ownership: owns the surface and context (destroyed in `deinit`) and the PDF bytes written
/// so far. Thread rule: one thread, like any Cairo context.
final class CairoDocument {
    private let surface: OpaquePointer
    private let context: OpaquePointer
    private let sink: PDFSink?
    let pageWidth: Double
    let pageHeight: Double
    /// Raster pages: pixels per point.
    let pixelScale: Double

    /// Collects what Cairo writes; reached from the C callback through its pointer.
    final class PDFSink {
        var bytes: [UInt8] = []
    }

    /// A PDF of pages `width` × `height` points.
    init(pdfWidth width: Double, height: Double, title: String) {
        pageWidth = width
        pageHeight = height
        pixelScale = 1
        let sink = PDFSink()
        self.sink = sink
        surface = cairo_pdf_surface_create_for_stream({ closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<PDFSink>.fromOpaque(closure).takeUnretainedValue().bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }, Unmanaged.passUnretained(sink).toOpaque(), width, height)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "OneMap 一张图")
        context = cairo_create(surface)
    }

    /// One raster page of `width` × `height` points at `dpi`, on white.
    init(rasterWidth width: Double, height: Double, dpi: Double) {
        pageWidth = width
        pageHeight = height
        pixelScale = dpi / 72
        sink = nil
        surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32((width * pixelScale).rounded()), Int32((height * pixelScale).rounded()))
        context = cairo_create(surface)
        cairo_scale(context, pixelScale, pixelScale)
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    private func color(_ c: Color) { cairo_set_source_rgba(context, c.r, c.g, c.b, c.a) }

    private func font(size: Double, bold: Bool) {
        cairo_select_font_face(context, "Noto Sans CJK SC", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
    }

    /// The advance width of `text` in points.
    func width(of text: String, size: Double, bold: Bool) -> Double {
        font(size: size, bold: bold)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return extents.x_advance
    }

    /// Draws one line of text with its baseline at `y`.
    func text(_ text: String, x: Double, y: Double, size: Double, bold: Bool, color c: Color) {
        font(size: size, bold: bold)
        color(c)
        cairo_move_to(context, x, y)
        cairo_show_text(context, text)
    }

    func rectangle(x: Double, y: Double, width: Double, height: Double, fill: Color?, stroke: Color?, lineWidth: Double) {
        cairo_new_path(context)
        cairo_rectangle(context, x, y, width, height)
        paint(fill: fill, stroke: stroke, lineWidth: lineWidth, dash: [])
    }

    func line(_ points: [(Double, Double)], color c: Color, width: Double, dash: [Double]) {
        guard let first = points.first else { return }
        cairo_new_path(context)
        cairo_move_to(context, first.0, first.1)
        for p in points.dropFirst() { cairo_line_to(context, p.0, p.1) }
        paint(fill: nil, stroke: c, lineWidth: width, dash: dash)
    }

    /// Polygons as rings of points (even-odd), filled and/or outlined.
    func polygon(_ rings: [[(Double, Double)]], fill: Color?, stroke: Color?, lineWidth: Double, dash: [Double]) {
        cairo_new_path(context)
        for ring in rings {
            guard let first = ring.first else { continue }
            cairo_move_to(context, first.0, first.1)
            for p in ring.dropFirst() { cairo_line_to(context, p.0, p.1) }
            cairo_close_path(context)
        }
        cairo_set_fill_rule(context, CAIRO_FILL_RULE_EVEN_ODD)
        paint(fill: fill, stroke: stroke, lineWidth: lineWidth, dash: dash)
    }

    func circle(x: Double, y: Double, radius: Double, fill: Color?, stroke: Color?, lineWidth: Double) {
        cairo_new_path(context)
        cairo_arc(context, x, y, radius, 0, 2 * .pi)
        paint(fill: fill, stroke: stroke, lineWidth: lineWidth, dash: [])
    }

    private func paint(fill: Color?, stroke: Color?, lineWidth: Double, dash: [Double]) {
        if let fill {
            color(fill)
            if stroke != nil { cairo_fill_preserve(context) } else { cairo_fill(context) }
        }
        if let stroke {
            color(stroke)
            cairo_set_line_width(context, lineWidth)
            cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
            dash.withUnsafeBufferPointer { cairo_set_dash(context, $0.baseAddress, Int32(dash.count), 0) }
            cairo_stroke(context)
        }
        cairo_new_path(context)
    }

    /// Draws an image scaled into the box, clipped to it.
    func image(_ image: RGBAImage, x: Double, y: Double, width: Double, height: Double) {
        guard let src = CairoCanvas.surface(from: image) else { return }
        defer { cairo_surface_destroy(src) }
        cairo_save(context)
        cairo_rectangle(context, x, y, width, height)
        cairo_clip(context)
        cairo_translate(context, x, y)
        cairo_scale(context, width / Double(image.width), height / Double(image.height))
        cairo_set_source_surface(context, src, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_GOOD)
        cairo_paint(context)
        cairo_restore(context)
    }

    /// Clips drawing to a box until `unclip`.
    func clip(x: Double, y: Double, width: Double, height: Double) {
        cairo_save(context)
        cairo_rectangle(context, x, y, width, height)
        cairo_clip(context)
    }

    func unclip() { cairo_restore(context) }

    /// Ends a PDF page and starts the next.
    func newPage() { cairo_show_page(context) }

    /// The finished document: the PDF bytes, or the raster page as RGBA.
    func finishPDF() throws -> [UInt8] {
        cairo_surface_finish(surface)
        try check()
        return sink?.bytes ?? []
    }

    func finishImage() throws -> RGBAImage {
        cairo_surface_flush(surface)
        try check()
        let w = Int(cairo_image_surface_get_width(surface)), h = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = cairo_image_surface_get_data(surface)!
        var pixels = [UInt8](repeating: 0, count: w * h * 4)
        for y in 0..<h {
            for x in 0..<w {
                let p = data + y * stride + x * 4
                let a = Int(p[3]), i = (y * w + x) * 4
                guard a > 0 else { continue }
                pixels[i] = UInt8(min(255, (Int(p[2]) * 255 + a / 2) / a))
                pixels[i + 1] = UInt8(min(255, (Int(p[1]) * 255 + a / 2) / a))
                pixels[i + 2] = UInt8(min(255, (Int(p[0]) * 255 + a / 2) / a))
                pixels[i + 3] = UInt8(a)
            }
        }
        return RGBAImage(width: w, height: h, pixels: pixels)
    }

    private func check() throws { try checkCairo(surface: surface, context: context) }
}
