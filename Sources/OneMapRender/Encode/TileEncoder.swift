import Foundation
import OneMapImage
import OneMapGeometry
import OneMapStore

/// One encoded tile.
public struct EncodedTile: Sendable {
    public let tile: TileID
    public let data: [UInt8]
    /// True for the shared empty tile (nothing drawn there).
    public let isEmpty: Bool
}

/// The one transparent PNG every empty tile is answered with (WMTS clients and Leaflet expect an image, not 204).
public enum EmptyTile {
    public static let png256: [UInt8] = make(256)
    public static let png512: [UInt8] = make(512)

    public static func png(scale: Int) -> [UInt8] { scale >= 2 ? png512 : png256 }

    static func make(_ size: Int) -> [UInt8] {
        let indices = [UInt8](repeating: 0, count: size * size)
        return (try? indices.withUnsafeBytes { try ImageCodec.encodePalettePNG($0, width: size, height: size, palette: [0, 0, 0, 0], level: 9) }) ?? []
    }
}

extension RenderedMetatile {
    /// Cuts every tile of the block and encodes it.
    public func encodeTiles(format: TileFormat) throws -> [EncodedTile] {
        var out: [EncodedTile] = []
        for row in 0..<request.rows {
            for column in 0..<request.columns {
                out.append(try encode(column: column, row: row, format: format))
            }
        }
        return out
    }

    /// The whole block as one RGBA PNG (for looking at a rendering).
    public func encodeBlock() throws -> [UInt8] { try ImageEncoding.encode(canvas, format: .rgba) }
}

extension RenderedImage {
    /// The whole image as PNG (WMS GetMap).
    public func encode(format: TileFormat) throws -> [UInt8] { try ImageEncoding.encode(canvas, format: format) }
}

extension RenderedImage {
    /// The whole image as straight-alpha RGBA (to place in a printed page).
    public func rgbaImage() throws -> RGBAImage { try ImageEncoding.rgba(canvas) }
}

enum ImageEncoding {
    /// The canvas as straight-alpha RGBA.
    static func rgba(_ canvas: CairoCanvas) throws -> RGBAImage {
        let w = canvas.width, h = canvas.height
        var rgba = [UInt8](repeating: 0, count: w * h * 4)
        try canvas.withPixels { data, stride in
            for y in 0..<h {
                for x in 0..<w {
                    let p = data + y * stride + x * 4
                    let a = Int(p[3])
                    guard a > 0 else { continue }
                    let i = (y * w + x) * 4
                    rgba[i] = UInt8(min(255, (Int(p[2]) * 255 + a / 2) / a))
                    rgba[i + 1] = UInt8(min(255, (Int(p[1]) * 255 + a / 2) / a))
                    rgba[i + 2] = UInt8(min(255, (Int(p[0]) * 255 + a / 2) / a))
                    rgba[i + 3] = UInt8(a)
                }
            }
        }
        return RGBAImage(width: w, height: h, pixels: rgba)
    }

    static func encode(_ canvas: CairoCanvas, format: TileFormat) throws -> [UInt8] {
        let image = try rgba(canvas)
        switch format {
        case .rgba: return try ImageCodec.encodePNG(image)
        case .palette:
            let (palette, indices) = Quantizer.quantize(image.pixels, pixelCount: image.width * image.height)
            return try indices.withUnsafeBytes { try ImageCodec.encodePalettePNG($0, width: image.width, height: image.height, palette: palette) }
        }
    }
}

extension RenderedMetatile {

    /// Encodes the tile at (column, row) of the block.
    public func encode(column: Int, row: Int, format: TileFormat) throws -> EncodedTile {
        let id = TileID(z: request.tile.z, x: request.tile.x + column, y: request.tile.y + row)
        let size = tileSize
        var rgba = [UInt8](repeating: 0, count: size * size * 4)
        var anyVisible = false
        var opaque = true
        try canvas.withPixels { data, stride in
            rgba.withUnsafeMutableBytes { out in
                for y in 0..<size {
                    let src = data + (row * size + y) * stride + column * size * 4
                    let dst = out.baseAddress!.advanced(by: y * size * 4).assumingMemoryBound(to: UInt8.self)
                    for x in 0..<size {
                        let a = Int(src[x * 4 + 3])
                        if a == 0 {
                            opaque = false
                            continue
                        }
                        anyVisible = true
                        if a == 255 {
                            dst[x * 4] = src[x * 4 + 2]
                            dst[x * 4 + 1] = src[x * 4 + 1]
                            dst[x * 4 + 2] = src[x * 4]
                        } else {
                            opaque = false
                            // Un-premultiply, rounding to nearest.
                            dst[x * 4] = UInt8(min(255, (Int(src[x * 4 + 2]) * 255 + a / 2) / a))
                            dst[x * 4 + 1] = UInt8(min(255, (Int(src[x * 4 + 1]) * 255 + a / 2) / a))
                            dst[x * 4 + 2] = UInt8(min(255, (Int(src[x * 4]) * 255 + a / 2) / a))
                        }
                        dst[x * 4 + 3] = UInt8(a)
                    }
                }
            }
        }
        guard anyVisible else { return EncodedTile(tile: id, data: EmptyTile.png(scale: request.scale), isEmpty: true) }
        do {
            switch format {
            case .rgba:
                if opaque {
                    var rgb = [UInt8](repeating: 0, count: size * size * 3)
                    for i in 0..<(size * size) {
                        rgb[i * 3] = rgba[i * 4]
                        rgb[i * 3 + 1] = rgba[i * 4 + 1]
                        rgb[i * 3 + 2] = rgba[i * 4 + 2]
                    }
                    return EncodedTile(tile: id, data: try rgb.withUnsafeBytes { try ImageCodec.encodePNG($0, width: size, height: size, channels: 3, stride: size * 3) }, isEmpty: false)
                }
                return EncodedTile(tile: id, data: try rgba.withUnsafeBytes { try ImageCodec.encodePNG($0, width: size, height: size, channels: 4, stride: size * 4) }, isEmpty: false)
            case .palette:
                let (palette, indices) = Quantizer.quantize(rgba, pixelCount: size * size)
                return EncodedTile(tile: id, data: try indices.withUnsafeBytes { try ImageCodec.encodePalettePNG($0, width: size, height: size, palette: palette) }, isEmpty: false)
            }
        } catch {
            throw RenderError.encodingFailed("\(error)")
        }
    }
}
