import Foundation
import GRDB
import OneMapGeometry

extension SpatiaLiteStore {
    // MARK: IncidentStore

    static let incidentColumns = ["title", "category", "subtype", "level", "status", "occurred_at", "updated_at", "notes", "reporter", "version"]

    static func incidentArguments(_ r: IncidentRecord) -> StatementArguments {
        let values: [(any DatabaseValueConvertible)?] = [r.title, r.category, r.subtype, r.level, r.status, r.occurredAt, r.updatedAt, r.notes,
                                                          r.reporter, r.version]
        return StatementArguments(values)
    }

    static func incidentRecord(_ row: Row) throws -> IncidentRecord {
        let blob: Data = row["geom"]
        let geometry = try [UInt8](blob).withUnsafeBytes { try SpatiaLiteBlob.decode($0) }
        return IncidentRecord(id: row["fid"], title: row["title"], category: row["category"], subtype: row["subtype"], level: row["level"],
                              status: row["status"], geometry: geometry, occurredAt: row["occurred_at"], updatedAt: row["updated_at"],
                              notes: row["notes"] ?? "", reporter: row["reporter"], version: row["version"])
    }

    /// Moves the incident layer's catalog entry forward and records the changed areas.
    static func touchIncidentLayer(_ areas: [BoundingBox], countDelta: Int, in db: Database) throws {
        var area = BoundingBox.empty
        for a in areas where !a.isEmpty { area = area.isEmpty ? a : area.union(a) }
        try touchManagedLayer("incidents", area: area, countDelta: countDelta, in: db)
    }

    public func insertIncident(_ record: IncidentRecord, audit: AuditEntry?) throws -> IncidentRecord {
        try write { db in
            let names = Self.incidentColumns + ["geom"]
            var arguments = Self.incidentArguments(record)
            arguments += [Data(SpatiaLiteBlob.encode(record.geometry, srid: 4490))]
            try db.execute(sql: "INSERT INTO incidents (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                           arguments: arguments)
            var stored = record
            stored.id = db.lastInsertedRowID
            if var audit {
                audit.featureID = stored.id
                try Self.appendAudit(audit, in: db)
            }
            try Self.touchIncidentLayer([record.geometry.boundingBox ?? .empty], countDelta: 1, in: db)
            return stored
        }
    }

    public func updateIncident(_ record: IncidentRecord, expectedVersion: Int, audit: AuditEntry?) throws -> IncidentRecord {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT version, MbrMinX(geom) AS a, MbrMinY(geom) AS b, MbrMaxX(geom) AS c, MbrMaxY(geom) AS d FROM incidents WHERE fid = ?",
                                             arguments: [record.id]) else {
                throw StoreError.featureNotFound(layer: "incidents", id: record.id)
            }
            let current: Int = row["version"]
            guard current == expectedVersion else { throw StoreError.staleVersion(expected: String(expectedVersion), actual: String(current)) }
            var stored = record
            stored.version = expectedVersion + 1
            var arguments = Self.incidentArguments(stored)
            arguments += [Data(SpatiaLiteBlob.encode(stored.geometry, srid: 4490)), stored.id]
            try db.execute(sql: "UPDATE incidents SET \((Self.incidentColumns + ["geom"]).map { "\($0) = ?" }.joined(separator: ", ")) WHERE fid = ?",
                           arguments: arguments)
            if let audit { try Self.appendAudit(audit, in: db) }
            var before = BoundingBox.empty
            if let a: Double = row["a"], let b: Double = row["b"], let c: Double = row["c"], let d: Double = row["d"] {
                before = BoundingBox(minX: a, minY: b, maxX: c, maxY: d)
            }
            try Self.touchIncidentLayer([before, stored.geometry.boundingBox ?? .empty], countDelta: 0, in: db)
            return stored
        }
    }

    public func incident(_ id: Int64) throws -> IncidentRecord? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM incidents WHERE fid = ?", arguments: [id]).map(Self.incidentRecord) }
    }

    public func incidents(statuses: [String]?) throws -> [IncidentRecord] {
        try read { db in
            var sql = "SELECT * FROM incidents"
            var arguments: StatementArguments = []
            if let statuses {
                sql += " WHERE status IN (\(statuses.map { _ in "?" }.joined(separator: ", ")))"
                arguments = StatementArguments(statuses)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY occurred_at DESC, fid DESC", arguments: arguments).map(Self.incidentRecord)
        }
    }

    public func ensureIncidentLayer(title: String, access: AccessLevel) throws {
        try write { db in
            if try Row.fetchOne(db, sql: "SELECT id FROM layers WHERE id = 'incidents'") != nil { return }
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM incidents") ?? 0
            let extent = try Self.tableExtent("incidents", in: db)
            let layer = Layer(
                id: "incidents", title: title, group: "emergency", kind: .vector, geometryType: .geometryCollection, storageCRS: .cgcs2000,
                attributes: ManagedLayers.incidentAttributes,
                access: access, featureCount: count, extent: extent, version: 1, source: ManagedLayers.incidentSource, synthetic: false,
                importedAt: isoNow(), table: "incidents", description: ManagedLayers.incidentDescription, managedBy: "incidents")
            try Self.saveLayer(layer, in: db)
            try Self.recordChange(layerID: "incidents", version: 1, area: nil, in: db)
        }
    }

    public func appendPositions(_ positions: [UnitPosition], keepSince: String) throws {
        try write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO unit_positions (unit, kind, name, x, y, heading, speed, at, reporter) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for p in positions {
                try statement.execute(arguments: [p.unit, p.kind, p.name, p.location.x, p.location.y, p.heading, p.speed, p.at, p.reporter])
            }
            try db.execute(sql: "DELETE FROM unit_positions WHERE at < ?", arguments: [keepSince])
        }
    }

    public func positions(since: String) throws -> [UnitPosition] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM unit_positions WHERE at >= ? ORDER BY at, id", arguments: [since]).map { row in
                UnitPosition(unit: row["unit"], kind: row["kind"], name: row["name"], location: Coordinate(row["x"], row["y"]), heading: row["heading"],
                             speed: row["speed"], at: row["at"], reporter: row["reporter"])
            }
        }
    }
}
