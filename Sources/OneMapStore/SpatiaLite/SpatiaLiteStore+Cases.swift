import Foundation
import GRDB
import OneMapGeometry

extension SpatiaLiteStore {
    // MARK: CaseStore

    static let caseColumns = [
        "number", "source", "kind", "class_code", "class_name", "major_name", "description", "address", "grid_code", "community_code",
        "community_name", "street_code", "street_name", "component_code", "department", "state", "urgent", "reporter", "reported_at", "filed_at",
        "dispatched_at", "feedback_at", "closed_at", "stage", "stage_started_at", "stage_deadline", "handle_limit_minutes", "extension_minutes",
        "suspended_at", "suspended_from", "rework_count", "return_count", "dispatch_on_time", "handle_on_time", "overdue", "overdue_ratio", "version",
    ]

    /// The values of `caseColumns` for a case, in their order.
    static func caseValues(_ c: CaseRecord) -> [DatabaseValue] {
        let values: [(any DatabaseValueConvertible)?] = [
            c.number, c.source, c.kind, c.classCode, c.className, c.majorName, c.description, c.address, c.gridCode, c.communityCode,
            c.communityName, c.streetCode, c.streetName, c.componentCode, c.department, c.state, c.urgent, c.reporter, c.reportedAt, c.filedAt,
            c.dispatchedAt, c.feedbackAt, c.closedAt, c.stage, c.stageStartedAt, c.stageDeadline, c.handleLimitMinutes, c.extensionMinutes,
            c.suspendedAt, c.suspendedFrom, c.reworkCount, c.returnCount, c.dispatchOnTime, c.handleOnTime, c.overdue, c.overdueRatio, c.version,
        ]
        return values.map { $0?.databaseValue ?? .null }
    }

    static func caseArguments(_ c: CaseRecord) -> StatementArguments { StatementArguments(caseValues(c)) }

    static func caseRecord(_ row: Row) -> CaseRecord {
        let row = ColumnsByName(row)
        var c = CaseRecord(
            id: row["fid"], number: row["number"], source: row["source"], kind: row["kind"], classCode: row["class_code"], className: row["class_name"],
            majorName: row["major_name"], description: row["description"], address: row["address"],
            location: Coordinate(row["x"] ?? 0, row["y"] ?? 0), gridCode: row["grid_code"], communityCode: row["community_code"],
            communityName: row["community_name"], streetCode: row["street_code"], streetName: row["street_name"], componentCode: row["component_code"],
            department: row["department"], state: row["state"], urgent: row["urgent"], reporter: row["reporter"], reportedAt: row["reported_at"],
            stage: row["stage"], stageStartedAt: row["stage_started_at"], stageDeadline: row["stage_deadline"],
            handleLimitMinutes: row["handle_limit_minutes"])
        c.filedAt = row["filed_at"]
        c.dispatchedAt = row["dispatched_at"]
        c.feedbackAt = row["feedback_at"]
        c.closedAt = row["closed_at"]
        c.extensionMinutes = row["extension_minutes"]
        c.suspendedAt = row["suspended_at"]
        c.suspendedFrom = row["suspended_from"]
        c.reworkCount = row["rework_count"]
        c.returnCount = row["return_count"]
        c.dispatchOnTime = row["dispatch_on_time"]
        c.handleOnTime = row["handle_on_time"]
        c.overdue = row["overdue"]
        c.overdueRatio = row["overdue_ratio"]
        c.version = row["version"]
        return c
    }

    static let caseSelect = "SELECT *, X(geom) AS x, Y(geom) AS y FROM cases"

    static func pointBlob(_ c: Coordinate) -> Data { Data(SpatiaLiteBlob.encode(.point(c), srid: 4490)) }

    /// Keeps the case layer's catalog entry in step (version, count, extent) and records the
    /// changed points, in the caller's transaction.
    static func touchCaseLayer(_ points: [Coordinate], countDelta: Int, in db: Database) throws {
        var area = BoundingBox.empty
        for p in points { area.extend(p) }
        try touchManagedLayer("cases", area: area, countDelta: countDelta, in: db)
    }

