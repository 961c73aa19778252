import OneMapImage
import CCairo

/// A Cairo image surface (ARGB32, premultiplied) and its drawing context.
///
/// Ownership: owns the surface and context, destroyed in `deinit`. Thread rule: Cairo contexts
/// are not thread-safe; a canvas lives within one render on one thread.
final class CairoCanvas {
    private let surface: OpaquePointer
    let context: OpaquePointer
    let width: Int
    let height: Int

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        context = cairo_create(surface)
        cairo_set_antialias(context, CAIRO_ANTIALIAS_DEFAULT)
        cairo_set_tolerance(context, 0.2)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    // MARK: paths

    @inline(__always) func moveTo(_ x: Double, _ y: Double) { cairo_move_to(context, x, y) }
    @inline(__always) func lineTo(_ x: Double, _ y: Double) { cairo_line_to(context, x, y) }
    @inline(__always) func closePath() { cairo_close_path(context) }
    func newPath() { cairo_new_path(context) }
    func newSubPath() { cairo_new_sub_path(context) }
    func arc(_ x: Double, _ y: Double, _ r: Double) { cairo_arc(context, x, y, r, 0, 2 * .pi) }
    func rectangle(_ x: Double, _ y: Double, _ w: Double, _ h: Double) { cairo_rectangle(context, x, y, w, h) }

    // MARK: state

    func setColor(_ c: Color, opacity: Double = 1) { cairo_set_source_rgba(context, c.r, c.g, c.b, c.a * opacity) }
    func save() { cairo_save(context) }
    func restore() { cairo_restore(context) }
    func translate(_ x: Double, _ y: Double) { cairo_translate(context, x, y) }
    func rotate(_ a: Double) { cairo_rotate(context, a) }

    enum Cap { case butt, round, square }
    enum Join { case miter, round, bevel }

    func setLine(width: Double, cap: Cap, join: Join, miterLimit: Double, dash: [Double]) {
        cairo_set_line_width(context, width)
        cairo_set_line_cap(context, cap == .butt ? CAIRO_LINE_CAP_BUTT : cap == .round ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_SQUARE)
        cairo_set_line_join(context, join == .miter ? CAIRO_LINE_JOIN_MITER : join == .round ? CAIRO_LINE_JOIN_ROUND : CAIRO_LINE_JOIN_BEVEL)
        cairo_set_miter_limit(context, miterLimit)
        if dash.isEmpty {
            cairo_set_dash(context, nil, 0, 0)
        } else {
            dash.withUnsafeBufferPointer { cairo_set_dash(context, $0.baseAddress, Int32(dash.count), 0) }
        }
    }

    func fill(evenOdd: Bool = true, preserve: Bool = false) {
        cairo_set_fill_rule(context, evenOdd ? CAIRO_FILL_RULE_EVEN_ODD : CAIRO_FILL_RULE_WINDING)
        if preserve { cairo_fill_preserve(context) } else { cairo_fill(context) }
    }

    func stroke(preserve: Bool = false) {
        if preserve { cairo_stroke_preserve(context) } else { cairo_stroke(context) }
    }

    func paint(color: Color, opacity: Double) {
        setColor(color, opacity: opacity)
        cairo_paint(context)
    }

    // MARK: images

    /// Draws straight-alpha RGBA pixels at (x, y), scaled by `scale`, with `opacity`.
    func draw(image: RGBAImage, x: Double, y: Double, scale: Double = 1, opacity: Double = 1, nearest: Bool = false) {
        guard let src = Self.surface(from: image) else { return }
        defer { cairo_surface_destroy(src) }
        save()
        translate(x, y)
        cairo_scale(context, scale, scale)
        cairo_set_source_surface(context, src, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(context), nearest ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_BILINEAR)
        cairo_paint_with_alpha(context, opacity)
        restore()
    }

