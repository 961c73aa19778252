import OneMapGeometry

/// Compiles filters to PostgreSQL for one layer, with the same meaning as SpatiaLite's
/// `FilterCompiler`: property names are the layer's attributes (or `id`), literals are bound
/// with their type, spatial literals are moved into the storage CRS and tested with PostGIS's
/// GEOS predicates, which use the GiST index by themselves.
struct PostGISFilterCompiler {
    let layer: Layer
    let srid: Int
    /// The bound values, in `$n` order.
    private(set) var parameters: [PGParameter] = []

    init(layer: Layer) throws {
        guard let srid = layer.storageCRS.epsg else { throw StoreError.unsupported("layer '\(layer.id)' has no EPSG storage CRS") }
        self.layer = layer
        self.srid = srid
    }

    mutating func bind(_ p: PGParameter, as type: String) -> String {
        parameters.append(p)
        return "$\(parameters.count)::\(type)"
    }

    /// The SQL expression for a property: an attribute column, or the feature id.
    func column(_ name: String) throws -> String {
        if layer.attribute(name) != nil { return quoteIdentifier(name) }
        if name == "id" || name == "fid" { return "fid" }
        let known = (layer.attributes.map(\.name) + ["id"]).joined(separator: ", ")
        throw StoreError.invalidArgument("unknown property '\(name)' in collection '\(layer.id)' (its properties: \(known))")
    }

    /// The ORDER BY term of a sort key: text bytewise (as SQLite compares it) and nulls first
    /// ascending (as SQLite orders them), whatever the database's collation.
    func sortTerm(_ key: FeatureQuery.SortKey) throws -> String {
        let c = try column(key.property)
        let isText = layer.attribute(key.property).map { $0.type == .text || $0.type == .date } ?? false
        return "\(c)\(isText ? " COLLATE \"C\"" : "") \(key.ascending ? "ASC NULLS FIRST" : "DESC NULLS LAST")"
    }

    /// Features whose geometry meets `box` (storage CRS), decided exactly.
    mutating func bbox(_ box: BoundingBox) -> String {
        let e = envelope(box)
        return "ST_Intersects(geom, \(e))"
    }

    mutating func envelope(_ box: BoundingBox) -> String {
        let a = bind(.text("\(box.minX)"), as: "float8"), b = bind(.text("\(box.minY)"), as: "float8")
        let c = bind(.text("\(box.maxX)"), as: "float8"), d = bind(.text("\(box.maxY)"), as: "float8")
        return "ST_MakeEnvelope(\(a), \(b), \(c), \(d), \(srid))"
    }

    mutating func compile(_ filter: FeatureFilter) throws -> String {
        switch filter {
        case .literal(let b):
            return b ? "TRUE" : "FALSE"
        case .and(let parts), .or(let parts):
            guard !parts.isEmpty else { return "TRUE" }
            var compiled: [String] = []
            for p in parts { compiled.append(try compile(p)) }
            let op = if case .and = filter { " AND " } else { " OR " }
            return "(" + compiled.joined(separator: op) + ")"
        case .not(let inner):
            return "NOT (\(try compile(inner)))"
        case .compare(let a, let op, let b):
            return "\(try operand(a)) \(op.rawValue) \(try operand(b))"
        case .isNull(let a):
            return "\(try operand(a)) IS NULL"
        case .like(let a, let pattern):
            // CQL2 LIKE is case-sensitive with `\` as its escape, as PostgreSQL's LIKE is.
            return "(\(try operand(a)))::text LIKE \(bind(.text(pattern), as: "text")) COLLATE \"C\""
        case .between(let a, let low, let high):
            return "\(try operand(a)) BETWEEN \(try operand(low)) AND \(try operand(high))"
        case .inList(let a, let list):
            guard !list.isEmpty else { return "FALSE" }
            let v = try operand(a)
            var items: [String] = []
            for item in list { items.append(try operand(item)) }
            return "\(v) IN (" + items.joined(separator: ", ") + ")"
        case .spatial(let predicate, let literal, let crs):
            return try spatial(predicate, literal, crs)
        }
    }

    mutating func operand(_ o: FilterOperand) throws -> String {
        switch o {
        case .property(let name):
            return try column(name)
        case .value(let v):
            switch v {
            case .null: return "NULL"
            case .integer: return bind(.value(v), as: "int8")
            case .real: return bind(.value(v), as: "float8")
            // Text compares bytewise, as SQLite compares it, whatever the database's collation.
            // (Parenthesised: BETWEEN's bounds take no COLLATE clause of their own.)
            case .text: return "(\(bind(.value(v), as: "text")) COLLATE \"C\")"
            }
        }
    }

    mutating func spatial(_ predicate: FeatureFilter.SpatialPredicate, _ literal: Geometry, _ crs: CRS) throws -> String {
        var g = literal
        if crs != layer.storageCRS {
            do { g = try CoordinateTransform(from: crs, to: layer.storageCRS).apply(literal) } catch {
                throw StoreError.invalidArgument("the geometry in \(predicate.rawValue) cannot be moved from \(crs) to \(layer.storageCRS)")
            }
        }
        // An empty geometry meets nothing.
        guard g.boundingBox != nil, !g.isEmpty else { return predicate == .disjoint ? "TRUE" : "FALSE" }
        let function = switch predicate {
        case .intersects: "ST_Intersects"
        case .within: "ST_Within"
        case .contains: "ST_Contains"
        case .disjoint: "ST_Disjoint"
        case .equals: "ST_Equals"
        case .touches: "ST_Touches"
        case .crosses: "ST_Crosses"
        case .overlaps: "ST_Overlaps"
        }
        return "\(function)(geom, ST_GeomFromWKB(\(bind(.bytes(WKB.encode(g)), as: "bytea")), \(srid)))"
    }
}
