import Foundation
import OneMapImage
import OneMapGeometry
import OneMapStore

/// Draws OneMap's icon set and writes it as a MapLibre sprite (1× and 2×): one badge per urban
/// component class (colour by major class, a character naming it) and per facility type.
public enum SpriteGenerator {
    public enum Shape: Sendable { case circle, square, diamond, cross }

    public struct IconSpec: Sendable {
        public let name: String
        public let label: String
        public let color: Color
        public let shape: Shape
    }

    static let utility = Color(0.16, 0.42, 0.72), traffic = Color(0.86, 0.45, 0.10), environment = Color(0.45, 0.38, 0.25)
    static let greenery = Color(0.20, 0.58, 0.25), housing = Color(0.52, 0.30, 0.62), other = Color(0.40, 0.40, 0.44)

    /// The icons: `component-<class>` for every 部件 class the demo uses, and facility icons.
    public static let icons: [IconSpec] = [
        IconSpec(name: "component-0101", label: "水", color: utility, shape: .circle),
        IconSpec(name: "component-0102", label: "污", color: utility, shape: .circle),
        IconSpec(name: "component-0103", label: "雨", color: utility, shape: .circle),
        IconSpec(name: "component-0104", label: "箅", color: utility, shape: .square),
        IconSpec(name: "component-0105", label: "电", color: utility, shape: .circle),
        IconSpec(name: "component-0107", label: "信", color: utility, shape: .circle),
        IconSpec(name: "component-0110", label: "热", color: utility, shape: .circle),
        IconSpec(name: "component-0111", label: "气", color: utility, shape: .circle),
        IconSpec(name: "component-0113", label: "消", color: Color(0.85, 0.15, 0.15), shape: .circle),
        IconSpec(name: "component-0117", label: "杆", color: utility, shape: .square),
        IconSpec(name: "component-0118", label: "灯", color: Color(0.93, 0.68, 0.05), shape: .circle),
        IconSpec(name: "component-0201", label: "P", color: traffic, shape: .square),
        IconSpec(name: "component-0209", label: "标", color: traffic, shape: .square),
        IconSpec(name: "component-0214", label: "灯", color: traffic, shape: .square),
        IconSpec(name: "component-0301", label: "厕", color: environment, shape: .square),
        IconSpec(name: "component-0305", label: "箱", color: environment, shape: .square),
        IconSpec(name: "component-0307", label: "广", color: environment, shape: .square),
        IconSpec(name: "component-0402", label: "树", color: greenery, shape: .circle),
        IconSpec(name: "component-0501", label: "栏", color: housing, shape: .square),
        IconSpec(name: "component-other", label: "件", color: other, shape: .circle),
        IconSpec(name: "shelter", label: "避", color: Color(0.10, 0.60, 0.30), shape: .square),
        IconSpec(name: "hospital", label: "", color: Color(0.86, 0.10, 0.14), shape: .cross),
        IconSpec(name: "fire-station", label: "消", color: Color(0.86, 0.10, 0.14), shape: .square),
        IconSpec(name: "school", label: "学", color: Color(0.15, 0.40, 0.80), shape: .square),
        IconSpec(name: "hazmat", label: "危", color: Color(0.95, 0.55, 0.0), shape: .diamond),
        IconSpec(name: "env-air", label: "气", color: Color(0.05, 0.55, 0.60), shape: .circle),
        IconSpec(name: "env-water", label: "水", color: Color(0.10, 0.45, 0.80), shape: .circle),
        IconSpec(name: "pollution", label: "污", color: Color(0.45, 0.30, 0.15), shape: .square),
        IconSpec(name: "poi", label: "", color: Color(0.55, 0.35, 0.20), shape: .circle),
        IconSpec(name: "government", label: "政", color: Color(0.75, 0.10, 0.10), shape: .square),
    ]

    /// Writes `<directory>/sprite.json`, `sprite.png` and the `@2x` pair.
    public static func write(to directory: String, size: Int = 20) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for ratio in [1, 2] {
            let cell = size * ratio
            let columns = 8
            let rows = (icons.count + columns - 1) / columns
            let canvas = CairoCanvas(width: columns * cell, height: rows * cell)
            var index: [(String, JSONValue)] = []
            for (i, icon) in icons.enumerated() {
                let x = Double((i % columns) * cell), y = Double((i / columns) * cell)
                draw(icon, on: canvas, x: x, y: y, size: Double(cell))
                index.append((icon.name, .object([
                    ("x", .number(x)), ("y", .number(y)), ("width", .number(Double(cell))), ("height", .number(Double(cell))),
                    ("pixelRatio", .number(Double(ratio))),
                ])))
            }
            let suffix = ratio == 1 ? "" : "@2x"
            let png = try encode(canvas)
            try Data(png).write(to: URL(fileURLWithPath: "\(directory)/sprite\(suffix).png"))
            try (JSONValue.object(index).text + "\n").write(toFile: "\(directory)/sprite\(suffix).json", atomically: true, encoding: .utf8)
        }
    }

    static func draw(_ icon: IconSpec, on canvas: CairoCanvas, x: Double, y: Double, size: Double) {
        let c = x + size / 2, m = y + size / 2
        let r = size * 0.44
        canvas.newPath()
        switch icon.shape {
        case .circle:
            canvas.arc(c, m, r)
        case .square, .cross:
            let h = r * 0.92
            canvas.rectangle(c - h, m - h, 2 * h, 2 * h)
        case .diamond:
            canvas.moveTo(c, m - r)
            canvas.lineTo(c + r, m)
            canvas.lineTo(c, m + r)
            canvas.lineTo(c - r, m)
            canvas.closePath()
        }
        canvas.setColor(icon.shape == .cross ? .white : icon.color)
        canvas.fill(evenOdd: false, preserve: true)
        canvas.setColor(icon.shape == .cross ? icon.color : .white)
        canvas.setLine(width: size * 0.07, cap: .butt, join: .miter, miterLimit: 2, dash: [])
        canvas.stroke()
        if icon.shape == .cross {
            let arm = r * 0.62, w = r * 0.24
            canvas.newPath()
            canvas.rectangle(c - w, m - arm, 2 * w, 2 * arm)
            canvas.rectangle(c - arm, m - w, 2 * arm, 2 * w)
            canvas.setColor(icon.color)
            canvas.fill(evenOdd: false)
        }
        guard !icon.label.isEmpty, let face = FontLibrary.shared.face(named: "Noto Sans CJK SC Bold") ?? FontLibrary.shared.face(named: "Noto Sans CJK SC Regular") else { return }
        let fontSize = size * (icon.shape == .diamond ? 0.46 : 0.58)
        let shaped = TextShaper.shape(icon.label, faces: [face], size: fontSize, maxWidth: 0, lineHeight: fontSize, letterSpacing: 0, justify: "center")
        let glyphs = shaped.glyphs.map { Glyph(index: $0.glyph, x: c - shaped.width / 2 + $0.x, y: m - shaped.height / 2 + $0.y) }
        canvas.drawGlyphs(glyphs, font: FontLibrary.shared.scaledFont(face: face, size: fontSize), pass: 1,
                          paint: TextPaint(color: .white, opacity: 1, haloColor: .transparent, haloWidth: 0), halo: 0)
    }

    static func encode(_ canvas: CairoCanvas) throws -> [UInt8] {
        try ImageCodec.encodePNG(try ImageEncoding.rgba(canvas), level: 9)
    }
}
