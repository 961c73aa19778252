import Foundation
import OneMapGeometry

extension Store {
    /// Features of a vector layer that answer a spatial query, in id order: the spatial index
    /// narrows to candidates, then GEOS decides exactly (a prepared geometry for relations; a
    /// local metric plane for distances, so metres are metres on the ground).
    /// - Throws: `StoreError.layerNotFound` when `principal` may not see the layer;
    ///   `.invalidGeometry` for an empty geometry or a negative distance.
    public func features(in layerID: String, _ query: SpatialQuery, for principal: Principal) throws -> [SpatialMatch] {
        let layer = try vectorLayer(layerID, for: principal)
        var out: [SpatialMatch] = []
        try spatialScan(layer, query, columns: layer.attributes.map(\.name)) { id, geometry, values, distance in
            out.append(SpatialMatch(feature: Feature(id: id, geometry: geometry, values: values), distance: distance))
        }
        return out.sorted { $0.feature.id < $1.feature.id }
    }

    /// Streams the features of `layer` (already resolved for the caller) that answer `query`,
    /// reading only `columns`: the one implementation behind spatial queries and identify.
    public func spatialScan(_ layer: Layer, _ query: SpatialQuery, columns: [String],
                            _ body: (_ id: Int64, _ geometry: Geometry, _ values: [FeatureValue], _ distance: Double?) throws -> Void) throws {
        guard layer.kind == .vector else { throw StoreError.unsupported("'\(layer.id)' is not a vector layer") }
        var literal = query.geometry
        guard !literal.isEmpty else { throw StoreError.invalidGeometry("the query geometry is empty") }
        if query.crs != layer.storageCRS {
            do { literal = try CoordinateTransform(from: query.crs, to: layer.storageCRS).apply(literal) } catch {
                throw StoreError.invalidGeometry("the query geometry cannot be moved from \(query.crs) to \(layer.storageCRS)")
            }
        }
        guard let literalBox = literal.boundingBox else { throw StoreError.invalidGeometry("the query geometry is empty") }
        // A point in polygons (a unit grid lookup): the backend decides next to its index.
        if case .relation(.contains) = query.kind, case .point(let point) = literal {
            try backend.scan(layer, containing: point, columns: columns) { row in try body(row.id, try row.geometry.decode(), row.values, nil) }
            return
        }
        let context = GEOSContext()
        switch query.kind {
        case .relation(let relation):
            let test = try SpatialTest(relation, literal: literal, context: context)
            // Disjoint features lie anywhere; every other relation needs the boxes to meet.
            let box = relation == .disjoint ? (layer.extent ?? literalBox).union(literalBox) : literalBox
            try backend.scan(layer, bbox: box, columns: columns) { row in
                let g = try row.geometry.decode()
                if try test.matches(g) { try body(row.id, g, row.values, nil) }
            }
        case .withinDistance(let metres):
            guard metres.isFinite, metres >= 0 else { throw StoreError.invalidArgument("the distance must be a non-negative number of metres") }
            let frame = try LocalFrame(around: literal, source: layer.storageCRS)
            let prepared = try context.prepare(try frame.project(literal))
            let box = try frame.sourceBox(around: literalBox, metres: metres)
            try backend.scan(layer, bbox: box, columns: columns) { row in
                let g = try row.geometry.decode()
                let local = try frame.project(g)
                guard try prepared.distanceWithin(local, metres) else { return }
                try body(row.id, g, row.values, try prepared.distance(local))
            }
        }
    }

    /// The `count` features nearest to a point, nearest first (ties by id), measured on the
    /// ground; only those within `maxMetres` when given. The search widens from a radius that
    /// the layer's density suggests until it holds `count` features or reaches the limit.
    /// - Throws: `StoreError.layerNotFound`; `.invalidArgument` for a count outside 1–1000.
    public func nearest(in layerID: String, to point: Coordinate, crs: CRS = .crs84, count: Int, within maxMetres: Double? = nil,
                        for principal: Principal) throws -> [SpatialMatch] {
        guard (1...1000).contains(count) else { throw StoreError.invalidArgument("count must be 1–1000") }
        if let maxMetres, !(maxMetres.isFinite && maxMetres >= 0) { throw StoreError.invalidArgument("the distance must be a non-negative number of metres") }
        let layer = try vectorLayer(layerID, for: principal)
        guard layer.featureCount > 0, let extent = layer.extent else { return [] }
        // The whole layer lies within this many metres of the point.
        let toLonLat = try CoordinateTransform(from: layer.storageCRS, to: .wgs84)
        let lonLat = try CoordinateTransform(from: crs, to: .wgs84).apply(point)
        let e = try toLonLat.apply(extent)
        let corners = [Coordinate(e.minX, e.minY), Coordinate(e.minX, e.maxY), Coordinate(e.maxX, e.minY), Coordinate(e.maxX, e.maxY)]
        let farthest = corners.map { Geodesic.cgcs2000.inverse(lonLat, $0).distance }.max() ?? 0
        let limit = min(maxMetres ?? .infinity, farthest + 1)
        // Start where `count` features would lie if they were spread evenly.
        let areaPerFeature = Geodesic.cgcs2000.ringArea([corners[0], corners[2], corners[3], corners[1]]) / Double(layer.featureCount)
        var radius = min(limit, max(50, (areaPerFeature * Double(count) / .pi).squareRoot() * 1.5))
        let columns = layer.attributes.map(\.name)
        while true {
            var found: [SpatialMatch] = []
            try spatialScan(layer, .near(.point(point), metres: radius, crs: crs), columns: columns) { id, g, values, d in
                found.append(SpatialMatch(feature: Feature(id: id, geometry: g, values: values), distance: d))
            }
            if found.count >= count || radius >= limit {
                return Array(found.sorted { ($0.distance ?? 0, $0.feature.id) < ($1.distance ?? 0, $1.feature.id) }.prefix(count))
            }
            radius = min(limit, radius * 3)
        }
    }
}
