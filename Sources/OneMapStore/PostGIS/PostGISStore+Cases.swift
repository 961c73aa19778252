import Foundation
import OneMapGeometry

extension PostGISStore {
    // MARK: CaseStore

    static let caseColumns = [
        "number", "source", "kind", "class_code", "class_name", "major_name", "description", "address", "grid_code", "community_code",
        "community_name", "street_code", "street_name", "component_code", "department", "state", "urgent", "reporter", "reported_at", "filed_at",
        "dispatched_at", "feedback_at", "closed_at", "stage", "stage_started_at", "stage_deadline", "handle_limit_minutes", "extension_minutes",
        "suspended_at", "suspended_from", "rework_count", "return_count", "dispatch_on_time", "handle_on_time", "overdue", "overdue_ratio", "version",
    ]

    /// Each column's cast in a statement (text values are sent untyped).
    static let caseCasts: [String: String] = [
        "urgent": "::int", "handle_limit_minutes": "::int", "extension_minutes": "::int", "rework_count": "::int", "return_count": "::int",
        "dispatch_on_time": "::int", "handle_on_time": "::int", "overdue": "::int", "overdue_ratio": "::float8", "version": "::int",
    ]

    /// The values of `caseColumns` for a case, in their order (flags as 0 or 1).
    static func caseValues(_ c: CaseRecord) -> [PGParameter] {
        func t(_ s: String?) -> PGParameter { s.map { .text($0) } ?? .null }
        func i(_ n: Int) -> PGParameter { .text(String(n)) }
        func b(_ f: Bool?) -> PGParameter { f.map { .text($0 ? "1" : "0") } ?? .null }
        return [.text(c.number), .text(c.source), .text(c.kind), .text(c.classCode), .text(c.className), .text(c.majorName), .text(c.description),
                .text(c.address), .text(c.gridCode), .text(c.communityCode), .text(c.communityName), .text(c.streetCode), .text(c.streetName),
                t(c.componentCode), t(c.department), .text(c.state), b(c.urgent), .text(c.reporter), .text(c.reportedAt), t(c.filedAt),
                t(c.dispatchedAt), t(c.feedbackAt), t(c.closedAt), .text(c.stage), .text(c.stageStartedAt), t(c.stageDeadline),
                i(c.handleLimitMinutes), i(c.extensionMinutes), t(c.suspendedAt), t(c.suspendedFrom), i(c.reworkCount), i(c.returnCount),
                b(c.dispatchOnTime), b(c.handleOnTime), b(c.overdue), c.overdueRatio.map { .text("\($0)") } ?? .null, i(c.version)]
    }

    static let caseSelect = "SELECT fid, \(caseColumns.joined(separator: ", ")), ST_X(geom), ST_Y(geom) FROM onemap_cases"

    static func caseRecord(_ r: PGResult, _ i: Int) -> CaseRecord {
        func t(_ name: String) -> String? { r.text(i, caseColumns.firstIndex(of: name)! + 1) }
        func n(_ name: String) -> Int? { r.int64(i, caseColumns.firstIndex(of: name)! + 1).map { Int($0) } }
        func b(_ name: String) -> Bool? { n(name).map { $0 != 0 } }
        let x = r.double(i, caseColumns.count + 1) ?? 0, y = r.double(i, caseColumns.count + 2) ?? 0
        var c = CaseRecord(
            id: r.int64(i, 0)!, number: t("number")!, source: t("source")!, kind: t("kind")!, classCode: t("class_code")!, className: t("class_name")!,
            majorName: t("major_name")!, description: t("description")!, address: t("address")!, location: Coordinate(x, y), gridCode: t("grid_code")!,
            communityCode: t("community_code")!, communityName: t("community_name")!, streetCode: t("street_code")!, streetName: t("street_name")!,
            componentCode: t("component_code"), department: t("department"), state: t("state")!, urgent: b("urgent") ?? false, reporter: t("reporter")!,
            reportedAt: t("reported_at")!, stage: t("stage")!, stageStartedAt: t("stage_started_at")!, stageDeadline: t("stage_deadline"),
            handleLimitMinutes: n("handle_limit_minutes")!)
        c.filedAt = t("filed_at")
        c.dispatchedAt = t("dispatched_at")
        c.feedbackAt = t("feedback_at")
        c.closedAt = t("closed_at")
        c.extensionMinutes = n("extension_minutes")!
        c.suspendedAt = t("suspended_at")
        c.suspendedFrom = t("suspended_from")
        c.reworkCount = n("rework_count")!
        c.returnCount = n("return_count")!
        c.dispatchOnTime = b("dispatch_on_time")
        c.handleOnTime = b("handle_on_time")
        c.overdue = b("overdue")!
        c.overdueRatio = r.double(i, caseColumns.firstIndex(of: "overdue_ratio")! + 1)
        c.version = n("version")!
        return c
    }

