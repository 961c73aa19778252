import Foundation
import OneMapImage
import OneMapGeometry
import OneMapStore

/// Icons for `icon-image` and `fill-pattern`, from a MapLibre sprite (`sprite.json` + `sprite.png`,
/// and `@2x` versions for HiDPI tiles).
public final class SpriteSheet: Sendable {
    public struct Icon: Sendable {
        public let image: RGBAImage
        public let pixelRatio: Double
    }

    private let icons1x: [String: Icon]
    private let icons2x: [String: Icon]

    public var names: Set<String> { Set(icons1x.keys).union(icons2x.keys) }

    public init(icons1x: [String: Icon] = [:], icons2x: [String: Icon] = [:]) {
        self.icons1x = icons1x
        self.icons2x = icons2x
    }

    /// Loads `<base>.json`/`<base>.png` and, when present, `<base>@2x.json`/`<base>@2x.png`.
    /// - Throws: `RenderError.invalidStyle` naming the sprite file when it cannot be read.
    public convenience init(base: String) throws {
        func load(_ suffix: String) throws -> [String: Icon] {
            let json = base + suffix + ".json", png = base + suffix + ".png"
            guard FileManager.default.fileExists(atPath: json) else { return [:] }
            guard let index = FileManager.default.contents(atPath: json), let image = FileManager.default.contents(atPath: png) else {
                throw RenderError.invalidStyle(name: "sprite", problems: ["\(png): missing"])
            }
            let sheet: RGBAImage
            do { sheet = try ImageCodec.decodePNG([UInt8](image)) } catch {
                throw RenderError.invalidStyle(name: "sprite", problems: ["\(png): not a PNG"])
            }
            guard let entries = try? JSONValue.parse([UInt8](index)).object else {
                throw RenderError.invalidStyle(name: "sprite", problems: ["\(json): not a JSON object"])
            }
            var out: [String: Icon] = [:]
            for (name, e) in entries {
                guard let x = e["x"]?.number, let y = e["y"]?.number, let w = e["width"]?.number, let h = e["height"]?.number,
                    x >= 0, y >= 0, Int(x + w) <= sheet.width, Int(y + h) <= sheet.height
                else { throw RenderError.invalidStyle(name: "sprite", problems: ["\(json).\(name): bad frame"]) }
                var pixels = [UInt8](repeating: 0, count: Int(w * h) * 4)
                for row in 0..<Int(h) {
                    let src = ((Int(y) + row) * sheet.width + Int(x)) * 4
                    pixels.replaceSubrange((row * Int(w) * 4)..<((row + 1) * Int(w) * 4), with: sheet.pixels[src..<(src + Int(w) * 4)])
                }
                out[name] = Icon(image: RGBAImage(width: Int(w), height: Int(h), pixels: pixels), pixelRatio: e["pixelRatio"]?.number ?? 1)
            }
            return out
        }
        self.init(icons1x: try load(""), icons2x: try load("@2x"))
    }

    /// The icon best suited to a pixel ratio.
    public func icon(_ name: String, scale: Double) -> Icon? {
        if scale >= 2, let i = icons2x[name] { return i }
        return icons1x[name] ?? icons2x[name]
    }
}
