/// The raster-source role: the encoded tiles of DEM and DOM pyramids, as the layer's
/// `RasterInfo` describes them (decoding and caching happen once, above the backends).
public protocol RasterSource: Sendable {
    /// The stored bytes of one tile, nil where the source had no data.
    func rasterTileData(_ layer: Layer, level: Int, col: Int, row: Int) throws -> [UInt8]?

    /// Every stored tile of a pyramid, by level, row and column (copying a store).
    func rasterTiles(_ layer: Layer, _ body: (RasterTileRecord) throws -> Void) throws
}

/// One stored tile of a raster pyramid.
public struct RasterTileRecord: Sendable, Hashable {
    public var level: Int
    public var col: Int
    public var row: Int
    public var data: [UInt8]
}
