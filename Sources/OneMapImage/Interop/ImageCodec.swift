import Foundation
import PNGShim

/// A NUL-terminated C message buffer as a String.
func text(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// PNG encoding and decoding through libpng (behind PNGShim's setjmp frame), and zlib.
public enum ImageCodec {
    /// Errors carry libpng's message.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Encodes 8-bit rows with 1–4 channels. zlib level 1–3 and no filter: fastest and smallest for map tiles here.
    public static func encodePNG(_ pixels: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int, stride: Int,
                                 level: Int32 = 2) throws -> [UInt8] {
        var out = PNGShim_Buffer()
        defer { PNGShim_bufferFree(&out) }
        var message = [CChar](repeating: 0, count: 256)
        let rc = PNGShim_encode(pixels.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt32(width), UInt32(height),
                                stride, Int32(channels), level, &out, &message, message.count)
        guard rc == 0 else { throw Failure(description: text(message)) }
        return Array(UnsafeBufferPointer(start: out.data, count: out.size))
    }

    /// Encodes an RGBA image, dropping the alpha channel when every pixel is opaque.
    public static func encodePNG(_ image: RGBAImage, level: Int32 = 2) throws -> [UInt8] {
        if image.isOpaque {
            var rgb = [UInt8](repeating: 0, count: image.width * image.height * 3)
            var j = 0
            var i = 0
            while i < image.pixels.count {
                rgb[j] = image.pixels[i]
                rgb[j + 1] = image.pixels[i + 1]
                rgb[j + 2] = image.pixels[i + 2]
                i += 4
                j += 3
            }
            return try rgb.withUnsafeBytes { try encodePNG($0, width: image.width, height: image.height, channels: 3, stride: image.width * 3, level: level) }
        }
        return try image.pixels.withUnsafeBytes { try encodePNG($0, width: image.width, height: image.height, channels: 4, stride: image.width * 4, level: level) }
    }

    /// Encodes an 8-bit palette image; `palette` holds RGBA quadruples.
    public static func encodePalettePNG(_ indices: UnsafeRawBufferPointer, width: Int, height: Int, palette: [UInt8],
                                        level: Int32 = 2) throws -> [UInt8] {
        var out = PNGShim_Buffer()
        defer { PNGShim_bufferFree(&out) }
        var message = [CChar](repeating: 0, count: 256)
        let rc = palette.withUnsafeBufferPointer { pal in
            PNGShim_encodePalette(indices.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt32(width), UInt32(height),
                                  width, pal.baseAddress, Int32(palette.count / 4), level, &out, &message, message.count)
        }
        guard rc == 0 else { throw Failure(description: text(message)) }
        return Array(UnsafeBufferPointer(start: out.data, count: out.size))
    }

    /// Decodes any PNG into straight RGBA.
    public static func decodePNG(_ data: UnsafeRawBufferPointer) throws -> RGBAImage {
        var pixels: UnsafeMutablePointer<UInt8>?
        var w: UInt32 = 0
        var h: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let rc = PNGShim_decodeRGBA(data.baseAddress!.assumingMemoryBound(to: UInt8.self), data.count, &pixels, &w, &h, &message, message.count)
        guard rc == 0, let pixels else { throw Failure(description: text(message)) }
        defer { PNGShim_free(pixels) }
        return RGBAImage(width: Int(w), height: Int(h), pixels: Array(UnsafeBufferPointer(start: pixels, count: Int(w * h * 4))))
    }

    public static func decodePNG(_ data: [UInt8]) throws -> RGBAImage {
        try data.withUnsafeBytes { try decodePNG($0) }
    }

    /// zlib-compresses a buffer.
    public static func deflate(_ bytes: UnsafeRawBufferPointer, level: Int32 = 6) throws -> [UInt8] {
        var out = PNGShim_Buffer()
        defer { PNGShim_bufferFree(&out) }
        guard PNGShim_deflate(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count, level, &out) == 0 else {
            throw Failure(description: "deflate failed")
        }
        return Array(UnsafeBufferPointer(start: out.data, count: out.size))
    }

    /// Inflates into exactly `count` bytes.
    public static func inflate(_ bytes: UnsafeRawBufferPointer, count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let rc = out.withUnsafeMutableBufferPointer { dst in
            PNGShim_inflate(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count, dst.baseAddress, count)
        }
        guard rc == 0 else { throw Failure(description: "corrupt compressed tile") }
        return out
    }
}
