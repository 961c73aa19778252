/// The raster-source role: the encoded tiles of DEM and DOM pyramids, as the layer's
/// `RasterInfo` describes them (decoding and caching happen once, above the backends).
public protocol RasterSource: Sendable {
    /// The stored bytes of one tile, nil where the source had no data.
    func rasterTileData(_ layer: Layer, level: Int, col: Int, row: Int) throws -> [UInt8]?
}
