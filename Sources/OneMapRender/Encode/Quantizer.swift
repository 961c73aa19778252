/// Reduces an RGBA tile to at most 256 colours for 8-bit palette PNGs: exact when the tile has
/// few colours (most map tiles), otherwise median cut over the colour histogram.
enum Quantizer {
    /// - Returns: palette (RGBA quadruples, translucent entries first) and one index per pixel.
    static func quantize(_ rgba: [UInt8], pixelCount: Int) -> (palette: [UInt8], indices: [UInt8]) {
        var counts: [UInt32: Int] = [:]
        counts.reserveCapacity(512)
        rgba.withUnsafeBytes { raw in
            let px = raw.bindMemory(to: UInt32.self)
            for i in 0..<pixelCount {
                // Every fully transparent pixel is the same colour.
                let v = px[i] & 0xFF00_0000 == 0 ? 0 : px[i]
                counts[v, default: 0] += 1
            }
        }
        var palette: [UInt32]
        if counts.count <= 256 {
            palette = Array(counts.keys)
        } else {
            palette = medianCut(counts, colours: 256)
        }
        // Translucent entries first keep the tRNS chunk short.
        palette.sort { ($0 >> 24, $0) < ($1 >> 24, $1) }
        var lookup: [UInt32: UInt8] = [:]
        lookup.reserveCapacity(counts.count)
        for (i, c) in palette.enumerated() { lookup[c] = UInt8(i) }
        for c in counts.keys where lookup[c] == nil { lookup[c] = nearest(c, in: palette) }
        var indices = [UInt8](repeating: 0, count: pixelCount)
        rgba.withUnsafeBytes { raw in
            let px = raw.bindMemory(to: UInt32.self)
            for i in 0..<pixelCount { indices[i] = lookup[px[i] & 0xFF00_0000 == 0 ? 0 : px[i]]! }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(palette.count * 4)
        for c in palette { bytes += [UInt8(c & 0xFF), UInt8((c >> 8) & 0xFF), UInt8((c >> 16) & 0xFF), UInt8(c >> 24)] }
        return (bytes, indices)
    }

    static func channel(_ c: UInt32, _ k: Int) -> Int { Int((c >> (8 * UInt32(k))) & 0xFF) }

    static func nearest(_ c: UInt32, in palette: [UInt32]) -> UInt8 {
        var best = 0
        var bestDistance = Int.max
        for (i, p) in palette.enumerated() {
            var d = 0
            for k in 0..<4 {
                let x = channel(c, k) - channel(p, k)
                d += x * x * (k == 3 ? 2 : 1)
            }
            if d < bestDistance {
                bestDistance = d
                best = i
            }
        }
        return UInt8(best)
    }

    /// Splits the weighted colour set along its widest channel until there are `colours` boxes.
    static func medianCut(_ counts: [UInt32: Int], colours: Int) -> [UInt32] {
        var boxes: [[(UInt32, Int)]] = [counts.map { ($0.key, $0.value) }]
        while boxes.count < colours {
            // Split the box with the largest weighted spread.
            var bestBox = -1
            var bestSpread = 0
            var bestChannel = 0
            for (b, box) in boxes.enumerated() where box.count > 1 {
                for k in 0..<4 {
                    var lo = 255, hi = 0
                    for (c, _) in box {
                        let v = channel(c, k)
                        lo = min(lo, v)
                        hi = max(hi, v)
                    }
                    let weight = box.reduce(0) { $0 + $1.1 }
                    let spread = (hi - lo) * Int(Double(weight).squareRoot())
                    if spread > bestSpread {
                        bestSpread = spread
                        bestBox = b
                        bestChannel = k
                    }
                }
            }
            guard bestBox >= 0 else { break }
            var box = boxes[bestBox]
            box.sort { channel($0.0, bestChannel) < channel($1.0, bestChannel) }
            let total = box.reduce(0) { $0 + $1.1 }
            var running = 0
            var split = 1
            for (i, (_, n)) in box.enumerated() {
                running += n
                if running * 2 >= total {
                    split = min(max(i + 1, 1), box.count - 1)
                    break
                }
            }
            boxes[bestBox] = Array(box[..<split])
            boxes.append(Array(box[split...]))
        }
        return boxes.map { box in
            var sums = [0, 0, 0, 0]
            var n = 0
            for (c, w) in box {
                for k in 0..<4 { sums[k] += channel(c, k) * w }
                n += w
            }
            var v: UInt32 = 0
            for k in 0..<4 { v |= UInt32((sums[k] + n / 2) / max(n, 1)) << (8 * UInt32(k)) }
            return v
        }
    }
}
