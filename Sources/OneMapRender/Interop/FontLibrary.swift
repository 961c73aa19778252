import CCairo
import Foundation
import Synchronization

/// Fonts for labels: fontconfig finds them by name, FreeType reads their metrics, Cairo draws.
///
/// Ownership: owns two FreeType libraries and the faces opened in them for the process's life
/// (fonts are never unloaded). Thread rule: metrics go through `metricsFaces` under a lock; Cairo
/// gets its own faces (`renderFaces`) and locks them itself, so the two never race.
public final class FontLibrary: @unchecked Sendable {
    public static let shared = FontLibrary()

    struct Face {
        let file: String
        let index: Int32
        let metrics: FT_Face
        let cairoFace: OpaquePointer
        let unitsPerEM: Double
        let ascender: Double
        let descender: Double
    }

    private let lock = NSLock()
    private var metricsLibrary: FT_Library?
    private var renderLibrary: FT_Library?
    /// Faces by resolved file+index, and font names resolved to face indices.
    private var faces: [Face] = []
    private var byName: [String: Int?] = [:]
    private var glyphs: [UInt64: (glyph: UInt32, advance: Double)] = [:]
    private var scaledFonts: [UInt64: ScaledFont] = [:]
    private let fontOptions: OpaquePointer

    private init() {
        FT_Init_FreeType(&metricsLibrary)
        FT_Init_FreeType(&renderLibrary)
        FcInit()
        fontOptions = cairo_font_options_create()
        cairo_font_options_set_hint_style(fontOptions, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(fontOptions, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_antialias(fontOptions, CAIRO_ANTIALIAS_GRAY)
    }

    /// The face index for a style font name such as "Noto Sans CJK SC Regular" or "Noto Sans CJK SC Bold",
    /// or nil when fontconfig has no font of that family.
    func face(named name: String) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        if let cached = byName[name] { return cached }
        let resolved = resolve(name)
        byName[name] = resolved
        return resolved
    }

    public func exists(_ name: String) -> Bool { face(named: name) != nil }

    private static let styles = ["Regular", "Bold", "Medium", "Light", "Thin", "Black", "Italic", "Book", "DemiLight", "SemiBold", "Heavy"]

    /// Must hold `lock`.
    private func resolve(_ name: String) -> Int? {
        var family = name
        var style = "Regular"
        let words = name.split(separator: " ").map(String.init)
        if let last = words.last, Self.styles.contains(last), words.count > 1 {
            style = last
            family = words.dropLast().joined(separator: " ")
        }
        guard let pattern = FcPatternCreate() else { return nil }
        defer { FcPatternDestroy(pattern) }
        FcPatternAddString(pattern, FC_FAMILY, family)
        FcPatternAddString(pattern, FC_STYLE, style)
        FcConfigSubstitute(nil, pattern, FcMatchPattern)
        FcDefaultSubstitute(pattern)
        var result = FcResultMatch
        guard let match = FcFontMatch(nil, pattern, &result) else { return nil }
        defer { FcPatternDestroy(match) }
        var matchedFamily: UnsafeMutablePointer<FcChar8>?
        var file: UnsafeMutablePointer<FcChar8>?
        var index: Int32 = 0
        guard FcPatternGetString(match, FC_FAMILY, 0, &matchedFamily) == FcResultMatch, let matchedFamily,
            FcPatternGetString(match, FC_FILE, 0, &file) == FcResultMatch, let file
        else { return nil }
        FcPatternGetInteger(match, FC_INDEX, 0, &index)
        // fontconfig always returns something; only an exact family match counts.
        let got = String(cString: matchedFamily)
        var familyMatches = got.lowercased() == family.lowercased()
        var n: Int32 = 1
        var alias: UnsafeMutablePointer<FcChar8>?
        while !familyMatches && FcPatternGetString(match, FC_FAMILY, n, &alias) == FcResultMatch {
            if let alias, String(cString: alias).lowercased() == family.lowercased() { familyMatches = true }
            n += 1
        }
        guard familyMatches else { return nil }
        let path = String(cString: file)
        if let existing = faces.firstIndex(where: { $0.file == path && $0.index == index }) { return existing }
        var metricsFace: FT_Face?
        var renderFace: FT_Face?
        guard FT_New_Face(metricsLibrary, path, FT_Long(index), &metricsFace) == 0, let metricsFace,
            FT_New_Face(renderLibrary, path, FT_Long(index), &renderFace) == 0, let renderFace,
            let cairoFace = cairo_ft_font_face_create_for_ft_face(renderFace, 0)
        else { return nil }
        let upem = Double(metricsFace.pointee.units_per_EM)
        faces.append(Face(file: path, index: index, metrics: metricsFace, cairoFace: cairoFace, unitsPerEM: upem,
                          ascender: Double(metricsFace.pointee.ascender) / upem, descender: Double(metricsFace.pointee.descender) / upem))
        return faces.count - 1
    }

    /// The glyph for a character in the first face of `stack` that has it, with its advance at size 1.
    func glyph(_ scalar: Unicode.Scalar, stack: [Int]) -> (face: Int, glyph: UInt32, advance: Double) {
        lock.lock()
        defer { lock.unlock() }
        for face in stack {
            let key = UInt64(face) << 32 | UInt64(scalar.value)
            if let cached = glyphs[key] {
                if cached.glyph != 0 { return (face, cached.glyph, cached.advance) }
                continue
            }
            let f = faces[face]
            let index = UInt32(FT_Get_Char_Index(f.metrics, FT_ULong(scalar.value)))
            var advance = 0.0
            if index != 0, FT_Load_Glyph(f.metrics, index, Int32(FT_LOAD_NO_SCALE | FT_LOAD_NO_HINTING)) == 0 {
                advance = Double(f.metrics.pointee.glyph.pointee.advance.x) / f.unitsPerEM
            }
            glyphs[key] = (index, advance)
            if index != 0 { return (face, index, advance) }
        }
        // Nothing has it: the first face's .notdef, as wide as a CJK character.
        return (stack.first ?? 0, 0, 1)
    }

    /// Ascender and descender (negative) of a face at size 1.
    func verticalMetrics(_ face: Int) -> (ascender: Double, descender: Double) {
        lock.lock()
        defer { lock.unlock() }
        return (faces[face].ascender, faces[face].descender)
    }

    /// A Cairo scaled font for a face at a pixel size (cached; Cairo scaled fonts are thread-safe).
    func scaledFont(face: Int, size: Double) -> ScaledFont {
        let key = UInt64(face) << 32 | UInt64((size * 64).rounded())
        lock.lock()
        defer { lock.unlock() }
        if let font = scaledFonts[key] { return font }
        var matrix = cairo_matrix_t()
        var identity = cairo_matrix_t()
        cairo_matrix_init_scale(&matrix, size, size)
        cairo_matrix_init_identity(&identity)
        let font = ScaledFont(handle: cairo_scaled_font_create(faces[face].cairoFace, &matrix, &identity, fontOptions)!)
        scaledFonts[key] = font
        return font
    }
}

/// A glyph to draw: its index in a face and its pixel position.
struct Glyph {
    var index: UInt32
    var x: Double
    var y: Double
}

/// A Cairo scaled font (a face at one pixel size), cached by `FontLibrary` for the process's
/// life and never freed. Cairo scaled fonts are thread-safe.
struct ScaledFont: @unchecked Sendable {
    let handle: OpaquePointer
}
