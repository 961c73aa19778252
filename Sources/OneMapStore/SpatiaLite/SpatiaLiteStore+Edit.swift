import Foundation
import GRDB
import OneMapGeometry

extension SpatiaLiteStore {
    // MARK: FeatureEditor

    public func insert(_ feature: Feature, into layer: Layer, by principal: Principal) throws -> (feature: Feature, layer: Layer) {
        try write { db in
            let names = layer.attributes.map { quoteIdentifier($0.name) } + ["geom"]
            var arguments = StatementArguments(feature.values.map(Self.databaseValue))
            arguments += [feature.geometry.map { Data(SpatiaLiteBlob.encode($0, srid: Int32(layer.storageCRS.epsg ?? 0))) }]
            try db.execute(sql: "INSERT INTO \(quoteIdentifier(layer.table)) (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                           arguments: arguments)
            var stored = feature
            stored.id = db.lastInsertedRowID
            let after = try Self.commitEdit(layer, before: nil, after: stored, action: "create", principal: principal, in: db)
            return (stored, after)
        }
    }

    public func modify(_ fid: Int64, of layer: Layer, ifMatch: String?, action: String, by principal: Principal,
                       _ change: (Feature) throws -> Feature) throws -> (feature: Feature, layer: Layer) {
        try write { db in
            let before = try Self.currentFeature(fid, layer: layer, ifMatch: ifMatch, in: db)
            var after = try change(before)
            after.id = fid
            let sets = layer.attributes.map { "\(quoteIdentifier($0.name)) = ?" } + ["geom = ?"]
            var arguments = StatementArguments(after.values.map(Self.databaseValue))
            arguments += [after.geometry.map { Data(SpatiaLiteBlob.encode($0, srid: Int32(layer.storageCRS.epsg ?? 0))) }]
            arguments += [fid]
            try db.execute(sql: "UPDATE \(quoteIdentifier(layer.table)) SET \(sets.joined(separator: ", ")) WHERE fid = ?", arguments: arguments)
            let updated = try Self.commitEdit(layer, before: before, after: after, action: action, principal: principal, in: db)
            return (after, updated)
        }
    }

    public func delete(_ fid: Int64, of layer: Layer, ifMatch: String?, by principal: Principal) throws {
        try write { db in
            let before = try Self.currentFeature(fid, layer: layer, ifMatch: ifMatch, in: db)
            try db.execute(sql: "DELETE FROM \(quoteIdentifier(layer.table)) WHERE fid = ?", arguments: [fid])
            _ = try Self.commitEdit(layer, before: before, after: nil, action: "delete", principal: principal, in: db)
        }
    }

    /// The feature as stored, checked against the client's If-Match.
    static func currentFeature(_ fid: Int64, layer: Layer, ifMatch: String?, in db: Database) throws -> Feature {
        guard let before = try fetchFeature(fid, layer: layer, in: db) else { throw StoreError.featureNotFound(layer: layer.id, id: fid) }
        if let ifMatch, !before.matches(ifMatch: ifMatch) {
            throw StoreError.staleVersion(expected: ifMatch, actual: before.etag)
        }
        return before
    }

    /// Bumps the layer's version, count and extent, records the changed area (so exactly the
    /// tiles over it go stale) and appends the audit record, all in the edit's transaction.
    static func commitEdit(_ layer: Layer, before: Feature?, after: Feature?, action: String, principal: Principal,
                           in db: Database) throws -> Layer {
        guard var current = try Row.fetchOne(db, sql: "SELECT * FROM layers WHERE id = ?", arguments: [layer.id]).map(decodeLayer) else {
            throw StoreError.layerNotFound(layer.id)
        }
        let change = EditBookkeeping(layer: current, before: before, after: after)
        current = change.layer
        try saveLayer(current, in: db)
        try recordChange(layerID: layer.id, version: current.version, area: change.area, in: db)
        try appendAudit(change.auditEntry(action: action, principal: principal), in: db)
        return current
    }

    static func databaseValue(_ v: FeatureValue) -> DatabaseValue {
        switch v {
        case .null: .null
        case .integer(let i): i.databaseValue
        case .real(let d): d.databaseValue
        case .text(let s): s.databaseValue
        }
    }
}
