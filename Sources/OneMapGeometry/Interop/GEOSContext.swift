import CGEOS

/// The GEOS context handle type (`GEOSContextHandle_t`).
typealias GEOSHandle = OpaquePointer
/// A GEOS geometry pointer (`GEOSGeometry *`), always owned by a `GEOSContext` call frame or a `PreparedGeometry`.
typealias GEOSGeometryPointer = OpaquePointer

/// One GEOS context and the operations OneMap needs from it.
///
/// Ownership: owns its context handle, WKB reader and writer, and frees them in `deinit`.
/// Thread rule: not `Sendable`; GEOS contexts must not be shared between threads, so create one
/// per task or worker thread. Geometries cross the boundary as WKB, so no GEOS pointer escapes.
public final class GEOSContext {
    let handle: GEOSHandle
    private let reader: OpaquePointer
    private let writer: OpaquePointer
    /// The last message GEOS reported through the error handler.
    fileprivate var lastError = ""

    public init() {
        handle = GEOS_init_r()
        reader = GEOSWKBReader_create_r(handle)
        writer = GEOSWKBWriter_create_r(handle)
        GEOSWKBWriter_setOutputDimension_r(handle, writer, 2)
        GEOSWKBWriter_setByteOrder_r(handle, writer, 1)
        // GEOS hands the message and our userdata to a C function; the context is found through it.
        GEOSContext_setErrorMessageHandler_r(
            handle,
            { message, userdata in
                guard let userdata, let message else { return }
                let context = Unmanaged<GEOSContext>.fromOpaque(userdata).takeUnretainedValue()
                context.lastError = String(cString: message)
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        GEOSWKBReader_destroy_r(handle, reader)
        GEOSWKBWriter_destroy_r(handle, writer)
        GEOS_finish_r(handle)
    }

    // MARK: conversion

    /// Builds a GEOS geometry the caller must destroy (`GEOSGeom_destroy_r`).
    func make(_ g: Geometry, _ operation: String) throws -> GEOSGeometryPointer {
        let wkb = WKB.encode(g)
        lastError = ""
        guard let p = wkb.withUnsafeBufferPointer({ GEOSWKBReader_read_r(handle, reader, $0.baseAddress, $0.count) })
        else { throw GeometryError.geosFailed(operation: operation, detail: lastError) }
        return p
    }

    /// Reads a GEOS geometry back into a Swift value; does not destroy it.
    func read(_ p: GEOSGeometryPointer, _ operation: String) throws -> Geometry {
        var size = 0
        guard let bytes = GEOSWKBWriter_write_r(handle, writer, p, &size) else {
            throw GeometryError.geosFailed(operation: operation, detail: lastError)
        }
        defer { GEOSFree_r(handle, bytes) }
        return try WKB.decode(UnsafeRawBufferPointer(start: bytes, count: size))
    }

    /// Runs `body` with GEOS copies of the geometries, destroying them afterwards.
    func with<T>(_ gs: [Geometry], _ operation: String, _ body: ([GEOSGeometryPointer]) throws -> T) throws -> T {
        var pointers = [GEOSGeometryPointer]()
        defer { for p in pointers { GEOSGeom_destroy_r(handle, p) } }
        for g in gs { pointers.append(try make(g, operation)) }
        return try body(pointers)
    }

    func result(_ p: GEOSGeometryPointer?, _ operation: String) throws -> Geometry {
        guard let p else { throw GeometryError.geosFailed(operation: operation, detail: lastError) }
        defer { GEOSGeom_destroy_r(handle, p) }
        return try read(p, operation)
    }

    func predicate(_ value: CChar, _ operation: String) throws -> Bool {
        guard value != 2 else { throw GeometryError.geosFailed(operation: operation, detail: lastError) }
        return value == 1
    }

    // MARK: validity

    /// Whether the geometry is valid in the OGC sense.
    public func isValid(_ g: Geometry) throws -> Bool {
        try with([g], "isValid") { try predicate(GEOSisValid_r(handle, $0[0]), "isValid") }
    }

    /// Why the geometry is invalid ("Self-intersection[116.1 38.2]"), or "Valid Geometry".
    public func validityReason(_ g: Geometry) throws -> String {
        try with([g], "isValidReason") { p in
            guard let reason = GEOSisValidReason_r(handle, p[0]) else { return lastError }
            defer { GEOSFree_r(handle, reason) }
            return String(cString: reason)
        }
    }

    /// A valid version of the geometry (GEOS MakeValid); may change its type (e.g. a bow-tie polygon becomes a multipolygon).
    public func makeValid(_ g: Geometry) throws -> Geometry {
        try with([g], "makeValid") { try result(GEOSMakeValid_r(handle, $0[0]), "makeValid") }
    }

    /// A valid version keeping areas as areas (GEOS's "structure" method: a ring that crosses
    /// itself becomes the union of its lobes, collapsed parts are dropped), which is what a
    /// drawn site or a surveyed parcel means.
    public func makeValidPolygonal(_ g: Geometry) throws -> Geometry {
        try with([g], "makeValid") { p in
            guard let params = GEOSMakeValidParams_create_r(handle) else { throw GeometryError.geosFailed(operation: "makeValid", detail: lastError) }
            defer { GEOSMakeValidParams_destroy_r(handle, params) }
            GEOSMakeValidParams_setMethod_r(handle, params, GEOS_MAKE_VALID_STRUCTURE)
            GEOSMakeValidParams_setKeepCollapsed_r(handle, params, 0)
            return try result(GEOSMakeValidWithParams_r(handle, p[0], params), "makeValid")
        }
    }

    // MARK: measures

    /// Planar area in CRS units squared.
    public func area(_ g: Geometry) throws -> Double {
        try with([g], "area") { p in
            var value = 0.0
            guard GEOSArea_r(handle, p[0], &value) == 1 else { throw GeometryError.geosFailed(operation: "area", detail: lastError) }
            return value
        }
    }

    /// Planar length in CRS units.
    public func length(_ g: Geometry) throws -> Double {
        try with([g], "length") { p in
            var value = 0.0
            guard GEOSLength_r(handle, p[0], &value) == 1 else { throw GeometryError.geosFailed(operation: "length", detail: lastError) }
            return value
        }
    }

    /// Planar distance between the geometries in CRS units.
    public func distance(_ a: Geometry, _ b: Geometry) throws -> Double {
        try with([a, b], "distance") { p in
            var value = 0.0
            guard GEOSDistance_r(handle, p[0], p[1], &value) == 1 else { throw GeometryError.geosFailed(operation: "distance", detail: lastError) }
            return value
        }
    }

    /// Whether the geometries lie within `distance` of each other (CRS units).
    public func distanceWithin(_ a: Geometry, _ b: Geometry, _ distance: Double) throws -> Bool {
        try with([a, b], "distanceWithin") { try predicate(GEOSDistanceWithin_r(handle, $0[0], $0[1], distance), "distanceWithin") }
    }

    /// The nearest point of `a` to `b`, and of `b` to `a`.
    public func nearestPoints(_ a: Geometry, _ b: Geometry) throws -> (Coordinate, Coordinate) {
        try with([a, b], "nearestPoints") { p in
            guard let seq = GEOSNearestPoints_r(handle, p[0], p[1]) else { throw GeometryError.geosFailed(operation: "nearestPoints", detail: lastError) }
            defer { GEOSCoordSeq_destroy_r(handle, seq) }
            var x0 = 0.0, y0 = 0.0, x1 = 0.0, y1 = 0.0
            GEOSCoordSeq_getXY_r(handle, seq, 0, &x0, &y0)
            GEOSCoordSeq_getXY_r(handle, seq, 1, &x1, &y1)
            return (Coordinate(x0, y0), Coordinate(x1, y1))
        }
    }

    // MARK: predicates

    public func equals(_ a: Geometry, _ b: Geometry) throws -> Bool {
        try with([a, b], "equals") { try predicate(GEOSEquals_r(handle, $0[0], $0[1]), "equals") }
    }

    public func intersects(_ a: Geometry, _ b: Geometry) throws -> Bool {
        try with([a, b], "intersects") { try predicate(GEOSIntersects_r(handle, $0[0], $0[1]), "intersects") }
    }

    /// Whether `a` contains `b`.
    public func contains(_ a: Geometry, _ b: Geometry) throws -> Bool {
        try with([a, b], "contains") { try predicate(GEOSContains_r(handle, $0[0], $0[1]), "contains") }
    }

    /// Whether `a` lies within `b`.
    public func within(_ a: Geometry, _ b: Geometry) throws -> Bool {
        try with([a, b], "within") { try predicate(GEOSWithin_r(handle, $0[0], $0[1]), "within") }
    }

    // MARK: constructions

    public func intersection(_ a: Geometry, _ b: Geometry) throws -> Geometry {
        try with([a, b], "intersection") { try result(GEOSIntersection_r(handle, $0[0], $0[1]), "intersection") }
    }

    public func difference(_ a: Geometry, _ b: Geometry) throws -> Geometry {
        try with([a, b], "difference") { try result(GEOSDifference_r(handle, $0[0], $0[1]), "difference") }
    }

    // MARK: snap-rounded overlay (OverlayNG on a fixed grid)
    //
    // Each result vertex is rounded to a grid of `gridSize` CRS units and the overlay is noded on
    // it, so the same inputs give the same output and "non-noded intersection" cannot happen.

    public func intersection(_ a: Geometry, _ b: Geometry, gridSize: Double) throws -> Geometry {
        try with([a, b], "intersection") { try result(GEOSIntersectionPrec_r(handle, $0[0], $0[1], gridSize), "intersection") }
    }

    public func difference(_ a: Geometry, _ b: Geometry, gridSize: Double) throws -> Geometry {
        try with([a, b], "difference") { try result(GEOSDifferencePrec_r(handle, $0[0], $0[1], gridSize), "difference") }
    }

    /// The union of the parts of one geometry on a fixed grid.
    public func union(_ g: Geometry, gridSize: Double) throws -> Geometry {
        try with([g], "union") { try result(GEOSUnaryUnionPrec_r(handle, $0[0], gridSize), "union") }
    }

    /// The union of all the geometries.
    public func union(_ gs: [Geometry]) throws -> Geometry {
        try union(.collection(gs))
    }

    /// The union of the parts of one geometry (dissolves a collection or an overlapping multipolygon).
    public func union(_ g: Geometry) throws -> Geometry {
        try with([g], "union") { try result(GEOSUnaryUnion_r(handle, $0[0]), "union") }
    }

    /// A buffer with `quadrantSegments` segments per quarter circle.
    public func buffer(_ g: Geometry, distance: Double, quadrantSegments: Int32 = 8) throws -> Geometry {
        try with([g], "buffer") { try result(GEOSBuffer_r(handle, $0[0], distance, quadrantSegments), "buffer") }
    }

    /// Douglas-Peucker simplification that keeps polygons valid.
    public func simplify(_ g: Geometry, tolerance: Double) throws -> Geometry {
        try with([g], "simplify") { try result(GEOSTopologyPreserveSimplify_r(handle, $0[0], tolerance), "simplify") }
    }

    public func centroid(_ g: Geometry) throws -> Geometry {
        try with([g], "centroid") { try result(GEOSGetCentroid_r(handle, $0[0]), "centroid") }
    }

    /// A point guaranteed to lie inside the geometry (good for labels of concave polygons).
    public func pointOnSurface(_ g: Geometry) throws -> Geometry {
        try with([g], "pointOnSurface") { try result(GEOSPointOnSurface_r(handle, $0[0]), "pointOnSurface") }
    }

    /// Prepares a geometry for many repeated predicate tests against it.
    public func prepare(_ g: Geometry) throws -> PreparedGeometry {
        try PreparedGeometry(context: self, geometry: g)
    }
}

/// A geometry converted to GEOS once, for several operations on it (an analysis tests and clips
/// each feature a few ways; converting it each time would cost more than the tests).
///
/// Ownership: owns the GEOS geometry, destroyed in `deinit` through its context. Thread rule:
/// same as its `GEOSContext`.
public final class GEOSShape {
    fileprivate let context: GEOSContext
    fileprivate let pointer: GEOSGeometryPointer

    fileprivate init(context: GEOSContext, pointer: GEOSGeometryPointer) {
        self.context = context
        self.pointer = pointer
    }

    deinit { GEOSGeom_destroy_r(context.handle, pointer) }

    /// The planar area in CRS units squared.
    public func area() throws -> Double {
        var value = 0.0
        guard GEOSArea_r(context.handle, pointer, &value) == 1 else { throw GeometryError.geosFailed(operation: "area", detail: context.lastError) }
        return value
    }
}

extension GEOSContext {
    /// The geometry in GEOS, for several operations.
    public func shape(_ g: Geometry) throws -> GEOSShape { GEOSShape(context: self, pointer: try make(g, "shape")) }

    /// `a ∩ b` snap-rounded on a grid of `gridSize` CRS units.
    public func intersection(_ a: GEOSShape, _ b: GEOSShape, gridSize: Double) throws -> Geometry {
        try result(GEOSIntersectionPrec_r(handle, a.pointer, b.pointer, gridSize), "intersection")
    }
}

/// A GEOS prepared geometry for fast repeated `contains`/`intersects` tests.
///
/// Ownership: owns the GEOS geometry and its prepared form, freed in `deinit` through the
/// context that made them. Thread rule: same as its `GEOSContext` (one task).
public final class PreparedGeometry {
    private let context: GEOSContext
    private let geometry: GEOSGeometryPointer
    private let prepared: OpaquePointer
    /// The bounding box, for a cheap rejection before GEOS is asked.
    public let boundingBox: BoundingBox

    init(context: GEOSContext, geometry g: Geometry) throws {
        self.context = context
        geometry = try context.make(g, "prepare")
        guard let p = GEOSPrepare_r(context.handle, geometry) else {
            GEOSGeom_destroy_r(context.handle, geometry)
            throw GeometryError.geosFailed(operation: "prepare", detail: context.lastError)
        }
        prepared = p
        boundingBox = g.boundingBox ?? .empty
    }

    deinit {
        GEOSPreparedGeom_destroy_r(context.handle, prepared)
        GEOSGeom_destroy_r(context.handle, geometry)
    }

    /// Whether the point lies inside (not on the boundary).
    public func contains(_ c: Coordinate) throws -> Bool {
        guard boundingBox.contains(c) else { return false }
        let h = context.handle
        guard let point = GEOSGeom_createPointFromXY_r(h, c.x, c.y) else {
            throw GeometryError.geosFailed(operation: "contains", detail: context.lastError)
        }
        defer { GEOSGeom_destroy_r(h, point) }
        return try context.predicate(GEOSPreparedContains_r(h, prepared, point), "contains")
    }

    public func contains(_ g: Geometry) throws -> Bool {
        try context.with([g], "contains") { try context.predicate(GEOSPreparedContains_r(context.handle, prepared, $0[0]), "contains") }
    }

    public func intersects(_ g: Geometry) throws -> Bool {
        if let box = g.boundingBox, !box.intersects(boundingBox) { return false }
        return try context.with([g], "intersects") { try context.predicate(GEOSPreparedIntersects_r(context.handle, prepared, $0[0]), "intersects") }
    }

    /// Whether no point of the prepared geometry lies outside `g`.
    public func coveredBy(_ g: Geometry) throws -> Bool {
        try test(g, "coveredBy") { GEOSPreparedCoveredBy_r($0, $1, $2) }
    }

    /// Whether no point of `g` lies outside the prepared geometry.
    public func covers(_ g: Geometry) throws -> Bool {
        try test(g, "covers") { GEOSPreparedCovers_r($0, $1, $2) }
    }

    /// Whether the prepared geometry lies within `g` (`g` contains it).
    public func within(_ g: Geometry) throws -> Bool {
        try test(g, "within") { GEOSPreparedWithin_r($0, $1, $2) }
    }

    public func disjoint(_ g: Geometry) throws -> Bool {
        try test(g, "disjoint") { GEOSPreparedDisjoint_r($0, $1, $2) }
    }

    public func touches(_ g: Geometry) throws -> Bool {
        try test(g, "touches") { GEOSPreparedTouches_r($0, $1, $2) }
    }

    public func crosses(_ g: Geometry) throws -> Bool {
        try test(g, "crosses") { GEOSPreparedCrosses_r($0, $1, $2) }
    }

    public func overlaps(_ g: Geometry) throws -> Bool {
        try test(g, "overlaps") { GEOSPreparedOverlaps_r($0, $1, $2) }
    }

    /// Whether `g` lies within `distance` (CRS units) of the prepared geometry.
    public func distanceWithin(_ g: Geometry, _ distance: Double) throws -> Bool {
        try test(g, "distanceWithin") { GEOSPreparedDistanceWithin_r($0, $1, $2, distance) }
    }

    /// The distance (CRS units) from the prepared geometry to `g`.
    public func distance(_ g: Geometry) throws -> Double {
        try context.with([g], "distance") { p in
            var d = 0.0
            guard GEOSPreparedDistance_r(context.handle, prepared, p[0], &d) == 1 else {
                throw GeometryError.geosFailed(operation: "distance", detail: context.lastError)
            }
            return d
        }
    }

    public func intersects(_ s: GEOSShape) throws -> Bool { try test(s, "intersects") { GEOSPreparedIntersects_r($0, $1, $2) } }
    public func covers(_ s: GEOSShape) throws -> Bool { try test(s, "covers") { GEOSPreparedCovers_r($0, $1, $2) } }
    public func coveredBy(_ s: GEOSShape) throws -> Bool { try test(s, "coveredBy") { GEOSPreparedCoveredBy_r($0, $1, $2) } }

    private func test(_ s: GEOSShape, _ operation: String, _ call: (GEOSHandle, OpaquePointer, GEOSGeometryPointer) -> CChar) throws -> Bool {
        precondition(s.context === context, "a shape of another GEOS context")
        return try context.predicate(call(context.handle, prepared, s.pointer), operation)
    }

    private func test(_ g: Geometry, _ operation: String, _ call: (GEOSHandle, OpaquePointer, GEOSGeometryPointer) -> CChar) throws -> Bool {
        try context.with([g], operation) { try context.predicate(call(context.handle, prepared, $0[0]), operation) }
    }
}
