/// Reduces an RGBA tile to at most 256 colours for 8-bit palette PNGs: exact when the tile has
/// few colours (most map tiles), otherwise median cut over the colour histogram, each colour
/// taking its box's weighted mean.
enum Quantizer {
    /// An open-addressing table of the tile's distinct colours and their counts.
    struct Histogram {
        var keys: [UInt32]
        var counts: [Int32]
        var used: [Int32] = []
        var mask: Int
        /// No pixel has this value: transparent pixels are all folded into 0.
        static let empty: UInt32 = 0x00FF_FFFF

        init(capacity: Int) {
            var size = 1024
            while size < capacity * 2 { size <<= 1 }
            keys = [UInt32](repeating: Self.empty, count: size)
            counts = [Int32](repeating: 0, count: size)
            mask = size - 1
        }

        @inline(__always)
        static func hash(_ v: UInt32) -> Int { Int((v &* 0x9E37_79B1) >> 12) }

        /// The slot of a colour, inserting it when new.
        @inline(__always)
        mutating func slot(_ v: UInt32) -> Int {
            var i = Self.hash(v) & mask
            while true {
                let k = keys[i]
                if k == v { return i }
                if k == Self.empty {
                    keys[i] = v
                    used.append(Int32(i))
                    return i
                }
                i = (i + 1) & mask
            }
        }
    }

    /// - Returns: palette (RGBA quadruples, translucent entries first) and one index per pixel.
    static func quantize(_ rgba: [UInt8], pixelCount: Int) -> (palette: [UInt8], indices: [UInt8]) {
        // Room for every pixel being a different colour, so the table never fills.
        var histogram = Histogram(capacity: pixelCount)
        var slots = [Int32](repeating: 0, count: pixelCount)
        rgba.withUnsafeBytes { raw in
            let px = raw.bindMemory(to: UInt32.self)
            var last: UInt32 = Histogram.empty
            var lastSlot = 0
            for i in 0..<pixelCount {
                // Every fully transparent pixel is the same colour (0).
                let v = px[i] & 0xFF00_0000 == 0 ? 0 : px[i]
                if v != last {
                    last = v
                    lastSlot = histogram.slot(v)
                }
                histogram.counts[lastSlot] += 1
                slots[i] = Int32(lastSlot)
            }
        }
        let colours = histogram.used.map { (histogram.keys[Int($0)], Int(histogram.counts[Int($0)]), $0) }
        // Palette entry of each table slot.
        var entry = [UInt8](repeating: 0, count: histogram.keys.count)
        var palette: [UInt32]
        if colours.count <= 256 {
            palette = colours.map(\.0)
            let order = palette.indices.sorted { (palette[$0] >> 24, palette[$0]) < (palette[$1] >> 24, palette[$1]) }
            var sorted: [UInt32] = []
            for (n, i) in order.enumerated() {
                entry[Int(colours[i].2)] = UInt8(n)
                sorted.append(palette[i])
            }
            palette = sorted
        } else {
            let boxes = medianCut(colours.map { ($0.0, $0.1) }, target: 256)
            var means: [(UInt32, [Int])] = boxes.map { box in
                var sums = [0, 0, 0, 0]
                var n = 0
                for k in box {
                    let (c, w) = (colours[k].0, colours[k].1)
                    for ch in 0..<4 { sums[ch] += channel(c, ch) * w }
                    n += w
                }
                var v: UInt32 = 0
                for ch in 0..<4 { v |= UInt32((sums[ch] + n / 2) / max(n, 1)) << (8 * UInt32(ch)) }
                return (v, box)
            }
            means.sort { ($0.0 >> 24, $0.0) < ($1.0 >> 24, $1.0) }
            palette = means.map(\.0)
            for (n, (_, members)) in means.enumerated() {
                for k in members { entry[Int(colours[k].2)] = UInt8(n) }
            }
        }
        var indices = [UInt8](repeating: 0, count: pixelCount)
        for i in 0..<pixelCount { indices[i] = entry[Int(slots[i])] }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(palette.count * 4)
        for c in palette { bytes += [UInt8(c & 0xFF), UInt8((c >> 8) & 0xFF), UInt8((c >> 16) & 0xFF), UInt8(c >> 24)] }
        return (bytes, indices)
    }

    @inline(__always)
    static func channel(_ c: UInt32, _ k: Int) -> Int { Int((c >> (8 * UInt32(k))) & 0xFF) }

    /// Splits the colours (indices into `colours`) along the widest weighted channel until there
    /// are `target` boxes; each box remembers its ranges so only the two new halves are measured.
    static func medianCut(_ colours: [(UInt32, Int)], target: Int) -> [[Int]] {
        struct Box {
            var members: [Int]
            var weight: Int
            var spread: Int
            var channel: Int
        }
        func measure(_ members: [Int]) -> Box {
            var lo = [255, 255, 255, 255], hi = [0, 0, 0, 0]
            var weight = 0
            for k in members {
                let c = colours[k].0
                weight += colours[k].1
                for ch in 0..<4 {
                    let v = channel(c, ch)
                    if v < lo[ch] { lo[ch] = v }
                    if v > hi[ch] { hi[ch] = v }
                }
            }
            var best = 0
            for ch in 1..<4 where hi[ch] - lo[ch] > hi[best] - lo[best] { best = ch }
            let spread = members.count > 1 ? (hi[best] - lo[best]) * Int(Double(weight).squareRoot()) : 0
            return Box(members: members, weight: weight, spread: spread, channel: best)
        }
        var boxes = [measure(Array(colours.indices))]
        while boxes.count < target {
            guard let b = boxes.indices.max(by: { boxes[$0].spread < boxes[$1].spread }), boxes[b].spread > 0 else { break }
            let box = boxes[b]
            let ch = box.channel
            let sorted = box.members.sorted { channel(colours[$0].0, ch) < channel(colours[$1].0, ch) }
            var running = 0
            var split = 1
            for (i, k) in sorted.enumerated() {
                running += colours[k].1
                if running * 2 >= box.weight {
                    split = min(max(i + 1, 1), sorted.count - 1)
                    break
                }
            }
            boxes[b] = measure(Array(sorted[..<split]))
            boxes.append(measure(Array(sorted[split...])))
        }
        return boxes.map(\.members)
    }
}
