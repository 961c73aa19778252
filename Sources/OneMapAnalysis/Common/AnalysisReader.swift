import OneMapGeometry
import OneMapStore

/// Reads layers for one caller's analysis through the store's access check. A layer the caller
/// may not see (or the store lacks: the two look the same, on purpose) is left out — the analysis
/// goes on without it — and noted, with what it was needed for, so the result can say so.
/// Geometries come back in CGCS2000 lon/lat whatever the layer's storage CRS.
///
/// Not `Sendable`: one per analysis run.
public final class AnalysisReader {
    public let store: Store
    public let principal: Principal
    /// Layer id → what it was needed for.
    public private(set) var leftOut: [(layer: String, purposes: [String])] = []
    /// The version of every layer read (for "data versions" in reports).
    public private(set) var versions: [String: Int] = [:]
    private var toLonLat: [CRS: CoordinateTransform] = [:]

    public init(store: Store, principal: Principal) {
        self.store = store
        self.principal = principal
    }

    /// The layer if the caller may read it; otherwise nil, and the layer noted as left out.
    public func layer(_ id: String, for purpose: String) throws -> Layer? {
        guard let layer = try store.layerIfVisible(id, for: principal) else {
            if let i = leftOut.firstIndex(where: { $0.layer == id }) {
                if !leftOut[i].purposes.contains(purpose) { leftOut[i].purposes.append(purpose) }
            } else {
                leftOut.append((id, [purpose]))
            }
            return nil
        }
        versions[id] = layer.version
        return layer
    }

    /// Features of a layer that meet `query`, geometries in lon/lat; nil when the layer is left out.
    public func features(_ id: String, _ query: SpatialQuery, for purpose: String) throws -> [SpatialMatch]? {
        guard let layer = try layer(id, for: purpose) else { return nil }
        var out: [SpatialMatch] = []
        try store.spatialScan(layer, query, columns: layer.attributes.map(\.name)) { id, g, values, distance in
            out.append(SpatialMatch(feature: Feature(id: id, geometry: g, values: values), distance: distance))
        }
        return try out.sorted { $0.feature.id < $1.feature.id }.map { m in
            SpatialMatch(feature: Feature(id: m.feature.id, geometry: try m.feature.geometry.map { try lonLat($0, from: layer.storageCRS) },
                                          values: m.feature.values), distance: m.distance)
        }
    }

    /// Features of a layer whose bounding boxes meet `area`'s (through the spatial index only: the
    /// caller clips them exactly), geometries in lon/lat; nil when the layer is left out.
    public func candidates(_ id: String, meeting area: Geometry, for purpose: String) throws -> [SpatialMatch]? {
        guard let layer = try layer(id, for: purpose), let lonLatBox = area.boundingBox else { return nil }
        var box = lonLatBox
        if !layer.storageCRS.isDisplayEquivalent(to: .cgcs2000) { box = try CoordinateTransform(from: .cgcs2000, to: layer.storageCRS).apply(box) }
        var out: [SpatialMatch] = []
        try store.backend.scan(layer, bbox: box, columns: layer.attributes.map(\.name)) { row in
            out.append(SpatialMatch(feature: Feature(id: row.id, geometry: try lonLat(try row.geometry.decode(), from: layer.storageCRS), values: row.values),
                                    distance: nil))
        }
        return out.sorted { $0.feature.id < $1.feature.id }
    }

    /// A geometry stored in `crs` as CGCS2000 lon/lat.
    public func lonLat(_ g: Geometry, from crs: CRS) throws -> Geometry {
        if crs.isDisplayEquivalent(to: .cgcs2000) { return g }
        let t = try toLonLat[crs] ?? CoordinateTransform(from: crs, to: .cgcs2000)
        toLonLat[crs] = t
        return try t.apply(g)
    }

    /// `[{"layer", "purposes"}]` for results.
    public var leftOutJSON: JSONValue {
        .array(leftOut.map { .object([("layer", .string($0.layer)), ("purposes", .array($0.purposes.map { .string($0) })),
                                      ("reason", .string("not available to the caller"))]) })
    }
}
