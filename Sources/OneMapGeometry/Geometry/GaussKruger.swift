/// CGCS2000 3° Gauss-Krüger zones (GB/T 17798 practice), as EPSG numbers them.
public enum GaussKruger {
    /// The 3° zone number for a longitude (zone n has central meridian 3n).
    public static func zone(longitude: Double) -> Int { Int((longitude / 3).rounded()) }

    /// The CRS with the zone number in the false easting (EPSG:4513…4533 for zones 25…45),
    /// e.g. Cangzhou (116.8E) → zone 39 → EPSG:4527.
    public static func crsWithZonePrefix(longitude: Double) -> CRS? {
        let z = zone(longitude: longitude)
        guard (25...45).contains(z) else { return nil }
        return CRS(.epsg(4488 + z))
    }

    /// The CRS with false easting 500 000 (EPSG:4534…4554 for central meridians 75E…135E),
    /// e.g. Cangzhou → CM 117E → EPSG:4548.
    public static func crsWithCentralMeridian(longitude: Double) -> CRS? {
        let cm = zone(longitude: longitude) * 3
        guard (75...135).contains(cm) else { return nil }
        return CRS(.epsg(4534 + (cm - 75) / 3))
    }
}
