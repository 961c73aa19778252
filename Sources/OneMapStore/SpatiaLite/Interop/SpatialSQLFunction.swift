import GRDB
import GRDBSQLite
import OneMapGeometry

/// `onemap_spatial(geom, relation, literal)`: the CQL2 spatial functions of items filters,
/// evaluated by `SpatialTest` (the same code as every spatial query) instead of SpatiaLite's own
/// `ST_*`. `geom` is a stored SpatiaLite blob, `relation` a CQL2 name (`S_INTERSECTS`, …) and
/// `literal` WKB in the layer's storage CRS; the answer is 1 or 0 (NULL for a NULL geometry).
///
/// Ownership: each connection owns one `SpatialFunctionState` (its GEOS context and the last
/// literal prepared), released when SQLite drops the function with the connection. Thread
/// rule: a connection is used by one thread at a time, so its state is too.
enum SpatialSQLFunction {
    static let name = "onemap_spatial"

    static func register(on connection: OpaquePointer) throws {
        let state = Unmanaged.passRetained(SpatialFunctionState()).toOpaque()
        let rc = sqlite3_create_function_v2(
            connection, name, 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, state,
            { context, count, values in
                guard let context, let values, count == 3 else { return }
                let state = Unmanaged<SpatialFunctionState>.fromOpaque(sqlite3_user_data(context)).takeUnretainedValue()
                guard sqlite3_value_type(values[0]) == SQLITE_BLOB, let relationText = sqlite3_value_text(values[1]),
                      let relation = FeatureFilter.SpatialPredicate(rawValue: String(cString: relationText)),
                      sqlite3_value_type(values[2]) == SQLITE_BLOB
                else {
                    sqlite3_result_null(context)
                    return
                }
                let geometry = UnsafeRawBufferPointer(start: sqlite3_value_blob(values[0]), count: Int(sqlite3_value_bytes(values[0])))
                let literal = UnsafeRawBufferPointer(start: sqlite3_value_blob(values[2]), count: Int(sqlite3_value_bytes(values[2])))
                do {
                    sqlite3_result_int(context, try state.matches(geometry, relation, literal) ? 1 : 0)
                } catch {
                    sqlite3_result_error(context, "onemap_spatial: \(error)", -1)
                }
            }, nil, nil,
            { state in if let state { Unmanaged<SpatialFunctionState>.fromOpaque(state).release() } })
        guard rc == SQLITE_OK else {
            Unmanaged<SpatialFunctionState>.fromOpaque(state).release()
            throw StoreError.database("cannot register \(name)")
        }
    }
}

/// One connection's GEOS context and the literal it prepared last (a query passes the same
/// literal for every row, so it is prepared once per query).
final class SpatialFunctionState {
    private let context = GEOSContext()
    private var literalBytes: [UInt8] = []
    private var test: SpatialTest?

    func matches(_ blob: UnsafeRawBufferPointer, _ relation: FeatureFilter.SpatialPredicate, _ literal: UnsafeRawBufferPointer) throws -> Bool {
        if test == nil || test?.relation != relation || !literal.elementsEqual(literalBytes) {
            literalBytes = Array(literal)
            test = try SpatialTest(relation, literal: try WKB.decode(literal), context: context)
        }
        return try test!.matches(try SpatiaLiteBlob.decode(blob))
    }
}
