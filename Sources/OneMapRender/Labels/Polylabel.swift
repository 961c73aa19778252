import OneMapGeometry

/// The pole of inaccessibility of a polygon: the inside point farthest from its edges, a better
/// label position than the centroid for concave or holed shapes. Grid refinement to `precision`.
enum Polylabel {
    static func point(rings: [[Coordinate]], precision: Double = 1) -> Coordinate? {
        guard let outer = rings.first, outer.count >= 3 else { return nil }
        var box = BoundingBox.empty
        for c in outer { box.extend(c) }
        let size = min(box.width, box.height)
        if size <= precision * 2 { return box.center }
        struct Cell {
            let x: Double, y: Double, h: Double, d: Double
            var potential: Double { d + h * 1.4142135623730951 }
        }
        func cell(_ x: Double, _ y: Double, _ h: Double) -> Cell { Cell(x: x, y: y, h: h, d: signedDistance(x, y, rings)) }
        var queue: [Cell] = []
        let h = size / 2
        var x = box.minX
        while x < box.maxX {
            var y = box.minY
            while y < box.maxY {
                queue.append(cell(x + h, y + h, h))
                y += size
            }
            x += size
        }
        var best = cell(box.center.x, box.center.y, 0)
        var iterations = 0
        while !queue.isEmpty && iterations < 2000 {
            iterations += 1
            // Highest potential first (the queue stays small, a linear scan is fine).
            let i = queue.indices.max { queue[$0].potential < queue[$1].potential }!
            let c = queue.remove(at: i)
            if c.d > best.d { best = c }
            if c.potential - best.d <= precision { continue }
            let hh = c.h / 2
            queue += [cell(c.x - hh, c.y - hh, hh), cell(c.x + hh, c.y - hh, hh), cell(c.x - hh, c.y + hh, hh), cell(c.x + hh, c.y + hh, hh)]
        }
        return best.d > 0 ? Coordinate(best.x, best.y) : nil
    }

    /// Distance to the nearest edge, negative outside.
    static func signedDistance(_ x: Double, _ y: Double, _ rings: [[Coordinate]]) -> Double {
        var inside = false
        var minDistance = Double.infinity
        for ring in rings {
            var j = ring.count - 1
            for i in 0..<ring.count {
                let a = ring[i], b = ring[j]
                if (a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
                minDistance = min(minDistance, segmentDistance(x, y, a, b))
                j = i
            }
        }
        return (inside ? 1 : -1) * minDistance.squareRoot()
    }

    static func segmentDistance(_ px: Double, _ py: Double, _ a: Coordinate, _ b: Coordinate) -> Double {
        var x = a.x, y = a.y
        let dx = b.x - x, dy = b.y - y
        if dx != 0 || dy != 0 {
            let t = ((px - x) * dx + (py - y) * dy) / (dx * dx + dy * dy)
            if t > 1 {
                x = b.x
                y = b.y
            } else if t > 0 {
                x += dx * t
                y += dy * t
            }
        }
        return (px - x) * (px - x) + (py - y) * (py - y)
    }
}
