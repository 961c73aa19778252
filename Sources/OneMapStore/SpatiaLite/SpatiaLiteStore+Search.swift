import Foundation
import GRDB
import OneMapGeometry

extension SpatiaLiteStore {
    public func search(_ text: String, in layers: [Layer], limit: Int) throws -> [SearchHit] {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        var hits: [SearchHit] = []
        try read { db in
            for layer in layers where layer.kind == .vector {
                for field in layer.attributes where field.searchable {
                    let column = quoteIdentifier(field.name)
                    let sql = """
                        SELECT fid, \(column), MbrMinX(geom), MbrMinY(geom), MbrMaxX(geom), MbrMaxY(geom),
                               (\(column) = ?) + (\(column) LIKE ? ESCAPE '\\') AS rank
                        FROM \(quoteIdentifier(layer.table)) WHERE \(column) LIKE ? ESCAPE '\\' AND geom IS NOT NULL
                        ORDER BY rank DESC, length(\(column)) LIMIT \(max(1, min(limit, 100)))
                        """
                    for row in try Row.fetchAll(db, sql: sql, arguments: [text, escaped + "%", "%" + escaped + "%"]) {
                        guard let value = row[1] as String?, let a = row[2] as Double?, let b = row[3] as Double?, let c = row[4] as Double?,
                              let d = row[5] as Double? else { continue }
                        hits.append(SearchHit(layer: layer, featureID: row[0], field: field, value: value,
                                              bbox: BoundingBox(minX: a, minY: b, maxX: c, maxY: d), rank: row[6]))
                    }
                }
            }
        }
        return hits
    }
}
