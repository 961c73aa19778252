import ArgumentParser
import Foundation
import OneMapAnalysis
import OneMapGeometry
import OneMapPrint
import OneMapRender
import OneMapStore

/// `onemap review SITE.geojson --use CODE [-o report.pdf]`: the site review (选址合规性审查) from
/// the command line, the same analysis and documents as the `site-review` process.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "review", abstract: "Review a site (红线) for planning compliance and write the report.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The site: a GeoJSON file (a Polygon or MultiPolygon, a Feature, or a FeatureCollection of them).")
    var site: String

    @Option(help: "The proposed use: a 用地用海 class code (e.g. 0701).")
    var use: String

    @Option(help: "The site's CRS (default: CRS84, as GeoJSON).")
    var srs: String?

    @Option(name: .shortAndLong, help: "Write the report: .pdf, .html or .json.")
    var output: String?

    @Option(help: "Project name (项目名称).") var project: String?
    @Option(help: "Applicant (申请单位).") var applicant: String?
    @Option(name: .customLong("case"), help: "Case number (案卷编号).") var caseNumber: String?
    @Option(help: "Proposed floor area ratio (容积率).") var far: Double?
    @Option(help: "Proposed building density in % (建筑密度).") var density: Double?
    @Option(help: "Proposed green ratio in % (绿地率).") var green: Double?
    @Option(help: "Proposed height limit in metres (限高).") var height: Double?

    @Option(name: .customLong("as"), help: "Review with this user's rights (default: the local operator, who sees every layer).")
    var user: String?

    @Option(help: "The styles directory, for the location map.")
    var styles: String?

    func run() throws {
        try reportingErrors {
            if let output, !([".pdf", ".html", ".json"].contains { output.lowercased().hasSuffix($0) }) {
                throw CLIError(description: "-o must name a .pdf, .html or .json file")
            }
            guard let data = FileManager.default.contents(atPath: site) else { throw CLIError(description: "no such file: \(site)") }
            let geometry: Geometry
            do { geometry = try Self.polygons(try JSONValue.parse([UInt8](data))) } catch let e as CLIError { throw e } catch {
                throw CLIError(description: "\(site) is not a GeoJSON site: \(error)")
            }
            let crs = try srs.map { try CRS(parsing: $0) } ?? .crs84
            let store = try options.open()
            guard let layers = options.layersDirectory ?? RepositoryPaths.layersDirectory() else {
                throw CLIError(description: "no layers directory with rules/planning-review.json; pass --layers")
            }
            let rules = try PlanningRules.load(path: PlanningRules.file(in: layers))
            var principal = Principal.system
            if let user {
                guard let account = try store.users().first(where: { $0.name == user }) else { throw CLIError(description: "no user '\(user)'") }
                let roles = try store.roles().filter { account.roles.contains($0.name) }
                principal = Principal(name: user, roles: account.roles, level: roles.map(\.level).max() ?? .public,
                                      extraLayers: Set(roles.flatMap(\.readLayers)), writableLayers: [])
            }
            var indicators: [String: Double] = [:]
            for (k, v) in [("far", far), ("density", density), ("green", green), ("height", height)] { if let v { indicators[k] = v } }
            let request = SiteReviewRequest(site: geometry, crs: crs, use: use, indicators: indicators, project: project, applicant: applicant,
                                            caseNumber: caseNumber, siteReference: URL(fileURLWithPath: site).lastPathComponent)
            let report = try SiteReview(store: store, rules: rules).run(request, for: principal)
            print("选址合规性审查：\(report.status.chinese)（\(report.status.rawValue)）")
            print(String(format: "选址面积 %.2f 平方米（%.2f 亩），%@ 平面 %.2f 平方米", report.siteArea.ellipsoidal,
                         report.siteArea.ellipsoidal / AreaFigures.squareMetresPerMu, report.siteArea.planeCRS, report.siteArea.plane))
            for r in report.rules { print("  [\(r.status.chinese)] \(r.rule)：\(r.message)") }
            if !report.leftOut.isEmpty { print("  未能访问的图层：" + report.leftOut.map(\.layer).joined(separator: "、")) }
            guard let output else { return }
            let bytes: [UInt8]
            switch URL(fileURLWithPath: output).pathExtension.lowercased() {
            case "json": bytes = Array(report.json.text.utf8)
            case "html":
                let document = SiteReviewDocument(report: report, catalog: try MapCatalog(directory: try StylesDirectory.resolve(styles), store: store),
                                                  store: store, principal: principal)
                let map = try document.mapPNG()
                let uri = "data:image/png;base64," + Data(map).base64EncodedString()
                bytes = Array(SiteReviewPage.html(report, mapURL: uri, pdfURL: nil).utf8)
            default:
                bytes = try SiteReviewDocument(report: report, catalog: try MapCatalog(directory: try StylesDirectory.resolve(styles), store: store),
                                               store: store, principal: principal).pdf()
            }
            try Data(bytes).write(to: URL(fileURLWithPath: output))
            print("wrote \(output)")
        }
    }

    /// The polygons of a GeoJSON document as one geometry.
    static func polygons(_ json: JSONValue) throws -> Geometry {
        if json["type"]?.string == "FeatureCollection" {
            let parts = try (json["features"]?.array ?? []).enumerated().map { try GeoJSON.geometry($1, path: "features[\($0)]") }
            guard !parts.isEmpty else { throw CLIError(description: "the FeatureCollection has no features") }
            var polygons: [[[Coordinate]]] = []
            for p in parts {
                switch p {
                case .polygon(let rings): polygons.append(rings)
                case .multiPolygon(let ps): polygons += ps
                default: throw CLIError(description: "the site must be polygons, not \(p.type.name)")
                }
            }
            return polygons.count == 1 ? .polygon(polygons[0]) : .multiPolygon(polygons)
        }
        return try GeoJSON.geometry(json)
    }
}
