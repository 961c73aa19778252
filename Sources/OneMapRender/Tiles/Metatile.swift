import OneMapGeometry

/// Blocks of tiles rendered together (metatiles): labels are placed once over the block, so a
/// label is never cut at an inner tile edge, and neighbouring tiles cost one render.
public enum Metatile {
    /// Tiles across and down a block.
    public static let defaultSize = 4

    /// The block size the tile service uses at zoom `z`: 2 × 2 up to level 13, where a block of a
    /// dense city holds around a million features at once, 4 × 4 from level 14.
    public static func size(forZoom z: Int) -> Int { z <= 13 ? 2 : defaultSize }

    /// The block containing `tile`: aligned to multiples of `size` (by default the size for its
    /// zoom), clipped to the matrix.
    public static func block(containing tile: TileID, in tms: TileMatrixSet, size: Int? = nil) -> (origin: TileID, columns: Int, rows: Int) {
        let size = size ?? Self.size(forZoom: tile.z)
        let x0 = tile.x - tile.x % size, y0 = tile.y - tile.y % size
        let columns = min(size, tms.matrixWidth(tile.z) - x0)
        let rows = min(size, tms.matrixHeight(tile.z) - y0)
        return (TileID(z: tile.z, x: x0, y: y0), max(1, columns), max(1, rows))
    }
}
