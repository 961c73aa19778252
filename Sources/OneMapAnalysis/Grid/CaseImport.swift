import Foundation
import OneMapGeometry
import OneMapStore

/// Brings cases from another 数字城管 system, with their original times: each row is reported and
/// then replayed through the same workflow and time limits as a live case (accept, file,
/// dispatch, feedback, verify, close — or reject, void), so deadlines, on-time flags and overdue
/// ratios are this city's rules' own. All rows or none: a bad row names its number and nothing
/// is imported.
///
/// CSV (UTF-8, header row) or GeoJSON (Point features) with the fields: `source`, `kind`
/// (event|component), `class_code`, `component_code`, `description`, `lon`, `lat` (CSV; the
/// geometry in GeoJSON), `address`, `urgent` (0/1), `reported_at`, and optionally `number`,
/// `accepted_at`, `filed_at`, `dispatched_at`, `department`, `feedback_at`, `verified_at`,
/// `closed_at`, `rejected_at`, `voided_at` (ISO 8601 times).
public struct CaseImport {
    let service: CaseService

    public init(service: CaseService) { self.service = service }

    public static let milestones: [(field: String, action: String)] = [
        ("accepted_at", "accept"), ("rejected_at", "reject"), ("filed_at", "file"), ("voided_at", "void"), ("dispatched_at", "dispatch"),
        ("feedback_at", "feedback"), ("verified_at", "verify"), ("closed_at", "close"),
    ]

    /// Imports a file. - Returns: the number of cases.
    /// - Throws: `AnalysisError.invalidInput` naming the row and field at fault.
    public func importFile(_ path: String) throws -> Int {
        guard let data = FileManager.default.contents(atPath: path) else { throw AnalysisError.invalidInput(input: "file", detail: "no such file: \(path)") }
        let rows: [[String: String]]
        if path.lowercased().hasSuffix(".csv") {
            guard let text = String(data: data, encoding: .utf8) else { throw AnalysisError.invalidInput(input: "file", detail: "\(path) is not UTF-8 text") }
            rows = try Self.csv(text)
        } else {
            rows = try Self.geojson(data)
        }
        guard !rows.isEmpty else { throw AnalysisError.invalidInput(input: "file", detail: "\(path) has no cases") }
        var cases: [(CaseRecord, [CaseStep])] = []
        var numbers = Set<String>()
        var lastOfDay: [String: Int] = [:]
        for (i, row) in rows.enumerated() {
            let label = "row \(i + 1)"
            do {
                let c = try replay(row, numbering: &lastOfDay)
                guard numbers.insert(c.0.number).inserted, try service.store.cases.caseRecord(number: c.0.number) == nil else {
                    throw AnalysisError.invalidInput(input: "number", detail: "case number \(c.0.number) appears twice or exists")
                }
                cases.append(c)
            } catch let AnalysisError.invalidInput(input, detail) {
                throw AnalysisError.invalidInput(input: "\(label) \(input)", detail: detail)
            } catch let e as CaseError {
                throw AnalysisError.invalidInput(input: label, detail: e.description)
            }
        }
        let n = try service.store.cases.insertCases(cases)
        try service.store.refresh()
        return n
    }

