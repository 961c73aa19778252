import OneMapGeometry
import OneMapRender
import OneMapStore

/// Where a map is: the one rule for a map's extent (TileJSON bounds, seeding and export, WMS
/// capabilities, the web map's first view).
public enum MapExtent {
    /// How much larger than the typical layer's extent a layer's may be and still count. A map
    /// that draws a city's layers over a country-wide DEM or boundary layer is about the city.
    static let outlierFactor = 1000.0

    /// The lon/lat union of the layers' extents, leaving out layers whose extent is far larger
    /// (by area, `outlierFactor`) than the median of the layers' (unless that leaves nothing).
    public static func of(_ layers: [Layer]) -> BoundingBox? {
        let boxes: [BoundingBox] = layers.compactMap { layer in
            guard let e = layer.extent, let t = try? CoordinateTransform(from: layer.storageCRS, to: .wgs84) else { return nil }
            return try? t.apply(e)
        }
        guard !boxes.isEmpty else { return nil }
        let areas = boxes.map { max($0.width * $0.height, 1e-12) }.sorted()
        let median = areas[areas.count / 2]
        var box = BoundingBox.empty
        for b in boxes where max(b.width * b.height, 1e-12) <= median * outlierFactor { box.extend(b) }
        if box.isEmpty { for b in boxes { box.extend(b) } }
        return box
    }

    /// The metatile blocks covering a lon/lat box at one level.
    public static func blocks(_ tms: TileMatrixSet, _ area: BoundingBox, z: Int) -> [TileID] {
        guard let r = tms.tileRange(covering: projected(area, tms), zoom: z) else { return [] }
        var out: [TileID] = []
        var seen = Set<TileID>()
        for y in r.rows {
            for x in r.columns {
                let origin = Metatile.block(containing: TileID(z: z, x: x, y: y), in: tms).origin
                if seen.insert(origin).inserted { out.append(origin) }
            }
        }
        return out
    }

    /// The tiles covering a lon/lat box at one level.
    public static func tiles(_ tms: TileMatrixSet, _ area: BoundingBox, z: Int) -> [TileID] {
        guard let r = tms.tileRange(covering: projected(area, tms), zoom: z) else { return [] }
        return r.rows.flatMap { y in r.columns.map { TileID(z: z, x: $0, y: y) } }
    }

    /// A lon/lat box in the matrix set's CRS.
    static func projected(_ area: BoundingBox, _ tms: TileMatrixSet) -> BoundingBox {
        guard tms.crs == .webMercator else { return area }
        let a = WebMercator.project(Coordinate(area.minX, area.minY)), b = WebMercator.project(Coordinate(area.maxX, area.maxY))
        return BoundingBox(minX: a.x, minY: a.y, maxX: b.x, maxY: b.y)
    }
}
