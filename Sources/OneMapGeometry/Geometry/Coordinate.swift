/// A 2D position in some CRS: `x` is easting or longitude, `y` northing or latitude.
///
/// Axis order inside OneMap is always x = east, y = north, whatever the CRS's official order;
/// protocol adapters (WMS 1.3.0 BBOX, WMTS TopLeftCorner) swap at their edge.
public struct Coordinate: Hashable, Sendable {
    public var x: Double
    public var y: Double

    @inlinable
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}
