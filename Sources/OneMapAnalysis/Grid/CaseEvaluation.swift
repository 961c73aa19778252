import Foundation
import OneMapGeometry
import OneMapStore

/// 综合评价: the rates a 数字城管 centre ranks its streets, communities, grids, departments and
/// supervisors by, for a period (formulas and denominators in the README).
public struct CaseMetrics: Sendable {
    public var row: CaseEvaluationRow
    /// Cases that should be closed: filed, less voided (作废) and still suspended (挂账).
    public var due: Int { row.filed - row.voided - row.suspended }

    public var closeRate: Double? { Self.rate(row.closed, due) }
    public var onTimeCloseRate: Double? { Self.rate(row.closedOnTime, due) }
    public var lateCloseRate: Double? { Self.rate(row.closed - row.closedOnTime, due) }
    public var accurateFilingRate: Double? { Self.rate(row.filed - row.voided, row.filed) }
    public var onTimeDispatchRate: Double? { Self.rate(row.dispatchedOnTime, row.dispatched) }
    public var onTimeHandleRate: Double? { Self.rate(row.handledOnTime, row.handled) }
    public var reworkRate: Double?
    public var extensionRate: Double?

    init(_ row: CaseEvaluationRow, rules: CaseRules) {
        self.row = row
        reworkRate = Self.rate(row.reworked, rules.reworkRateOf == "filed" ? row.filed : row.closed)
        extensionRate = Self.rate(row.extended, rules.extensionRateOf == "filed" ? row.filed : row.dispatched)
    }

    static func rate(_ a: Int, _ b: Int) -> Double? { b > 0 ? Double(a) / Double(b) : nil }

    /// The rates by their Chinese names, in the order reports list them.
    public var rates: [(String, String, Double?)] {
        [("closeRate", "结案率", closeRate), ("onTimeCloseRate", "按期结案率", onTimeCloseRate), ("lateCloseRate", "超期结案率", lateCloseRate),
         ("reworkRate", "返工率", reworkRate), ("extensionRate", "延期率", extensionRate), ("accurateFilingRate", "准确立案率", accurateFilingRate),
         ("onTimeDispatchRate", "按期派遣率", onTimeDispatchRate), ("onTimeHandleRate", "按期处置率", onTimeHandleRate)]
    }

    public var json: JSONValue {
        let r = row
        var fields: [(String, JSONValue)] = [("key", .string(r.key)), ("name", .string(r.name))]
        fields.append(("counts", .object([
            ("reported", .number(Double(r.reported))), ("filed", .number(Double(r.filed))), ("voided", .number(Double(r.voided))),
            ("suspended", .number(Double(r.suspended))), ("due", .number(Double(due))), ("dispatched", .number(Double(r.dispatched))),
            ("dispatchedOnTime", .number(Double(r.dispatchedOnTime))), ("handled", .number(Double(r.handled))),
            ("handledOnTime", .number(Double(r.handledOnTime))), ("closed", .number(Double(r.closed))), ("closedOnTime", .number(Double(r.closedOnTime))),
            ("reworked", .number(Double(r.reworked))), ("extended", .number(Double(r.extended))), ("returned", .number(Double(r.returned))),
        ])))
        fields.append(("rates", .object(rates.map { ($0.0, $0.2.map { .number(($0 * 10_000).rounded() / 10_000) } ?? .null) })))
        return .object(fields)
    }
}

