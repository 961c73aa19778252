import Foundation

/// One glyph of shaped text, positioned relative to the text block's top-left corner.
struct ShapedGlyph {
    let face: Int
    let glyph: UInt32
    var x: Double
    /// Baseline position.
    var y: Double
    let advance: Double
    /// CJK characters stay upright on steep line labels (read top to bottom).
    var upright = false
}

/// A laid-out block of text.
struct ShapedText {
    var glyphs: [ShapedGlyph]
    var width: Double
    var height: Double
    let size: Double
    /// Distance from a line's centre to its baseline (for centring text on a path).
    let baselineShift: Double
}

/// Lays text out with the fonts of a font stack: line breaking that works for Chinese (any
/// break between CJK characters, words kept whole for Latin, no line starting with closing
/// punctuation), balanced line lengths, and justification.
enum TextShaper {
    static let noLineStart: Set<Character> = ["，", "。", "、", "）", "》", "」", "』", "！", "？", "：", "；", ")", ",", ".", "!", "?", ":", ";", "·"]
    static let noLineEnd: Set<Character> = ["（", "《", "「", "『", "("]

    /// Brackets and dashes turn with a vertical line of text instead of standing upright.
    static let rotatedInVertical: Set<Character> = ["（", "）", "《", "》", "「", "」", "『", "』", "【", "】", "〔", "〕", "—", "～", "…"]

    static func isCJK(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value else { return false }
        return (0x2E80...0x9FFF).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFFEF).contains(v) || (0x3000...0x303F).contains(v)
    }

    /// - Parameters:
    ///   - maxWidth: wrap width in pixels; 0 keeps one line.
    ///   - justify: left, center or right.
    static func shape(_ text: String, faces: [Int], size: Double, maxWidth: Double, lineHeight: Double, letterSpacing: Double,
                      justify: String) -> ShapedText {
        let library = FontLibrary.shared
        let primary = faces.first ?? 0
        let metrics = library.verticalMetrics(primary)
        // Measure each character once.
        let chars = Array(text)
        var measured: [(face: Int, glyph: UInt32, advance: Double)] = []
        measured.reserveCapacity(chars.count)
        for c in chars {
            let scalar = c.unicodeScalars.first ?? " "
            let g = library.glyph(scalar, stack: faces)
            measured.append((g.face, g.glyph, g.advance * size + letterSpacing))
        }
        let total = measured.reduce(0) { $0 + $1.advance }
        var lines: [Range<Int>] = [0..<chars.count]
        if maxWidth > 0 && total > maxWidth && chars.count > 1 {
            lines = breakLines(chars, measured.map(\.advance), total: total, maxWidth: maxWidth)
        }
        var glyphs: [ShapedGlyph] = []
        var widths: [Double] = []
        for line in lines {
            var trimmed = line
            while trimmed.count > 0 && chars[trimmed.lowerBound] == " " { trimmed = (trimmed.lowerBound + 1)..<trimmed.upperBound }
            while trimmed.count > 0 && chars[trimmed.upperBound - 1] == " " { trimmed = trimmed.lowerBound..<(trimmed.upperBound - 1) }
            widths.append(trimmed.reduce(0) { $0 + measured[$1].advance } - (trimmed.isEmpty ? 0 : letterSpacing))
        }
        let width = widths.max() ?? 0
        let ascent = metrics.ascender * size
        let descent = -metrics.descender * size
        let emHeight = ascent + descent
        for (n, line) in lines.enumerated() {
            var x: Double
            switch justify {
            case "left": x = 0
            case "right": x = width - widths[n]
            default: x = (width - widths[n]) / 2
            }
            let baseline = Double(n) * lineHeight + (lineHeight - emHeight) / 2 + ascent
            var started = false
            for k in line {
                if !started && chars[k] == " " { continue }
                started = true
                let m = measured[k]
                if chars[k] != " " && m.glyph != 0 {
                    glyphs.append(ShapedGlyph(face: m.face, glyph: m.glyph, x: x, y: baseline, advance: m.advance, upright: isCJK(chars[k]) && !rotatedInVertical.contains(chars[k])))
                } else if m.glyph == 0 && chars[k] != " " {
                    // Neither font has it: leave the space rather than draw a box.
                }
                x += m.advance
            }
        }
        return ShapedText(glyphs: glyphs, width: width, height: Double(lines.count) * lineHeight, size: size,
                          baselineShift: (ascent - descent) / 2)
    }

    /// Breaks into about `total / maxWidth` lines of similar length.
    static func breakLines(_ chars: [Character], _ advances: [Double], total: Double, maxWidth: Double) -> [Range<Int>] {
        let count = Int(ceil(total / maxWidth))
        let target = total / Double(count)
        // Break opportunities: after a space, or between two characters where either is CJK.
        var allowed = [Bool](repeating: false, count: chars.count + 1)
        for k in 1..<chars.count {
            let a = chars[k - 1], b = chars[k]
            if a == " " || b == " " { allowed[k] = true } else if isCJK(a) || isCJK(b) { allowed[k] = true }
            if noLineStart.contains(b) || noLineEnd.contains(a) { allowed[k] = false }
        }
        var lines: [Range<Int>] = []
        var start = 0
        var width = 0.0
        var lastBreak: Int?
        for k in 0..<chars.count {
            if allowed[k] && k > start { lastBreak = k }
            width += advances[k]
            if width > target * 1.05 && lines.count < count - 1, let b = lastBreak, b > start {
                lines.append(start..<b)
                start = b
                width = advances[b...k].reduce(0, +)
                lastBreak = nil
            }
        }
        lines.append(start..<chars.count)
        return lines
    }
}
