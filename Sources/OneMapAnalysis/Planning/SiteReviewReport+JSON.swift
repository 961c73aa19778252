import OneMapGeometry

extension SiteReviewReport {
    /// The report read back from its JSON (a job's stored results), for the HTML page and the
    /// PDF of a review done earlier: the document shows what was found then, not a new review.
    /// - Throws: `AnalysisError.jobFailed` when the JSON is not a review report.
    public init(json: JSONValue) throws {
        func fail(_ what: String) -> AnalysisError { .jobFailed("not a site review report (\(what))") }
        func area(_ v: JSONValue?) throws -> AreaFigures {
            guard let v, let e = v["ellipsoidal"]?["m2"]?.number, let p = v["plane"]?["m2"]?.number else { throw fail("area") }
            return AreaFigures(ellipsoidal: e, plane: p, planeCRS: v["plane"]?["crs"]?.string ?? "")
        }
        func geometry(_ v: JSONValue?) -> Geometry? { v.flatMap { try? GeoJSON.geometry($0) } }
        func shares(_ key: String) throws -> [Share] {
            try (json[key]?.array ?? []).map { s in
                Share(code: s["code"]?.string ?? "", name: s["name"]?.string ?? "", area: try area(s["area"]), share: s["share"]?.number ?? 0,
                      geometry: geometry(s["geometry"]), fit: s["fit"]?.string.flatMap(RuleStatus.init(rawValue:)))
            }
        }
        guard let siteGeometry = geometry(json["site"]?["geometry"]), let status = json["status"]?.string.flatMap(RuleStatus.init(rawValue:)) else {
            throw fail("site")
        }
        city = json["city"]?.string ?? ""
        project = json["project"]?["name"]?.string
        applicant = json["project"]?["applicant"]?.string
        caseNumber = json["project"]?["caseNumber"]?.string
        siteReference = json["project"]?["siteReference"]?.string
        generated = json["generated"]?.string ?? ""
        reviewer = json["reviewer"]?.string ?? ""
        site = siteGeometry
        siteArea = try area(json["site"]?["area"])
        repaired = json["site"]?["repaired"]?.string
        use = json["proposedUse"]?["code"]?.string ?? ""
        useName = json["proposedUse"]?["name"]?.string ?? ""
        isConstruction = json["proposedUse"]?["construction"]?.bool ?? false
        indicators = Dictionary(uniqueKeysWithValues: (json["indicators"]?.object ?? []).compactMap { k, v in v.number.map { (k, $0) } })
        self.status = status
        rules = (json["rules"]?.array ?? []).map { r in
            RuleResult(rule: r["rule"]?.string ?? "", status: r["status"]?.string.flatMap(RuleStatus.init(rawValue:)) ?? .warning,
                       message: r["message"]?.string ?? "", details: r["details"] ?? .null, conflict: geometry(r["conflict"]))
        }
        controlLines = try shares("controlLines")
        plannedClasses = try shares("plannedClasses")
        landStatus = try shares("landStatus")
        farmland = (try? area(json["farmland"])) ?? .zero(planeCRS: siteArea.planeCRS)
        administrative = try (json["administrative"]?.array ?? []).map { a in
            (a["title"]?.string ?? "", try (a["units"]?.array ?? []).map { s in
                Share(code: s["code"]?.string ?? "", name: s["name"]?.string ?? "", area: try area(s["area"]), share: s["share"]?.number ?? 0, geometry: nil, fit: nil)
            })
        }
        facilities = (json["sensitiveFacilities"]?.array ?? []).map { f in
            let l = f["location"]?.array?.compactMap(\.number) ?? [0, 0]
            return Facility(rule: f["rule"]?.string ?? "", layer: f["layer"]?.string ?? "", name: f["name"]?.string ?? "",
                            distance: f["distance"]?.number ?? 0, location: Coordinate(l.first ?? 0, l.count > 1 ? l[1] : 0))
        }
        leftOut = (json["layersLeftOut"]?.array ?? []).map { ($0["layer"]?.string ?? "", $0["purposes"]?.array?.compactMap(\.string) ?? []) }
        dataVersions = Dictionary(uniqueKeysWithValues: (json["dataVersions"]?.object ?? []).compactMap { k, v in v.number.map { (k, Int($0)) } })
    }
}
