import OneMapGeometry

/// A value bound to a `?` of a compiled filter.
enum SQLArgument {
    case value(FeatureValue)
    case double(Double)
    case blob([UInt8])

    func bind(_ statement: RawStatement, _ index: Int32) {
        switch self {
        case .value(let v): statement.bind(index, v)
        case .double(let d): statement.bind(index, double: d)
        case .blob(let b): statement.bind(index, blob: b)
        }
    }
}

/// A WHERE clause with its arguments, in the order of its `?`s.
struct SQLCondition {
    var sql: String
    var arguments: [SQLArgument]
}

/// Compiles filters to SQL for one layer: property names must be the layer's attributes (or
/// `id`), literals are bound, spatial literals are moved into the storage CRS and tested with
/// SpatiaLite's GEOS-backed predicates behind an R*Tree pre-filter.
struct FilterCompiler {
    let layer: Layer
    let srid: Int

    init(layer: Layer) throws {
        guard let srid = layer.storageCRS.epsg else { throw StoreError.unsupported("layer '\(layer.id)' has no EPSG storage CRS") }
        self.layer = layer
        self.srid = srid
    }

    /// The SQL expression for a property: an attribute column, or the feature id.
    func column(_ name: String) throws -> String {
        if layer.attribute(name) != nil { return quoteIdentifier(name) }
        if name == "id" || name == "fid" { return "fid" }
        let known = (layer.attributes.map(\.name) + ["id"]).joined(separator: ", ")
        throw StoreError.invalidArgument("unknown property '\(name)' in collection '\(layer.id)' (its properties: \(known))")
    }

    /// Features whose geometry meets `bbox` (storage CRS): the R*Tree narrows to candidates, then
    /// boxes entirely inside pass at once and the rest get an exact GEOS test (the R*Tree keeps
    /// float32 boxes, so it alone returns a few features just outside).
    func bbox(_ box: BoundingBox) -> SQLCondition {
        let index = quoteIdentifier("idx_\(layer.table)_geom")
        let mbr = "BuildMbr(?, ?, ?, ?, \(srid))"
        let corners: [SQLArgument] = [.double(box.minX), .double(box.minY), .double(box.maxX), .double(box.maxY)]
        return SQLCondition(
            sql: "fid IN (SELECT pkid FROM \(index) WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?) AND (MbrWithin(geom, \(mbr)) OR ST_Intersects(geom, \(mbr)) = 1)",
            arguments: [.double(box.maxX), .double(box.minX), .double(box.maxY), .double(box.minY)] + corners + corners)
    }

    func compile(_ filter: FeatureFilter) throws -> SQLCondition {
        switch filter {
        case .literal(let b):
            return SQLCondition(sql: b ? "1" : "0", arguments: [])
        case .and(let parts), .or(let parts):
            guard !parts.isEmpty else { return SQLCondition(sql: "1", arguments: []) }
            let compiled = try parts.map(compile)
            let op = if case .and = filter { " AND " } else { " OR " }
            return SQLCondition(sql: "(" + compiled.map(\.sql).joined(separator: op) + ")", arguments: compiled.flatMap(\.arguments))
        case .not(let inner):
            let c = try compile(inner)
            return SQLCondition(sql: "NOT (\(c.sql))", arguments: c.arguments)
        case .compare(let a, let op, let b):
            let l = try operand(a), r = try operand(b)
            return SQLCondition(sql: "\(l.sql) \(op.rawValue) \(r.sql)", arguments: l.arguments + r.arguments)
        case .isNull(let a):
            let l = try operand(a)
            return SQLCondition(sql: "\(l.sql) IS NULL", arguments: l.arguments)
        case .like(let a, let pattern):
            // CQL2 LIKE is case-sensitive; SQLite's LIKE is not, its GLOB is.
            let l = try operand(a)
            return SQLCondition(sql: "\(l.sql) GLOB ?", arguments: l.arguments + [.value(.text(Self.glob(pattern)))])
        case .between(let a, let low, let high):
            let v = try operand(a), lo = try operand(low), hi = try operand(high)
            return SQLCondition(sql: "\(v.sql) BETWEEN \(lo.sql) AND \(hi.sql)", arguments: v.arguments + lo.arguments + hi.arguments)
        case .inList(let a, let list):
            guard !list.isEmpty else { return SQLCondition(sql: "0", arguments: []) }
            let v = try operand(a)
            let items = try list.map(operand)
            return SQLCondition(sql: "\(v.sql) IN (" + items.map(\.sql).joined(separator: ", ") + ")",
                                arguments: v.arguments + items.flatMap(\.arguments))
        case .spatial(let predicate, let literal, let crs):
            return try spatial(predicate, literal, crs)
        }
    }

    func operand(_ o: FilterOperand) throws -> SQLCondition {
        switch o {
        case .property(let name): SQLCondition(sql: try column(name), arguments: [])
        case .value(let v): SQLCondition(sql: "?", arguments: [.value(v)])
        }
    }

    func spatial(_ predicate: FeatureFilter.SpatialPredicate, _ literal: Geometry, _ crs: CRS) throws -> SQLCondition {
        var g = literal
        if crs != layer.storageCRS {
            do { g = try CoordinateTransform(from: crs, to: layer.storageCRS).apply(literal) } catch {
                throw StoreError.invalidArgument("the geometry in \(predicate.rawValue) cannot be moved from \(crs) to \(layer.storageCRS)")
            }
        }
        guard let box = g.boundingBox, !g.isEmpty else {
            // An empty geometry meets nothing.
            return SQLCondition(sql: predicate == .disjoint ? "1" : "0", arguments: [])
        }
        // The exact test is `SpatialTest`'s, through the SQL function the connection registers.
        let test = SQLCondition(sql: "\(SpatialSQLFunction.name)(geom, ?, ?) = 1", arguments: [.value(.text(predicate.rawValue)), .blob(WKB.encode(g))])
        if predicate == .disjoint { return test }
        // Every other predicate implies that the boxes meet, so the R*Tree narrows first.
        let index = quoteIdentifier("idx_\(layer.table)_geom")
        return SQLCondition(
            sql: "(fid IN (SELECT pkid FROM \(index) WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?) AND \(test.sql))",
            arguments: [.double(box.maxX), .double(box.minX), .double(box.maxY), .double(box.minY)] + test.arguments)
    }

    /// A CQL2 LIKE pattern as an SQLite GLOB pattern.
    static func glob(_ pattern: String) -> String {
        var out = ""
        var escaped = false
        for ch in pattern {
            if escaped {
                out += ["*", "?", "["].contains(ch) ? "[\(ch)]" : String(ch)
                escaped = false
                continue
            }
            switch ch {
            case "\\": escaped = true
            case "%": out += "*"
            case "_": out += "?"
            case "*", "?", "[": out += "[\(ch)]"
            default: out.append(ch)
            }
        }
        if escaped { out += "\\" }
        return out
    }
}