    /// Composites a premultiplied BGRA buffer of the canvas's size over the canvas.
    func composite(premultiplied pixels: [UInt8], opacity: Double) {
        var copy = pixels
        copy.withUnsafeMutableBytes { raw in
            let stride = Int(cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, Int32(width)))
            guard stride == width * 4, let src = cairo_image_surface_create_for_data(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), CAIRO_FORMAT_ARGB32, Int32(width), Int32(height), Int32(stride)) else { return }
            defer { cairo_surface_destroy(src) }
            cairo_set_source_surface(context, src, 0, 0)
            cairo_paint_with_alpha(context, opacity)
        }
    }

    /// Fills the current path with a repeating image.
    func fillPattern(_ image: RGBAImage, scale: Double, opacity: Double) {
        guard let src = Self.surface(from: image) else { return }
        defer { cairo_surface_destroy(src) }
        let pattern = cairo_pattern_create_for_surface(src)
        defer { cairo_pattern_destroy(pattern) }
        cairo_pattern_set_extend(pattern, CAIRO_EXTEND_REPEAT)
        var matrix = cairo_matrix_t()
        cairo_matrix_init_scale(&matrix, 1 / scale, 1 / scale)
        cairo_pattern_set_matrix(pattern, &matrix)
        cairo_set_source(context, pattern)
        cairo_set_fill_rule(context, CAIRO_FILL_RULE_EVEN_ODD)
        if opacity >= 1 {
            cairo_fill(context)
        } else {
            cairo_clip(context)
            cairo_paint_with_alpha(context, opacity)
            cairo_reset_clip(context)
        }
    }

    static func surface(from image: RGBAImage) -> OpaquePointer? {
        guard let s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(image.width), Int32(image.height)) else { return nil }
        cairo_surface_flush(s)
        let stride = Int(cairo_image_surface_get_stride(s))
        let data = cairo_image_surface_get_data(s)!
        for y in 0..<image.height {
            let row = data + y * stride
            for x in 0..<image.width {
                let i = (y * image.width + x) * 4
                let a = UInt32(image.pixels[i + 3])
                // Premultiplied BGRA in memory on little-endian hosts.
                row[x * 4] = UInt8((UInt32(image.pixels[i + 2]) * a + 127) / 255)
                row[x * 4 + 1] = UInt8((UInt32(image.pixels[i + 1]) * a + 127) / 255)
                row[x * 4 + 2] = UInt8((UInt32(image.pixels[i]) * a + 127) / 255)
                row[x * 4 + 3] = UInt8(a)
            }
        }
        cairo_surface_mark_dirty(s)
        return s
    }

    // MARK: text

    /// Draws glyphs of one scaled font: pass 0 strokes their outlines as a halo, pass 1 fills them.
    func drawGlyphs(_ glyphs: [Glyph], font: ScaledFont, pass: Int, paint: TextPaint, halo: Double) {
        cairo_set_scaled_font(context, font.handle)
        let list = glyphs.map { cairo_glyph_t(index: UInt($0.index), x: $0.x, y: $0.y) }
        list.withUnsafeBufferPointer { buffer in
            if pass == 0 {
                cairo_new_path(context)
                cairo_glyph_path(context, buffer.baseAddress, Int32(buffer.count))
                setColor(paint.haloColor, opacity: paint.opacity)
                cairo_set_line_width(context, halo * 2)
                cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
                cairo_set_dash(context, nil, 0, 0)
                cairo_stroke(context)
            } else {
                setColor(paint.color, opacity: paint.opacity)
                cairo_show_glyphs(context, buffer.baseAddress, Int32(buffer.count))
            }
        }
    }

    // MARK: status

    /// The one check of Cairo's sticky error state (a failed allocation or an invalid argument
    /// leaves the context or surface in error, and every later call does nothing): called before
    /// pixels are read, so a broken drawing is an error, never a tile.
    func checkStatus() throws { try checkCairo(surface: surface, context: context) }

    // MARK: pixels

    /// Calls `body` with the premultiplied BGRA pixels and the row stride.
    func withPixels<T>(_ body: (UnsafeMutablePointer<UInt8>, Int) throws -> T) throws -> T {
        try checkStatus()
        cairo_surface_flush(surface)
        defer { cairo_surface_mark_dirty(surface) }
        return try body(cairo_image_surface_get_data(surface), Int(cairo_image_surface_get_stride(surface)))
    }
}

/// The one check of a Cairo surface and context: their error state as a `RenderError`.
func checkCairo(surface: OpaquePointer, context: OpaquePointer) throws {
    for status in [cairo_surface_status(surface), cairo_status(context)] where status != CAIRO_STATUS_SUCCESS {
        throw RenderError.drawingFailed(String(cString: cairo_status_to_string(status)))
    }
}
