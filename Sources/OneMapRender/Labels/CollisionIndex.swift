/// An axis-aligned box in pixels.
struct Box {
    var minX: Double
    var minY: Double
    var maxX: Double
    var maxY: Double

    func intersects(_ o: Box) -> Bool { minX < o.maxX && maxX > o.minX && minY < o.maxY && maxY > o.minY }
    func padded(_ p: Double) -> Box { Box(minX: minX - p, minY: minY - p, maxX: maxX + p, maxY: maxY + p) }
}

/// Placed label boxes in a uniform grid, for "does this label overlap one already placed" tests.
struct CollisionIndex {
    private let cell = 64.0
    private let columns: Int
    private let rows: Int
    private var cells: [[Box]]

    init(width: Double, height: Double) {
        columns = max(1, Int((width / cell).rounded(.up)) + 2)
        rows = max(1, Int((height / cell).rounded(.up)) + 2)
        cells = Array(repeating: [], count: columns * rows)
    }

    private func range(_ b: Box) -> (ClosedRange<Int>, ClosedRange<Int>) {
        let x0 = min(max(Int(b.minX / cell) + 1, 0), columns - 1), x1 = min(max(Int(b.maxX / cell) + 1, 0), columns - 1)
        let y0 = min(max(Int(b.minY / cell) + 1, 0), rows - 1), y1 = min(max(Int(b.maxY / cell) + 1, 0), rows - 1)
        return (x0...x1, y0...y1)
    }

    func collides(_ b: Box) -> Bool {
        let (xs, ys) = range(b)
        for y in ys {
            for x in xs where cells[y * columns + x].contains(where: { $0.intersects(b) }) { return true }
        }
        return false
    }

    mutating func insert(_ b: Box) {
        let (xs, ys) = range(b)
        for y in ys { for x in xs { cells[y * columns + x].append(b) } }
    }
}