    static func insertStep(_ step: CaseStep, caseID: Int64, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO case_steps (case_id, action, from_state, to_state, actor, role, at, note, department, deadline)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [caseID, step.action, step.fromState, step.toState, step.actor, step.role, step.at, step.note, step.department, step.deadline])
    }

    static func insert(_ record: CaseRecord, in db: Database) throws -> Int64 {
        let names = caseColumns + ["geom"]
        var arguments = caseArguments(record)
        arguments += [pointBlob(record.location)]
        try db.cachedStatement(sql: "INSERT INTO cases (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))")
            .execute(arguments: arguments)
        return db.lastInsertedRowID
    }

    public func insertCase(_ record: CaseRecord, step: CaseStep, audit: AuditEntry?) throws -> CaseRecord {
        try write { db in
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM cases WHERE number = ?", arguments: [record.number]) ?? 0 > 0 {
                throw StoreError.invalidArgument("case number \(record.number) exists")
            }
            var stored = record
            stored.id = try Self.insert(record, in: db)
            try Self.insertStep(step, caseID: stored.id, in: db)
            if var audit {
                audit.featureID = stored.id
                try Self.appendAudit(audit, in: db)
            }
            try Self.touchCaseLayer([record.location], countDelta: 1, in: db)
            return stored
        }
    }

    public func insertCases(_ cases: [(CaseRecord, [CaseStep])]) throws -> Int {
        try write { db in
            for (record, steps) in cases {
                let id = try Self.insert(record, in: db)
                for step in steps { try Self.insertStep(step, caseID: id, in: db) }
            }
            try Self.touchCaseLayer(cases.map(\.0.location), countDelta: cases.count, in: db)
            return cases.count
        }
    }

    public func updateCase(_ record: CaseRecord, from previous: CaseRecord, step: CaseStep?, audit: AuditEntry?) throws -> CaseRecord {
        try write { db in
            guard let current = try Int.fetchOne(db.cachedStatement(sql: "SELECT version FROM cases WHERE fid = ?"), arguments: [record.id]) else {
                throw StoreError.featureNotFound(layer: "cases", id: record.id)
            }
            let expectedVersion = previous.version
            guard current == expectedVersion else { throw StoreError.staleVersion(expected: String(expectedVersion), actual: String(current)) }
            var stored = record
            stored.version = expectedVersion + 1
            // Only the columns that change (the version always does): every index holding a
            // column named in SET is rewritten, whether or not its value changed. Every write
            // of a case moves its version, so at this version the row is `previous`. The place
            // is fixed at the report: the geometry and its spatial index are left alone.
            let before = Self.caseValues(previous), after = Self.caseValues(stored)
            var sets: [String] = [], arguments: [DatabaseValue] = []
            for (i, name) in Self.caseColumns.enumerated() where before[i] != after[i] {
                sets.append("\(name) = ?")
                arguments.append(after[i])
            }
            arguments.append(stored.id.databaseValue)
            // Cached per column set (a few per action): compiling the UPDATE compiles the
            // statistics triggers too (CaseStatistics).
            try db.cachedStatement(sql: "UPDATE cases SET \(sets.joined(separator: ", ")) WHERE fid = ?").execute(arguments: StatementArguments(arguments))
            if let step { try Self.insertStep(step, caseID: stored.id, in: db) }
            if let audit { try Self.appendAudit(audit, in: db) }
            try Self.touchCaseLayer([stored.location], countDelta: 0, in: db)
            return stored
        }
    }

    public func caseRecord(_ id: Int64) throws -> CaseRecord? {
        try readOneStatement { db in try Row.fetchOne(db.cachedStatement(sql: Self.caseSelect + " WHERE fid = ?"), arguments: [id]).map(Self.caseRecord) }
    }

    public func caseRecord(number: String) throws -> CaseRecord? {
        try read { db in try Row.fetchOne(db, sql: Self.caseSelect + " WHERE number = ?", arguments: [number]).map(Self.caseRecord) }
    }

    public func lastCaseNumber(prefix: String) throws -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT max(number) FROM cases WHERE number >= ? AND number < ?", arguments: [prefix, prefix + "\u{FFFF}"])
        }
    }

    public func cases(_ query: CaseQuery) throws -> (cases: [CaseRecord], matched: Int) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let states = query.states, !states.isEmpty {
            conditions.append("state IN (\(states.map { _ in "?" }.joined(separator: ", ")))")
            arguments += StatementArguments(states)
        }
        for (column, value) in [("class_code", query.classCode), ("street_code", query.streetCode), ("community_code", query.communityCode),
                                ("grid_code", query.gridCode), ("department", query.department)] {
            if let value {
                conditions.append("\(column) = ?")
                arguments += [value]
            }
        }
        if let overdue = query.overdue {
            conditions.append("overdue = ?")
            arguments += [overdue]
        }
        if let from = query.reportedFrom {
            conditions.append("reported_at >= ?")
            arguments += [from]
        }
        if let to = query.reportedTo {
            conditions.append("reported_at < ?")
            arguments += [to]
        }
        if let text = query.text {
            conditions.append("(number LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\' OR address LIKE ? ESCAPE '\\')")
            let like = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            arguments += [like, like, like]
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try read { db in
            let rows = try Row.fetchAll(db, sql: Self.caseSelect + whereClause + " ORDER BY reported_at DESC, fid DESC LIMIT \(query.limit) OFFSET \(query.offset)",
                                        arguments: arguments).map(Self.caseRecord)
            let matched = try Int.fetchOne(db, sql: "SELECT count(*) FROM cases" + whereClause, arguments: arguments) ?? 0
            return (rows, matched)
        }
    }

    public func caseSteps(_ caseID: Int64) throws -> [CaseStep] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM case_steps WHERE case_id = ? ORDER BY id", arguments: [caseID]).map { row in
                CaseStep(id: row["id"], caseID: row["case_id"], action: row["action"], fromState: row["from_state"], toState: row["to_state"],
                         actor: row["actor"], role: row["role"], at: row["at"], note: row["note"], department: row["department"], deadline: row["deadline"])
            }
        }
    }

    public func addAttachment(_ attachment: CaseAttachment, audit: AuditEntry?) throws -> CaseAttachment {
        try write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM cases WHERE fid = ?", arguments: [attachment.caseID]) == 1 else {
                throw StoreError.featureNotFound(layer: "cases", id: attachment.caseID)
            }
            try db.execute(sql: "INSERT INTO case_attachments (case_id, name, media_type, size, bytes, at, actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [attachment.caseID, attachment.name, attachment.mediaType, attachment.size, Data(attachment.bytes ?? []),
                                       attachment.at, attachment.actor])
            var stored = attachment
            stored.id = db.lastInsertedRowID
            stored.bytes = nil
            if let audit { try Self.appendAudit(audit, in: db) }
            return stored
        }
    }

    public func attachments(_ caseID: Int64) throws -> [CaseAttachment] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, case_id, name, media_type, size, at, actor FROM case_attachments WHERE case_id = ? ORDER BY id",
                             arguments: [caseID]).map { row in
                var a = CaseAttachment(id: row["id"], caseID: row["case_id"], name: row["name"], mediaType: row["media_type"], bytes: [], at: row["at"],
                                       actor: row["actor"])
                a.size = row["size"]
                a.bytes = nil
                return a
            }
        }
    }

    public func attachment(_ id: Int64) throws -> CaseAttachment? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM case_attachments WHERE id = ?", arguments: [id]).map { row in
                CaseAttachment(id: row["id"], caseID: row["case_id"], name: row["name"], mediaType: row["media_type"], bytes: [UInt8](row["bytes"] as Data),
                               at: row["at"], actor: row["actor"])
            }
        }
    }

    /// The states in which a case's clock runs.
    static let openStates = ["reported", "accepted", "filed", "dispatched", "handling", "feedback", "verified"]

    public func refreshOverdue(now: String) throws -> Int {
        try write { db in
            let open = Self.openStates.map { "'\($0)'" }.joined(separator: ", ")
            let flips = try Row.fetchAll(db, sql: """
                SELECT fid, X(geom) AS x, Y(geom) AS y FROM cases
                WHERE state IN (\(open)) AND stage_deadline IS NOT NULL AND overdue != (stage_deadline < ?)
                """, arguments: [now])
            guard !flips.isEmpty else { return 0 }
            try db.execute(sql: """
                UPDATE cases SET overdue = (stage_deadline < ?), version = version + 1
                WHERE state IN (\(open)) AND stage_deadline IS NOT NULL AND overdue != (stage_deadline < ?)
                """, arguments: [now, now])
            try Self.touchCaseLayer(flips.map { Coordinate($0["x"] ?? 0, $0["y"] ?? 0) }, countDelta: 0, in: db)
            return flips.count
        }
    }

    public func evaluationRows(from: String, to: String, group: CaseGroup) throws -> [CaseEvaluationRow] {
        try read { db in try CaseStatistics.rows(from: from, to: to, group: group, in: db) }
    }

    public func casesPerGrid(from: String, to: String) throws -> [(grid: String, count: Int)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT grid_code, count(*) AS n FROM cases WHERE reported_at >= ? AND reported_at < ? GROUP BY grid_code",
                             arguments: [from, to]).map { ($0["grid_code"], $0["n"]) }
        }
    }

    public func ensureCaseLayer(title: String, access: AccessLevel) throws {
        try write { db in
            if try Row.fetchOne(db, sql: "SELECT id FROM layers WHERE id = 'cases'") != nil { return }
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM cases") ?? 0
            let extent = try Self.tableExtent("cases", in: db)
            let layer = Layer(
                id: "cases", title: title, group: "grid", kind: .vector, geometryType: .point, storageCRS: .cgcs2000,
                attributes: ManagedLayers.caseAttributes,
                access: access, featureCount: count, extent: extent, version: 1, source: ManagedLayers.caseSource, synthetic: false,
                importedAt: isoNow(), table: "cases", description: ManagedLayers.caseDescription, managedBy: "cases")
            try Self.saveLayer(layer, in: db)
            try Self.recordChange(layerID: "cases", version: 1, area: nil, in: db)
        }
    }
}
