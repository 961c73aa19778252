/// An axis-aligned rectangle in some CRS (x = east, y = north).
public struct BoundingBox: Hashable, Sendable, CustomStringConvertible {
    public var minX: Double
    public var minY: Double
    public var maxX: Double
    public var maxY: Double

    @inlinable
    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
    }

    /// The box that contains nothing; extending it by a point gives that point.
    public static let empty = BoundingBox(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)

    public var isEmpty: Bool { minX > maxX || minY > maxY }
    public var width: Double { maxX - minX }
    public var height: Double { maxY - minY }
    public var center: Coordinate { Coordinate((minX + maxX) / 2, (minY + maxY) / 2) }

    @inlinable
    public mutating func extend(_ c: Coordinate) {
        if c.x < minX { minX = c.x }
        if c.x > maxX { maxX = c.x }
        if c.y < minY { minY = c.y }
        if c.y > maxY { maxY = c.y }
    }

    public mutating func extend(_ other: BoundingBox) {
        guard !other.isEmpty else { return }
        minX = Swift.min(minX, other.minX)
        minY = Swift.min(minY, other.minY)
        maxX = Swift.max(maxX, other.maxX)
        maxY = Swift.max(maxY, other.maxY)
    }

    public func union(_ other: BoundingBox) -> BoundingBox {
        var box = self
        box.extend(other)
        return box
    }

    @inlinable
    public func intersects(_ other: BoundingBox) -> Bool {
        minX <= other.maxX && maxX >= other.minX && minY <= other.maxY && maxY >= other.minY
    }

    public func contains(_ c: Coordinate) -> Bool {
        c.x >= minX && c.x <= maxX && c.y >= minY && c.y <= maxY
    }

    public func contains(_ other: BoundingBox) -> Bool {
        other.minX >= minX && other.maxX <= maxX && other.minY >= minY && other.maxY <= maxY
    }

    /// The overlap of two boxes, or nil when they do not meet.
    public func intersection(_ other: BoundingBox) -> BoundingBox? {
        let box = BoundingBox(
            minX: Swift.max(minX, other.minX), minY: Swift.max(minY, other.minY),
            maxX: Swift.min(maxX, other.maxX), maxY: Swift.min(maxY, other.maxY))
        return box.isEmpty ? nil : box
    }

    /// The box grown by `dx` and `dy` on every side.
    public func expanded(by dx: Double, _ dy: Double? = nil) -> BoundingBox {
        let dy = dy ?? dx
        return BoundingBox(minX: minX - dx, minY: minY - dy, maxX: maxX + dx, maxY: maxY + dy)
    }

    /// The polygon of the box (counter-clockwise exterior ring).
    public var polygon: Geometry {
        .polygon([[
            Coordinate(minX, minY), Coordinate(maxX, minY), Coordinate(maxX, maxY),
            Coordinate(minX, maxY), Coordinate(minX, minY),
        ]])
    }

    public var description: String { "\(minX),\(minY),\(maxX),\(maxY)" }
}