extension CaseService {
    /// The metrics of every group for cases of [from, to), ranked by 按期结案率 then 结案率.
    public func evaluate(by group: CaseGroup, from: Date, to: Date, for principal: Principal) throws -> [CaseMetrics] {
        try checkRead(principal)
        guard from < to else { throw AnalysisError.invalidInput(input: "from", detail: "from must be before to") }
        guard to.timeIntervalSince(from) <= 366 * 86_400 else { throw AnalysisError.invalidInput(input: "to", detail: "a period of at most a year") }
        var rows = try store.cases.evaluationRows(from: Self.iso(from), to: Self.iso(to), group: group)
        if group == .department {
            for i in rows.indices { rows[i].name = rules.department(rows[i].key)?.name ?? rows[i].key }
        }
        return rows.map { CaseMetrics($0, rules: rules) }.sorted {
            ($0.onTimeCloseRate ?? -1, $0.closeRate ?? -1, $1.row.key) > ($1.onTimeCloseRate ?? -1, $1.closeRate ?? -1, $0.row.key)
        }
    }

    /// The metrics as CSV (UTF-8 with a byte-order mark, which spreadsheet programs need for Chinese).
    public static func csv(_ metrics: [CaseMetrics], group: CaseGroup) -> String {
        var out = "\u{FEFF}排名,编码,名称,上报数,立案数,作废数,挂账数,应结案数,结案数,按期结案数,派遣数,按期派遣数,处置数,按期处置数,返工数,延期数,回退数"
        out += "," + (metrics.first?.rates.map(\.1) ?? []).joined(separator: ",") + "\r\n"
        for (i, m) in metrics.enumerated() {
            let r = m.row
            var cells: [String] = [String(i + 1), r.key, r.name, String(r.reported), String(r.filed), String(r.voided), String(r.suspended)]
            cells += [String(m.due), String(r.closed), String(r.closedOnTime), String(r.dispatched), String(r.dispatchedOnTime)]
            cells += [String(r.handled), String(r.handledOnTime), String(r.reworked), String(r.extended), String(r.returned)]
            cells += m.rates.map { rate -> String in rate.2.map { String(format: "%.2f%%", $0 * 100) } ?? "" }
            out += cells.map { $0.contains(",") || $0.contains("\"") ? "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : $0 }.joined(separator: ",") + "\r\n"
        }
        return out
    }
}

extension CaseService {
    /// Cases per unit grid reported in [from, to), as GeoJSON polygons with their counts (the
    /// choropleth of case density).
    public func density(from: Date, to: Date, for principal: Principal) throws -> JSONValue {
        try checkRead(principal)
        let counts = try store.cases.casesPerGrid(from: Self.iso(from), to: Self.iso(to))
        let g = geocoder.rules.grids
        guard let layer = try store.layerIfVisible(g.layer, for: principal) else { throw AnalysisError.missingLayer(g.layer) }
        let byCode = Dictionary(counts.map { ($0.grid, $0.count) }, uniquingKeysWith: +)
        var features: [JSONValue] = []
        let codes = Array(byCode.keys)
        for chunk in stride(from: 0, to: codes.count, by: 500).map({ Array(codes[$0..<min($0 + 500, codes.count)]) }) {
            let filter = FeatureFilter.inList(.property(g.field("code")), chunk.map { .value(.text($0)) })
            _ = try store.queryFeatures(layer: layer.id, FeatureQuery(filter: filter, limit: 10_000), for: principal) { row in
                let values = Dictionary(uniqueKeysWithValues: zip(layer.attributes.map(\.name), row.values))
                let code = values[g.field("code")]?.description ?? ""
                features.append(.object([
                    ("type", .string("Feature")), ("id", .number(Double(row.id))),
                    ("geometry", GeoJSON.value(try row.geometry.decode(), precision: 6)),
                    ("properties", .object([("code", .string(code)), ("count", .number(Double(byCode[code] ?? 0))),
                                            ("community", .string(values[g.field("community")]?.description ?? "")),
                                            ("street", .string(values[g.field("street")]?.description ?? ""))])),
                ]))
            }
        }
        let max = counts.map(\.count).max() ?? 0
        return .object([("type", .string("FeatureCollection")), ("features", .array(features)), ("maxCount", .number(Double(max))),
                        ("from", .string(Self.iso(from))), ("to", .string(Self.iso(to)))])
    }
}
