import Foundation
import OneMapGeometry
import OneMapRender
import OneMapStore
import OneMapTiles

/// One feature found at a point.
public struct IdentifiedFeature: Sendable {
    public let layer: Layer
    public let feature: Feature
    /// Distance from the point in metres (0 inside a polygon).
    public let distance: Double
}

/// "What is here?" across a map's visible layers: polygons containing the point, lines and
/// points within a few pixels at the given zoom, only features the map actually draws there
/// (style filters and zoom ranges apply). Points first, then lines, then the polygons under them
/// (a click on a street lamp means the lamp, not the grid it stands in); within each, the
/// top-most layer first and the nearest feature first. The web map's click popup and WMS
/// GetFeatureInfo answer from it.
public struct IdentifyService: Sendable {
    let store: Store
    let tiles: TileService
    /// The click tolerance for lines and points, in pixels of a 256-pixel Web Mercator tile.
    public var tolerancePixels = 6.0

    public init(store: Store, tiles: TileService) {
        self.store = store
        self.tiles = tiles
    }

    /// - Parameters:
    ///   - point: lon/lat (CRS84 order, any lon/lat CRS).
    ///   - limit: at most this many features in all.
    /// - Throws: `RenderError.unknownMap`; store errors.
    ///   - only: only these store layers of the map (the web map's visible overlays).
    public func identify(map: String, at point: Coordinate, zoom: Double, limit: Int = 50, only: Set<String>? = nil,
                         for principal: Principal) throws -> [IdentifiedFeature] {
        let style = try tiles.style(map, for: principal)
        let metresPerPixel = 2 * Double.pi * WebMercator.radius * cos(point.y * .pi / 180) / (256 * pow(2, zoom))
        let tolerance = tolerancePixels * metresPerPixel
        // Store layers in drawing order, top-most first, each with the style layers drawing it now.
        var order: [String] = []
        var drawers: [String: [StyleLayer]] = [:]
        for styleLayer in style.layers.reversed() where styleLayer.isVisible(atZoom: zoom) {
            guard let id = styleLayer.sourceLayer, only?.contains(id) ?? true else { continue }
            if drawers[id] == nil { order.append(id) }
            drawers[id, default: []].append(styleLayer)
        }
        var found: [(rank: Int, hit: IdentifiedFeature)] = []
        for (rank, id) in order.enumerated() {
            guard let layer = try store.layerIfVisible(id, for: principal), layer.kind == .vector else { continue }
            let local = try LocalMetric(layer.storageCRS, around: point)
            let box = local.box(radius: tolerance)
            let names = layer.attributes.map(\.name)
            let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            var hits: [IdentifiedFeature] = []
            try store.scan(layer: id, bbox: box, columns: names, for: principal) { row in
                let g = try row.geometry.decode()
                let data = FeatureData(index: index, values: row.values, geometryType: g.type.singular.name, id: row.id)
                let ctx = EvaluationContext(zoom: zoom, feature: data)
                guard drawers[id]!.contains(where: { $0.filter?.evaluate(ctx).isTrue ?? true }) else { return }
                let d = local.distance(to: g)
                if d <= (g.type.dimension == 2 ? 0 : tolerance) {
                    hits.append(IdentifiedFeature(layer: layer, feature: Feature(id: row.id, geometry: g, values: row.values), distance: d))
                }
            }
            found += hits.map { (rank, $0) }
        }
        // DEM layers the map draws here answer with their stored elevation at the point (the
        // level-0 cell's own value), after every vector feature.
        var dems: [String] = []
        for styleLayer in style.layers.reversed() where styleLayer.isVisible(atZoom: zoom) {
            guard let source = styleLayer.source.flatMap({ style.sources[$0] }), source.type == "raster-dem", let id = source.layer,
                  !dems.contains(id), only?.contains(id) ?? true else { continue }
            dems.append(id)
        }
        for (i, id) in dems.enumerated() {
            guard var layer = try store.layerIfVisible(id, for: principal), layer.kind == .dem,
                  let height = try store.elevation(layer: id, at: point, crs: .crs84, for: principal) else { continue }
            layer.attributes = [AttributeField(name: "elevation", type: .real, title: "高程（米）")]
            found.append((order.count + i, IdentifiedFeature(layer: layer, feature: Feature(id: 0, geometry: .point(point), values: [.real(height)]), distance: 0)))
        }
        func dimension(_ f: IdentifiedFeature) -> Int { f.layer.kind == .dem ? 4 : f.feature.geometry?.type.dimension ?? 3 }
        return found.sorted {
            (dimension($0.hit), $0.rank, $0.hit.distance, $0.hit.feature.id) < (dimension($1.hit), $1.rank, $1.hit.distance, $1.hit.feature.id)
        }.prefix(limit).map(\.hit)
    }
}

