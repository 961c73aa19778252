import CCairo
import OneMapGeometry

/// A Cairo image surface to paint the demo orthophoto on, with coordinates mapped from
/// lon/lat to pixels.
///
/// Ownership: owns the surface and context, destroyed in `deinit`. Thread rule: one thread.
final class Canvas {
    private let surface: OpaquePointer
    private let cr: OpaquePointer
    let width: Int
    let height: Int
    let origin: Coordinate
    let cellSize: Double

    init(width: Int, height: Int, origin: Coordinate, cellSize: Double) {
        self.width = width
        self.height = height
        self.origin = origin
        self.cellSize = cellSize
        surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        cr = cairo_create(surface)
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    func pixel(_ c: Coordinate) -> (Double, Double) { ((c.x - origin.x) / cellSize, (origin.y - c.y) / cellSize) }

    func color(_ r: Double, _ g: Double, _ b: Double, _ a: Double = 1) {
        cairo_set_source_rgba(cr, r / 255, g / 255, b / 255, a)
    }

    func fill(_ g: Geometry) {
        path(g)
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD)
        cairo_fill(cr)
    }

    func stroke(_ cs: [Coordinate], width: Double, dash: [Double] = []) {
        guard let first = cs.first else { return }
        let p = pixel(first)
        cairo_move_to(cr, p.0, p.1)
        for c in cs.dropFirst() {
            let q = pixel(c)
            cairo_line_to(cr, q.0, q.1)
        }
        cairo_set_line_width(cr, width)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        dash.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32(dash.count), 0) }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    func circle(_ c: Coordinate, radius: Double) {
        let p = pixel(c)
        cairo_new_sub_path(cr)
        cairo_arc(cr, p.0, p.1, radius, 0, 2 * .pi)
        cairo_fill(cr)
    }

    private func path(_ g: Geometry) {
        func ring(_ cs: [Coordinate]) {
            guard let first = cs.first else { return }
            let p = pixel(first)
            cairo_move_to(cr, p.0, p.1)
            for c in cs.dropFirst() {
                let q = pixel(c)
                cairo_line_to(cr, q.0, q.1)
            }
            cairo_close_path(cr)
        }
        switch g {
        case .polygon(let rs): rs.forEach(ring)
        case .multiPolygon(let ps): ps.forEach { $0.forEach(ring) }
        case .collection(let parts): parts.forEach(path)
        default: break
        }
    }

    /// Calls `body` with the raw pixels (premultiplied BGRA in memory order, `stride` bytes per row).
    func withPixels<T>(_ body: (UnsafeMutablePointer<UInt8>, Int) throws -> T) rethrows -> T {
        cairo_surface_flush(surface)
        defer { cairo_surface_mark_dirty(surface) }
        return try body(cairo_image_surface_get_data(surface), Int(cairo_image_surface_get_stride(surface)))
    }

    /// Writes the surface as PNG (for looking at it while developing).
    func writePNG(_ path: String) { cairo_surface_write_to_png(surface, path) }
}
