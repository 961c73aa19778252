import Foundation

/// SplitMix64: small, fast and the same on every platform, so the demo city (and its case
/// history and simulated units) is identical wherever it is built from the same seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// An independent stream for one purpose (roads, buildings, ...), so adding draws to one
    /// generator does not shift every other layer.
    public init(seed: UInt64, stream: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in stream.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        state = seed ^ h
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * Double(next() >> 11) / Double(1 << 53) }
    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    public mutating func chance(_ p: Double) -> Bool { uniform(0, 1) < p }
    public mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }

    /// Picks by weight.
    public mutating func weighted<T>(_ items: [(T, Double)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var r = uniform(0, total)
        for (item, w) in items {
            r -= w
            if r <= 0 { return item }
        }
        return items.last!.0
    }
}

/// Smooth deterministic value noise in [-1, 1] (bilinear between hashed lattice values with a
/// smoothstep), and fractal sums of it.
public struct Noise: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    func lattice(_ i: Int, _ j: Int) -> Double {
        var h = seed ^ (UInt64(bitPattern: Int64(i)) &* 0x9e37_79b9_7f4a_7c15) ^ (UInt64(bitPattern: Int64(j)) &* 0xc2b2_ae3d_27d4_eb4f)
        h = (h ^ (h >> 33)) &* 0xff51_afd7_ed55_8ccd
        h = (h ^ (h >> 33)) &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return Double(h >> 11) / Double(1 << 52) - 1
    }

    public func value(_ x: Double, _ y: Double) -> Double {
        let i = Int(floor(x)), j = Int(floor(y))
        let fx = x - Double(i), fy = y - Double(j)
        let sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy)
        let a = lattice(i, j), b = lattice(i + 1, j), c = lattice(i, j + 1), d = lattice(i + 1, j + 1)
        return (a + (b - a) * sx) + ((c + (d - c) * sx) - (a + (b - a) * sx)) * sy
    }

    /// Octaves of noise at `scale` (units per feature), summed with halving amplitude.
    public func fractal(_ x: Double, _ y: Double, scale: Double, octaves: Int = 4) -> Double {
        var sum = 0.0, amplitude = 1.0, frequency = 1 / scale, norm = 0.0
        for o in 0..<octaves {
            sum += amplitude * Noise(seed: seed &+ UInt64(o)).value(x * frequency, y * frequency)
            norm += amplitude
            amplitude /= 2
            frequency *= 2
        }
        return sum / norm
    }
}