    /// - Parameter numbering: the last number given per day (rows are stored together at the end,
    ///   so the store does not know them yet).
    func replay(_ row: [String: String], numbering: inout [String: Int]) throws -> (CaseRecord, [CaseStep]) {
        func field(_ k: String) -> String? { row[k].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) } }
        func time(_ k: String) throws -> Date? {
            guard let t = field(k) else { return nil }
            guard let d = CaseService.date(t) else { throw AnalysisError.invalidInput(input: k, detail: "'\(t)' is not an ISO 8601 time") }
            return d
        }
        guard let reported = try time("reported_at") else { throw AnalysisError.invalidInput(input: "reported_at", detail: "is required") }
        var location: Coordinate?
        if let lon = field("lon"), let lat = field("lat") {
            guard let x = Double(lon), let y = Double(lat) else { throw AnalysisError.invalidInput(input: "lon", detail: "lon and lat must be numbers") }
            location = Coordinate(x, y)
        }
        let input = CaseInput(source: field("source") ?? "", kind: field("kind") ?? "", classCode: field("class_code"), componentCode: field("component_code"),
                              description: field("description") ?? "", location: location, address: field("address"), urgent: field("urgent") == "1")
        var c = try service.prepare(input, for: .system, at: reported)
        if let number = field("number") {
            c.number = number
        } else {
            let prefix = String(c.number.prefix(8))
            let next = max(Int(c.number.dropFirst(8)) ?? 1, (numbering[prefix] ?? 0) + 1)
            numbering[prefix] = next
            c.number = prefix + String(format: "%04d", next)
        }
        c.reporter = "import"
        var steps = [CaseStep(action: "report", fromState: nil, toState: "reported", actor: "import", role: "import", at: c.reportedAt, note: c.description,
                              deadline: c.stageDeadline)]
        var last = reported
        for (key, actionID) in Self.milestones {
            guard let at = try time(key) else { continue }
            guard at >= last else { throw AnalysisError.invalidInput(input: key, detail: "is before the step before it") }
            let action = CaseWorkflow.action(actionID)!
            guard action.from.contains(c.state) else {
                throw AnalysisError.invalidInput(input: key, detail: "\(action.name) cannot follow the state \(c.state)")
            }
            let (changed, step) = try service.transition(c, action, CaseActionInput(action: actionID, department: field("department")), by: .system, at: at)
            c = changed
            steps.append(step)
            last = at
        }
        c.overdue = CaseWorkflow.state(c.state)?.stage != nil && (CaseService.date(c.stageDeadline).map { Date() > $0 } ?? false)
        return (c, steps)
    }

    // MARK: readers

    /// Rows of a CSV text (RFC 4180: quoted fields may hold commas, quotes and newlines).
    static func csv(_ text: String) throws -> [[String: String]] {
        var records: [[String]] = []
        var record: [String] = [], field = "", quoted = false, afterQuote = false
        var chars = Array(text)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        while i < chars.count {
            let ch = chars[i]
            if quoted {
                if ch == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false; afterQuote = true }
                } else {
                    field.append(ch)
                }
            } else if ch == "\"" && field.isEmpty && !afterQuote {
                quoted = true
            } else if ch == "," {
                record.append(field); field = ""; afterQuote = false
            } else if ch == "\n" || ch == "\r\n" || ch == "\r" {
                record.append(field); field = ""; afterQuote = false
                if record != [""] { records.append(record) }
                record = []
            } else {
                field.append(ch)
            }
            i += 1
        }
        if quoted { throw AnalysisError.invalidInput(input: "file", detail: "a quoted CSV field is not closed") }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        guard let header = records.first else { return [] }
        return try records.dropFirst().enumerated().map { n, r in
            guard r.count == header.count else {
                throw AnalysisError.invalidInput(input: "row \(n + 1)", detail: "has \(r.count) fields; the header has \(header.count)")
            }
            return Dictionary(zip(header.map { $0.trimmingCharacters(in: .whitespaces) }, r), uniquingKeysWith: { a, _ in a })
        }
    }

    /// Rows of a GeoJSON FeatureCollection of points.
    static func geojson(_ data: Data) throws -> [[String: String]] {
        let json: JSONValue
        do { json = try JSONValue.parse([UInt8](data)) } catch { throw AnalysisError.invalidInput(input: "file", detail: "not JSON: \(error)") }
        guard json["type"]?.string == "FeatureCollection", let features = json["features"]?.array else {
            throw AnalysisError.invalidInput(input: "file", detail: "must be a GeoJSON FeatureCollection (or a .csv file)")
        }
        return try features.enumerated().map { n, f in
            var row: [String: String] = [:]
            for (k, v) in f["properties"]?.object ?? [] {
                switch v {
                case .string(let s): row[k] = s
                case .number(let d): row[k] = d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
                case .bool(let b): row[k] = b ? "1" : "0"
                default: break
                }
            }
            if let g = f["geometry"], g != .null {
                guard case .point(let p)? = try? GeoJSON.geometry(g) else {
                    throw AnalysisError.invalidInput(input: "row \(n + 1)", detail: "the geometry must be a Point")
                }
                row["lon"] = String(p.x)
                row["lat"] = String(p.y)
            }
            return row
        }
    }
}
