import CPROJ

/// Asks PROJ's database which operation it would use between two CRSs over an area, and how
/// exact that operation is. Each call builds and destroys its own context (PROJ contexts are not
/// shared between threads).
enum ProjOperations {
    /// PROJ's best usable candidate (the list comes sorted best first; operations needing a grid
    /// that is not installed are left out, as the transformation would skip them too).
    /// - Parameter area: west, south, east, north in degrees, or nil for anywhere.
    /// - Throws: `GeometryError.unknownCRS` for a definition PROJ cannot read,
    ///   `.transformFailed` when PROJ has no operation at all.
    static func best(from: String, to: String, area: BoundingBox?) throws -> TransformationReport {
        guard let ctx = proj_context_create() else { throw GeometryError.transformFailed(from: from, to: to, detail: "no PROJ context") }
        defer { proj_context_destroy(ctx) }
        proj_log_level(ctx, PJ_LOG_NONE)
        guard let source = proj_create(ctx, from) else { throw GeometryError.unknownCRS(from) }
        defer { proj_destroy(source) }
        guard let target = proj_create(ctx, to) else { throw GeometryError.unknownCRS(to) }
        defer { proj_destroy(target) }
        guard let factory = proj_create_operation_factory_context(ctx, nil) else {
            throw GeometryError.transformFailed(from: from, to: to, detail: "no PROJ operation factory")
        }
        defer { proj_operation_factory_context_destroy(factory) }
        proj_operation_factory_context_set_grid_availability_use(ctx, factory, PROJ_GRID_AVAILABILITY_DISCARD_OPERATION_IF_MISSING_GRID)
        proj_operation_factory_context_set_spatial_criterion(ctx, factory, PROJ_SPATIAL_CRITERION_PARTIAL_INTERSECTION)
        if let area { proj_operation_factory_context_set_area_of_interest(ctx, factory, area.minX, area.minY, area.maxX, area.maxY) }
        guard let list = proj_create_operations(ctx, source, target, factory) else {
            throw GeometryError.transformFailed(from: from, to: to, detail: "PROJ lists no operation")
        }
        defer { proj_list_destroy(list) }
        for i in 0..<proj_list_get_count(list) {
            guard let op = proj_list_get(ctx, list, i) else { continue }
            defer { proj_destroy(op) }
            guard proj_coordoperation_is_instantiable(ctx, op) != 0 else { continue }
            let name = proj_get_name(op).map { String(cString: $0) } ?? "unnamed operation"
            let accuracy = proj_coordoperation_get_accuracy(ctx, op)
            let ballpark = proj_coordoperation_has_ballpark_transformation(ctx, op) != 0
            // A conversion (same datum) reports no accuracy: it is exact.
            let conversion = proj_get_type(op) == PJ_TYPE_CONVERSION || (!ballpark && accuracy < 0 && !name.contains(" to "))
            return TransformationReport(operation: name, accuracy: accuracy >= 0 ? accuracy : (conversion ? 0 : nil), ballpark: ballpark)
        }
        throw GeometryError.transformFailed(from: from, to: to, detail: "PROJ has no usable operation")
    }

    /// Runs `body` with the object PROJ reads from `definition`, in a context of its own; nil when
    /// PROJ cannot read it.
    private static func withObject<T>(_ definition: String, _ body: (OpaquePointer, OpaquePointer) -> T?) -> T? {
        guard let ctx = proj_context_create() else { return nil }
        defer { proj_context_destroy(ctx) }
        proj_log_level(ctx, PJ_LOG_NONE)
        guard let object = proj_create(ctx, definition) else { return nil }
        defer { proj_destroy(object) }
        return body(ctx, object)
    }

    /// The PROJ string of a CRS (for appending `+towgs84`); nil when PROJ cannot express it so.
    static func projString(of definition: String) -> String? {
        withObject(definition) { ctx, crs in
            guard proj_is_crs(crs) != 0, let text = proj_as_proj_string(ctx, crs, PJ_PROJ_4, nil) else { return nil }
            return String(cString: text)
        }
    }

    /// WKT1 as GDAL writes it (keeps `TOWGS84`), for GDAL's warper.
    static func gdalWKT(of definition: String) -> String? {
        withObject(definition) { ctx, crs in proj_as_wkt(ctx, crs, PJ_WKT1_GDAL, nil).map { String(cString: $0) } }
    }

    /// Whether PROJ reads the text as a CRS.
    static func isCRS(_ definition: String) -> Bool {
        withObject(definition) { _, object in proj_is_crs(object) != 0 } ?? false
    }

    /// Whether the CRS is geographic (degrees).
    static func isGeographic(_ definition: String) -> Bool {
        withObject(definition) { ctx, crs in
            var type = proj_get_type(crs)
            // A CRS with +towgs84 is a bound CRS: what counts is the CRS it binds.
            if type == PJ_TYPE_BOUND_CRS, let source = proj_get_source_crs(ctx, crs) {
                type = proj_get_type(source)
                proj_destroy(source)
            }
            return type == PJ_TYPE_GEOGRAPHIC_2D_CRS || type == PJ_TYPE_GEOGRAPHIC_3D_CRS
        } ?? false
    }
}