/// Distances near one point in metres, on a local equirectangular plane (exact enough at
/// click-tolerance scale), for layers stored in lon/lat or in projected metres.
struct LocalMetric {
    let origin: Coordinate
    /// Metres per storage unit along x and y.
    let scaleX: Double
    let scaleY: Double

    init(_ crs: CRS, around lonLat: Coordinate) throws {
        origin = try CoordinateTransform(from: .crs84, to: crs).apply(lonLat)
        if crs.isGeographic {
            scaleY = 111_320
            scaleX = 111_320 * cos(lonLat.y * .pi / 180)
        } else {
            let k = crs == .webMercator ? cos(lonLat.y * .pi / 180) : 1
            scaleX = k
            scaleY = k
        }
    }

    func box(radius: Double) -> BoundingBox {
        let dx = radius / scaleX, dy = radius / scaleY
        return BoundingBox(minX: origin.x - dx, minY: origin.y - dy, maxX: origin.x + dx, maxY: origin.y + dy)
    }

    func metres(_ c: Coordinate) -> Coordinate { Coordinate((c.x - origin.x) * scaleX, (c.y - origin.y) * scaleY) }

    /// 0 inside a polygon, else the distance to the nearest vertex or segment.
    func distance(to g: Geometry) -> Double {
        switch g {
        case .point(let c): return hypot(metres(c).x, metres(c).y)
        case .multiPoint(let cs): return cs.map { hypot(metres($0).x, metres($0).y) }.min() ?? .infinity
        case .lineString(let cs): return lineDistance(cs)
        case .multiLineString(let ls): return ls.map(lineDistance).min() ?? .infinity
        case .polygon(let rings): return polygonDistance(rings)
        case .multiPolygon(let ps): return ps.map(polygonDistance).min() ?? .infinity
        case .collection(let parts): return parts.map(distance).min() ?? .infinity
        }
    }

    func lineDistance(_ cs: [Coordinate]) -> Double {
        guard let first = cs.first else { return .infinity }
        var best = hypot(metres(first).x, metres(first).y)
        var a = metres(first)
        for c in cs.dropFirst() {
            let b = metres(c)
            let dx = b.x - a.x, dy = b.y - a.y
            let len2 = dx * dx + dy * dy
            let t = len2 > 0 ? max(0, min(1, -(a.x * dx + a.y * dy) / len2)) : 0
            best = min(best, hypot(a.x + t * dx, a.y + t * dy))
            a = b
        }
        return best
    }

    /// Even-odd ray casting over all rings (holes included).
    func polygonDistance(_ rings: [[Coordinate]]) -> Double {
        var inside = false
        for ring in rings {
            var j = ring.count - 1
            for i in 0..<ring.count {
                let a = metres(ring[i]), b = metres(ring[j])
                if (a.y > 0) != (b.y > 0), 0 < (b.x - a.x) * (0 - a.y) / (b.y - a.y) + a.x { inside.toggle() }
                j = i
            }
        }
        return inside ? 0 : rings.map(lineDistance).min() ?? .infinity
    }
}