    static func touchCaseLayer(_ points: [Coordinate], countDelta: Int, in c: PGConnection) throws {
        var area = BoundingBox.empty
        for p in points { area.extend(p) }
        try touchManagedLayer("cases", area: area, countDelta: countDelta, in: c)
    }

    static func insertStep(_ step: CaseStep, caseID: Int64, in c: PGConnection) throws {
        func t(_ s: String?) -> PGParameter { s.map { .text($0) } ?? .null }
        try c.preparedQuery("""
            INSERT INTO onemap_case_steps (case_id, action, from_state, to_state, actor, role, at, note, department, deadline)
            VALUES ($1::int8, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """, [.text(String(caseID)), .text(step.action), t(step.fromState), .text(step.toState), .text(step.actor), .text(step.role), .text(step.at),
                  t(step.note), t(step.department), t(step.deadline)])
    }

    /// Inserts a case. - Throws: `invalidArgument("case number … exists")` when its number is
    /// taken, also by another instance numbering the same moment (the service then takes the next).
    static func insert(_ record: CaseRecord, in c: PGConnection) throws -> Int64 {
        let values = caseColumns.enumerated().map { "$\($0.offset + 1)\(caseCasts[$0.element] ?? "")" }
        let r = try c.preparedQuery("""
            INSERT INTO onemap_cases (\(caseColumns.joined(separator: ", ")), geom)
            VALUES (\(values.joined(separator: ", ")), ST_SetSRID(ST_MakePoint($\(caseColumns.count + 1)::float8, $\(caseColumns.count + 2)::float8), 4490))
            ON CONFLICT (number) DO NOTHING RETURNING fid
            """, caseValues(record) + [.text("\(record.location.x)"), .text("\(record.location.y)")])
        guard r.count == 1, let id = r.int64(0, 0) else { throw StoreError.invalidArgument("case number \(record.number) exists") }
        return id
    }

    public func insertCase(_ record: CaseRecord, step: CaseStep, audit: AuditEntry?) throws -> CaseRecord {
        try pool.transaction { c in
            var stored = record
            stored.id = try Self.insert(record, in: c)
            try Self.insertStep(step, caseID: stored.id, in: c)
            if var audit {
                audit.featureID = stored.id
                try Self.appendAudit(audit, in: c)
            }
            try Self.touchCaseLayer([record.location], countDelta: 1, in: c)
            return stored
        }
    }

    public func insertCases(_ cases: [(CaseRecord, [CaseStep])]) throws -> Int {
        try pool.transaction { c in
            for (record, steps) in cases {
                let id = try Self.insert(record, in: c)
                for step in steps { try Self.insertStep(step, caseID: id, in: c) }
            }
            try Self.touchCaseLayer(cases.map(\.0.location), countDelta: cases.count, in: c)
            return cases.count
        }
    }

    public func updateCase(_ record: CaseRecord, from previous: CaseRecord, step: CaseStep?, audit: AuditEntry?) throws -> CaseRecord {
        try pool.transaction { c in
            let r = try c.preparedQuery("SELECT version FROM onemap_cases WHERE fid = $1::int8 FOR UPDATE", [.text(String(record.id))])
            guard r.count == 1, let current = r.int64(0, 0).map({ Int($0) }) else { throw StoreError.featureNotFound(layer: "cases", id: record.id) }
            let expectedVersion = previous.version
            guard current == expectedVersion else { throw StoreError.staleVersion(expected: String(expectedVersion), actual: String(current)) }
            var stored = record
            stored.version = expectedVersion + 1
            // Only the columns that change (the version always does), as the SpatiaLite store does.
            let before = Self.caseValues(previous), after = Self.caseValues(stored)
            var sets: [String] = [], parameters: [PGParameter] = []
            for (i, name) in Self.caseColumns.enumerated() where !Self.same(before[i], after[i]) {
                parameters.append(after[i])
                sets.append("\(name) = $\(parameters.count)\(Self.caseCasts[name] ?? "")")
            }
            parameters.append(.text(String(stored.id)))
            try c.preparedQuery("UPDATE onemap_cases SET \(sets.joined(separator: ", ")) WHERE fid = $\(parameters.count)::int8", parameters)
            if let step { try Self.insertStep(step, caseID: stored.id, in: c) }
            if let audit { try Self.appendAudit(audit, in: c) }
            try Self.touchCaseLayer([stored.location], countDelta: 0, in: c)
            return stored
        }
    }

