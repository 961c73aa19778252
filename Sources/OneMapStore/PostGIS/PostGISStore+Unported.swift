import Foundation
import OneMapGeometry

/// The roles the PostGIS backend does not hold yet. Each answers `StoreError.unsupported`
/// naming what is missing, so a command or request that needs one fails with a clear message
/// and changes nothing; `onemap copy` leaves their tables behind and says so.
extension PostGISStore {
    static func notYet(_ what: String) -> StoreError {
        .unsupported("the PostGIS store does not hold \(what) yet: keep them in a SpatiaLite store")
    }

    // MARK: StoreMaintenance

    public func backup(to destination: String) throws {
        throw StoreError.unsupported("back up a PostGIS store with pg_dump, or `onemap copy` it into a SpatiaLite file")
    }

    /// The catalog against the tables: each layer's table exists, holds the catalogued count
    /// of features (or tiles), and its geometries have the catalogued SRID.
    public func check(_ layers: [Layer]) throws -> StoreCheckReport {
        var report = StoreCheckReport()
        try pool.transaction(readOnly: true) { c in
            for layer in layers.sorted(by: { $0.id < $1.id }) {
                report.checked.append("layer \(layer.id)")
                let exists = try c.query("SELECT to_regclass($1) IS NOT NULL", [.text(quoteIdentifier(layer.table))]).bool(0, 0) ?? false
                guard exists else {
                    report.problems.append("layer \(layer.id): its table \(layer.table) is missing")
                    continue
                }
                let rows = try c.query("SELECT count(*) FROM \(quoteIdentifier(layer.table))").int64(0, 0) ?? 0
                if layer.kind == .vector {
                    if rows != layer.featureCount {
                        report.problems.append("layer \(layer.id): the catalog counts \(layer.featureCount) features, the table holds \(rows)")
                    }
                    let foreign = try c.query("SELECT count(*) FROM \(quoteIdentifier(layer.table)) WHERE ST_SRID(geom) <> $1::int",
                                              [.text(String(try srid(layer)))]).int64(0, 0) ?? 0
                    if foreign > 0 { report.problems.append("layer \(layer.id): \(foreign) geometries have another SRID than \(layer.storageCRS)") }
                } else if rows == 0 {
                    report.problems.append("layer \(layer.id): its pyramid holds no tiles")
                }
            }
        }
        return report
    }

    // MARK: CaseStore

    public func insertCase(_ record: CaseRecord, step: CaseStep, audit: AuditEntry?) throws -> CaseRecord { throw Self.notYet("数字城管 cases") }
    public func updateCase(_ record: CaseRecord, from previous: CaseRecord, step: CaseStep?, audit: AuditEntry?) throws -> CaseRecord {
        throw Self.notYet("数字城管 cases")
    }
    public func caseRecord(_ id: Int64) throws -> CaseRecord? { throw Self.notYet("数字城管 cases") }
    public func caseRecord(number: String) throws -> CaseRecord? { throw Self.notYet("数字城管 cases") }
    public func lastCaseNumber(prefix: String) throws -> String? { throw Self.notYet("数字城管 cases") }
    public func cases(_ query: CaseQuery) throws -> (cases: [CaseRecord], matched: Int) { throw Self.notYet("数字城管 cases") }
    public func caseSteps(_ caseID: Int64) throws -> [CaseStep] { throw Self.notYet("数字城管 cases") }
    public func addAttachment(_ attachment: CaseAttachment, audit: AuditEntry?) throws -> CaseAttachment { throw Self.notYet("数字城管 cases") }
    public func attachments(_ caseID: Int64) throws -> [CaseAttachment] { throw Self.notYet("数字城管 cases") }
    public func attachment(_ id: Int64) throws -> CaseAttachment? { throw Self.notYet("数字城管 cases") }
    public func refreshOverdue(now: String) throws -> Int { throw Self.notYet("数字城管 cases") }
    public func evaluationRows(from: String, to: String, group: CaseGroup) throws -> [CaseEvaluationRow] { throw Self.notYet("数字城管 cases") }
    public func casesPerGrid(from: String, to: String) throws -> [(grid: String, count: Int)] { throw Self.notYet("数字城管 cases") }
    public func insertCases(_ cases: [(CaseRecord, [CaseStep])]) throws -> Int { throw Self.notYet("数字城管 cases") }
    public func ensureCaseLayer(title: String, access: AccessLevel) throws { throw Self.notYet("数字城管 cases") }

    // MARK: IncidentStore

    public func insertIncident(_ record: IncidentRecord, audit: AuditEntry?) throws -> IncidentRecord { throw Self.notYet("incidents") }
    public func updateIncident(_ record: IncidentRecord, expectedVersion: Int, audit: AuditEntry?) throws -> IncidentRecord { throw Self.notYet("incidents") }
    public func incident(_ id: Int64) throws -> IncidentRecord? { throw Self.notYet("incidents") }
    public func incidents(statuses: [String]?) throws -> [IncidentRecord] { throw Self.notYet("incidents") }
    public func ensureIncidentLayer(title: String, access: AccessLevel) throws { throw Self.notYet("incidents") }
    public func appendPositions(_ positions: [UnitPosition], keepSince: String) throws { throw Self.notYet("incidents") }
    public func positions(since: String) throws -> [UnitPosition] { throw Self.notYet("incidents") }

    // MARK: NetworkStore

    public func replaceNetwork(_ edges: [NetworkEdge], sourceLayer: String, sourceVersion: Int) throws -> [NetworkEdge] { throw Self.notYet("the road network") }
    public func networkSource() throws -> (layer: String, version: Int)? { nil }
    public func networkEdges() throws -> [NetworkEdge] { [] }
    public func shortestPaths(from origin: Int64, to targets: [Int64], reverse: Bool) throws -> [Int64: NetworkPath] { throw Self.notYet("the road network") }
    public func reachableNodes(from origin: Int64, within maxCost: Double, reverse: Bool) throws -> [Int64: Double] { throw Self.notYet("the road network") }
}
