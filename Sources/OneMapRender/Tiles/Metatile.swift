import OneMapGeometry

/// Blocks of tiles rendered together (metatiles): labels are placed once over the block, so a
/// label is never cut at an inner tile edge, and neighbouring tiles cost one render.
public enum Metatile {
    /// Tiles across and down a block.
    public static let defaultSize = 4

    /// The block containing `tile`: aligned to multiples of `size`, clipped to the matrix.
    public static func block(containing tile: TileID, in tms: TileMatrixSet, size: Int = defaultSize) -> (origin: TileID, columns: Int, rows: Int) {
        let x0 = tile.x - tile.x % size, y0 = tile.y - tile.y % size
        let columns = min(size, tms.matrixWidth(tile.z) - x0)
        let rows = min(size, tms.matrixHeight(tile.z) - y0)
        return (TileID(z: tile.z, x: x0, y: y0), max(1, columns), max(1, rows))
    }
}