    static func same(_ a: PGParameter, _ b: PGParameter) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.text(let x), .text(let y)): x == y
        case (.bytes(let x), .bytes(let y)): x == y
        default: false
        }
    }

    public func caseRecord(_ id: Int64) throws -> CaseRecord? {
        try pool.with { c in
            let r = try c.preparedQuery(Self.caseSelect + " WHERE fid = $1::int8", [.text(String(id))])
            return r.count == 1 ? Self.caseRecord(r, 0) : nil
        }
    }

    public func caseRecord(number: String) throws -> CaseRecord? {
        try pool.with { c in
            let r = try c.preparedQuery(Self.caseSelect + " WHERE number = $1", [.text(number)])
            return r.count == 1 ? Self.caseRecord(r, 0) : nil
        }
    }

    public func lastCaseNumber(prefix: String) throws -> String? {
        try pool.with { c in
            // Numbers are digits: the range is the prefix's, compared bytewise.
            let r = try c.preparedQuery("SELECT max(number COLLATE \"C\") FROM onemap_cases WHERE number COLLATE \"C\" >= $1 AND number COLLATE \"C\" < $2",
                                        [.text(prefix), .text(prefix + "\u{FFFF}")])
            return r.count == 1 ? r.text(0, 0) : nil
        }
    }

    public func cases(_ query: CaseQuery) throws -> (cases: [CaseRecord], matched: Int) {
        var conditions: [String] = []
        var parameters: [PGParameter] = []
        func bind(_ p: PGParameter) -> String {
            parameters.append(p)
            return "$\(parameters.count)"
        }
        if let states = query.states, !states.isEmpty { conditions.append("state = ANY(\(bind(.text(Self.textArray(states))))::text[])") }
        for (column, value) in [("class_code", query.classCode), ("street_code", query.streetCode), ("community_code", query.communityCode),
                                ("grid_code", query.gridCode), ("department", query.department)] {
            if let value { conditions.append("\(column) = \(bind(.text(value)))") }
        }
        if let overdue = query.overdue { conditions.append("overdue = \(bind(.text(overdue ? "1" : "0")))::int") }
        if let from = query.reportedFrom { conditions.append("reported_at >= \(bind(.text(from)))") }
        if let to = query.reportedTo { conditions.append("reported_at < \(bind(.text(to)))") }
        if let text = query.text {
            let like = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
            let p = bind(.text(like))
            // ILIKE: SQLite's LIKE, which the SpatiaLite store uses, ignores the case of ASCII letters.
            conditions.append("(number ILIKE \(p) OR description ILIKE \(p) OR address ILIKE \(p))")
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try pool.transaction(readOnly: true) { c in
            let r = try c.query(Self.caseSelect + whereClause + " ORDER BY reported_at COLLATE \"C\" DESC, fid DESC LIMIT \(query.limit) OFFSET \(query.offset)", parameters)
            let matched = try c.query("SELECT count(*) FROM onemap_cases" + whereClause, parameters).int64(0, 0) ?? 0
            return ((0..<r.count).map { Self.caseRecord(r, $0) }, Int(matched))
        }
    }

    public func caseSteps(_ caseID: Int64) throws -> [CaseStep] {
        try pool.with { c in
            let r = try c.query("SELECT id, case_id, action, from_state, to_state, actor, role, at, note, department, deadline FROM onemap_case_steps WHERE case_id = $1::int8 ORDER BY id",
                                [.text(String(caseID))])
            return (0..<r.count).map { i in
                CaseStep(id: r.int64(i, 0)!, caseID: r.int64(i, 1)!, action: r.text(i, 2)!, fromState: r.text(i, 3), toState: r.text(i, 4)!,
                         actor: r.text(i, 5)!, role: r.text(i, 6)!, at: r.text(i, 7)!, note: r.text(i, 8), department: r.text(i, 9), deadline: r.text(i, 10))
            }
        }
    }

    public func addAttachment(_ attachment: CaseAttachment, audit: AuditEntry?) throws -> CaseAttachment {
        try pool.transaction { c in
            guard try c.query("SELECT 1 FROM onemap_cases WHERE fid = $1::int8", [.text(String(attachment.caseID))]).count == 1 else {
                throw StoreError.featureNotFound(layer: "cases", id: attachment.caseID)
            }
            let id = try c.query("""
                INSERT INTO onemap_case_attachments (case_id, name, media_type, size, bytes, at, actor) VALUES ($1::int8, $2, $3, $4::int, $5::bytea, $6, $7) RETURNING id
                """, [.text(String(attachment.caseID)), .text(attachment.name), .text(attachment.mediaType), .text(String(attachment.size)),
                      .bytes(attachment.bytes ?? []), .text(attachment.at), .text(attachment.actor)]).int64(0, 0)!
            var stored = attachment
            stored.id = id
            stored.bytes = nil
            if let audit { try Self.appendAudit(audit, in: c) }
            return stored
        }
    }

    public func attachments(_ caseID: Int64) throws -> [CaseAttachment] {
        try pool.with { c in
            let r = try c.query("SELECT id, case_id, name, media_type, size, at, actor FROM onemap_case_attachments WHERE case_id = $1::int8 ORDER BY id",
                                [.text(String(caseID))])
            return (0..<r.count).map { i in
                var a = CaseAttachment(id: r.int64(i, 0)!, caseID: r.int64(i, 1)!, name: r.text(i, 2)!, mediaType: r.text(i, 3)!, bytes: [], at: r.text(i, 5)!,
                                       actor: r.text(i, 6)!)
                a.size = Int(r.int64(i, 4)!)
                a.bytes = nil
                return a
            }
        }
    }

    public func attachment(_ id: Int64) throws -> CaseAttachment? {
        try pool.with { c in
            let r = try c.query("SELECT id, case_id, name, media_type, bytes, at, actor FROM onemap_case_attachments WHERE id = $1::int8", [.text(String(id))])
            guard r.count == 1 else { return nil }
            return CaseAttachment(id: r.int64(0, 0)!, caseID: r.int64(0, 1)!, name: r.text(0, 2)!, mediaType: r.text(0, 3)!, bytes: [UInt8](r.bytes(0, 4)),
                                  at: r.text(0, 5)!, actor: r.text(0, 6)!)
        }
    }

    /// The states in which a case's clock runs.
    static let openStates = ["reported", "accepted", "filed", "dispatched", "handling", "feedback", "verified"]

    public func refreshOverdue(now: String) throws -> Int {
        try pool.transaction { c in
            let open = Self.openStates.map { "'\($0)'" }.joined(separator: ", ")
            let flipped = try c.query("""
                UPDATE onemap_cases SET overdue = (stage_deadline < $1)::int, version = version + 1
                WHERE state IN (\(open)) AND stage_deadline IS NOT NULL AND overdue <> (stage_deadline < $1)::int
                RETURNING ST_X(geom), ST_Y(geom)
                """, [.text(now)])
            guard flipped.count > 0 else { return 0 }
            try Self.touchCaseLayer((0..<flipped.count).map { Coordinate(flipped.double($0, 0)!, flipped.double($0, 1)!) }, countDelta: 0, in: c)
            return flipped.count
        }
    }

    public func evaluationRows(from: String, to: String, group: CaseGroup) throws -> [CaseEvaluationRow] {
        try pool.transaction(readOnly: true) { c in try CaseStatistics.rows(from: from, to: to, group: group, .postgres, Self.evaluationQuery(c)) }
    }

    /// Runs an evaluation statement on a connection.
    static func evaluationQuery(_ c: PGConnection) -> CaseStatistics.EvaluationQuery {
        { sql, arguments in
            let r = try c.preparedQuery(sql, arguments.map { .text($0) })
            var columns: [String: Int] = [:]
            for name in CaseStatistics.counterNames + ["k", "n"] { if let i = r.column(named: name) { columns[name] = i } }
            return (0..<r.count).compactMap { i in
                guard let k = columns["k"], let key = r.text(i, k) else { return nil }
                return CaseStatistics.evaluationRow(key: key, name: columns["n"].flatMap { r.text(i, $0) }) { name in
                    columns[name].flatMap { r.int64(i, $0) }.map { Int($0) } ?? 0
                }
            }
        }
    }

    public func casesPerGrid(from: String, to: String) throws -> [(grid: String, count: Int)] {
        try pool.with { c in
            let r = try c.query("SELECT grid_code, count(*) FROM onemap_cases WHERE reported_at >= $1 AND reported_at < $2 GROUP BY grid_code", [.text(from), .text(to)])
            return (0..<r.count).map { (r.text($0, 0)!, Int(r.int64($0, 1)!)) }
        }
    }

    public func ensureCaseLayer(title: String, access: AccessLevel) throws {
        try ensureManagedLayer("cases", table: "onemap_cases", geometryType: .point, title: title, group: "grid", attributes: ManagedLayers.caseAttributes,
                               access: access, source: ManagedLayers.caseSource, description: ManagedLayers.caseDescription)
    }
}
