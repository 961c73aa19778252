import Foundation
import GRDB
import OneMapGeometry

/// A feature found by its searchable text (road and place names, unit-grid and component codes).
public struct SearchHit: Sendable {
    public let layer: Layer
    public let featureID: Int64
    public let field: AttributeField
    public let value: String
    /// The feature's bounding box in the layer's storage CRS.
    public let bbox: BoundingBox
}

extension Store {
    /// Features of the layers `principal` may see whose searchable fields contain `text`: exact
    /// matches first, then prefixes, then the shortest values.
    /// - Throws: `.invalidArgument` for empty or over-long text.
    public func search(_ text: String, limit: Int = 20, for principal: Principal) throws -> [SearchHit] {
        let q = text.trimmingCharacters(in: .whitespaces)
        guard !q.isEmpty, q.count <= 100 else { throw StoreError.invalidArgument("search text must be 1–100 characters") }
        let escaped = q.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        var hits: [(rank: Int, length: Int, hit: SearchHit)] = []
        // Already the caller's layers: each is a read of its data (the audit log's concern).
        let layers = try layers(for: principal).filter { $0.kind == .vector && $0.attributes.contains(where: \.searchable) }
        for layer in layers { noteRead(of: layer, by: principal) }
        try read { db in
            for layer in layers {
                for field in layer.attributes where field.searchable {
                    let column = quoteIdentifier(field.name)
                    let sql = """
                        SELECT fid, \(column), MbrMinX(geom), MbrMinY(geom), MbrMaxX(geom), MbrMaxY(geom),
                               (\(column) = ?) + (\(column) LIKE ? ESCAPE '\\') AS rank
                        FROM \(quoteIdentifier(layer.table)) WHERE \(column) LIKE ? ESCAPE '\\' AND geom IS NOT NULL
                        ORDER BY rank DESC, length(\(column)) LIMIT \(max(1, min(limit, 100)))
                        """
                    for row in try Row.fetchAll(db, sql: sql, arguments: [q, escaped + "%", "%" + escaped + "%"]) {
                        guard let value = row[1] as String?, let a = row[2] as Double?, let b = row[3] as Double?, let c = row[4] as Double?,
                              let d = row[5] as Double? else { continue }
                        hits.append((row[6], value.count, SearchHit(layer: layer, featureID: row[0], field: field, value: value,
                                                                    bbox: BoundingBox(minX: a, minY: b, maxX: c, maxY: d))))
                    }
                }
            }
        }
        return hits.sorted { ($1.rank, $0.length) < ($0.rank, $1.length) }.prefix(limit).map(\.hit)
    }
}
