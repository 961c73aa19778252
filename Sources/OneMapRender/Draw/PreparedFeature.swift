import Foundation
import OneMapGeometry
import OneMapStore

/// A feature read for one render: its data for expressions and its geometry in output pixels.
final class PreparedFeature {
    let data: FeatureData
    /// Pixel coordinates (y down), parts and polygons as in `FlatGeometry`.
    let geometry: FlatGeometry

    init(data: FeatureData, geometry: FlatGeometry) {
        self.data = data
        self.geometry = geometry
    }
}

extension TileRenderer {
    /// Reads the features of one store layer in the render area (plus buffer), keeps those that
    /// pass each style layer's filter, and converts their geometry to pixels once.
    func prepare(layer: Layer, styleLayers: [(offset: Int, element: StyleLayer)], style: Style, principal: Principal, buffer: Double,
                 ctx: DrawContext) throws -> [Int: [PreparedFeature]] {
        let toView = try transform(from: layer.storageCRS, to: ctx.crs)
        let toStorage = try transform(from: ctx.crs, to: layer.storageCRS)
        let viewBox = ctx.bbox.expanded(by: buffer * ctx.resolutionX * ctx.scale, buffer * ctx.resolutionY * ctx.scale)
        let queryBox = try toStorage.apply(viewBox)
        var columns = Set<String>()
        for (_, l) in styleLayers { columns.formUnion(l.usedProperties) }
        let names = columns.sorted()
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        var lists = [[PreparedFeature]](repeating: [], count: styleLayers.count)
        let key = "\(style.loadID)|\(layer.id)|\(styleLayers.map { String($0.offset) }.joined(separator: ","))|\(names.joined(separator: ","))"
        let bound = boundFilters[key] ?? BoundFilters(styleLayers.map(\.element.filter), index: index)
        boundFilters[key] = bound
        // Plain arrays for the per-feature loop (copying StyleLayer values there costs retains).
        let filters = bound.filters
        let fills = styleLayers.map { $0.element.type == .fill }
        let memo = bound.memo
        var scratch = FlatGeometry()
        let minX = ctx.bbox.minX, maxY = ctx.bbox.maxY, resX = ctx.resolutionX, resY = ctx.resolutionY
        let mercator = layer.storageCRS.isDisplayEquivalent(to: .wgs84) && ctx.crs == .webMercator
        try store.scan(layer: layer.id, bbox: queryBox, columns: names, for: principal) { row in
            guard let blobType = row.geometry.type else { return }
            let typeName = blobType.singular.name
            let data = FeatureData(index: index, values: row.values, geometryType: typeName, id: row.id)
            var evaluation = ctx.evaluation
            evaluation.feature = data
            evaluation.memo = memo
            memo.next()
            var accepted: [Int] = []  // positions in styleLayers
            for k in 0..<filters.count where filters[k]?.evaluate(evaluation).isTrue ?? true {
                // Geometry-type mismatches draw nothing (a fill layer over points).
                if fills[k] && blobType.dimension != 2 { continue }
                accepted.append(k)
            }
            guard !accepted.isEmpty else { return }
            if let box = row.geometry.boundingBox, !box.intersects(queryBox) { return }
            try row.geometry.decode(into: &scratch)
            var pixels = FlatGeometry()
            pixels.type = scratch.type
            pixels.coordinates.reserveCapacity(scratch.coordinates.count)
            pixels.polygonEnds = scratch.polygonEnds
            // Storage → matrix-set CRS (closed form for lon/lat → Web Mercator), → pixels,
            // dropping vertices that move less than a quarter pixel (they cannot change the image).
            try scratch.coordinates.withUnsafeMutableBufferPointer { buffer in
                if mercator {
                    for k in buffer.indices { buffer[k] = WebMercator.project(buffer[k]) }
                } else if !toView.isIdentity {
                    try toView.apply(buffer)
                }
            }
            var start = 0
            let closing = scratch.type.dimension == 2
            for end in scratch.partEnds {
                var lastX = Double.nan, lastY = Double.nan
                let partStart = pixels.coordinates.count
                for k in start..<end {
                    let c = scratch.coordinates[k]
                    let x = (c.x - minX) / resX, y = (maxY - c.y) / resY
                    if k > start && k < end - 1 && abs(x - lastX) < 0.25 && abs(y - lastY) < 0.25 { continue }
                    pixels.coordinates.append(Coordinate(x, y))
                    lastX = x
                    lastY = y
                }
                if closing && pixels.coordinates.count - partStart < 3 {
                    pixels.coordinates.removeLast(pixels.coordinates.count - partStart)
                }
                pixels.partEnds.append(pixels.coordinates.count)
                start = end
            }
            // A polygon smaller than a pixel has lost all its rings: nothing to draw or label.
            if closing && pixels.coordinates.isEmpty { return }
            let feature = PreparedFeature(data: data, geometry: pixels)
            for k in accepted { lists[k].append(feature) }
        }
        var out: [Int: [PreparedFeature]] = [:]
        for (k, l) in styleLayers.enumerated() where !lists[k].isEmpty { out[l.offset] = lists[k] }
        return out
    }
}
