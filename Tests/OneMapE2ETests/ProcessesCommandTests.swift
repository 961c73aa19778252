import Foundation
import OneMapTestSupport
import Testing

/// The planning analyses through the built binary: OWSLib's OGC API – Processes client lists and
/// describes them; `onemap review` writes the report.
@Suite(.serialized) struct ProcessesCommandTests {
    static let owslibScript = #"""
        import json, sys, urllib.request
        from owslib.ogcapi.processes import Processes
        base = sys.argv[1]
        api = Processes(base + "ogc")
        out = {"ids": [p["id"] for p in api.processes()["processes"]]}
        review = api.process("site-review")
        out["inputs"] = sorted(review["inputs"])
        out["title"] = review["title"]
        # OWSLib 0.27 has no execute: run it as any HTTP client would.
        body = json.dumps({"inputs": {"site": {"type": "Polygon", "coordinates": [[[116.822, 38.305], [116.826, 38.305], [116.826, 38.309], [116.822, 38.309], [116.822, 38.305]]]},
                                      "use": "0701"}}).encode()
        request = urllib.request.Request(base + "ogc/processes/site-review/execution", data=body, headers={"Content-Type": "application/json"})
        report = json.load(urllib.request.urlopen(request))
        out["status"] = report["status"]
        out["left_out"] = [l["layer"] for l in report["layersLeftOut"]]
        print(json.dumps(out))
        """#

    @Test func owslibListsAndDescribesTheProcessesOfARunningServer() throws {
        let dir = WorkDirectory()
        _ = try PlanningCity.build(in: dir.path)
        let server = try ServeCommandTests.Server(store: dir.path + "/city.sqlite", cache: dir.path + "/cache", layers: dir.path + "/Layers")
        try Self.owslibScript.write(toFile: dir.path + "/client.py", atomically: true, encoding: .utf8)
        let py = try CLI.run(executable: "/usr/bin/python3", [dir.path + "/client.py", server.url], in: dir.path)
        #expect(py.status == 0, "\(py.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(py.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(json["ids"] as? [String] == ["site-review", "control-line-conflicts", "plan-compare", "area-statistics"])
        #expect(json["title"] as? String == "选址合规性审查")
        #expect((json["inputs"] as? [String] ?? []).contains("use"))
        // Anonymous: the confidential hazmat layer is left out, so the review warns rather than passes.
        #expect(json["status"] as? String == "warning" && json["left_out"] as? [String] == ["hazmat_sites"], "\(json)")
        #expect(server.stop() == 0)
    }

    @Test func reviewWritesThePDFAndRefusesBadInput() throws {
        let dir = WorkDirectory()
        _ = try PlanningCity.build(in: dir.path)
        let site = #"{"type":"Polygon","coordinates":[[[116.805,38.302],[116.815,38.302],[116.815,38.306],[116.805,38.306],[116.805,38.302]]]}"#
        try site.write(toFile: dir.path + "/site.geojson", atomically: true, encoding: .utf8)
        let store = dir.path + "/city.sqlite"
        let r = try CLI.run(["review", "site.geojson", "--use", "0701", "--store", store, "--layers", dir.path + "/Layers", "-o", "report.pdf",
                             "--project", "西区住宅"], in: dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("违规") && r.stdout.contains("三线协调·永久基本农田"), "\(r.stdout)")
        let pdf = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/report.pdf"))
        #expect(pdf.starts(with: Array("%PDF".utf8)))
        let text = try CLI.run(executable: "/usr/bin/pdftotext", [dir.path + "/report.pdf", "-"], in: dir.path).stdout
        #expect(text.contains("建设项目选址合规性审查报告") && text.contains("西区住宅"))
        let json = try CLI.run(["review", "site.geojson", "--use", "0701", "--store", store, "--layers", dir.path + "/Layers", "-o", "report.json"], in: dir.path)
        #expect(json.status == 0)
        #expect(try String(contentsOfFile: dir.path + "/report.json", encoding: .utf8).contains("\"status\":\"violation\""))
        for (arguments, message) in [
            (["review", "site.geojson", "--use", "9999"], "9999"),
            (["review", "missing.geojson", "--use", "0701"], "no such file"),
            (["review", "site.geojson", "--use", "0701", "-o", "report.docx"], ".pdf, .html or .json"),
            (["review", "site.geojson", "--use", "0701", "--srs", "EPSG:999999"], "999999"),
            (["review", "site.geojson", "--use", "0701", "--as", "nobody"], "no user"),
        ] {
            let bad = try CLI.run(arguments + ["--store", store, "--layers", dir.path + "/Layers"], in: dir.path)
            #expect(bad.status != 0 && bad.stderr.contains(message), "\(arguments): \(bad.stderr)")
        }
        try "not json".write(toFile: dir.path + "/broken.geojson", atomically: true, encoding: .utf8)
        let broken = try CLI.run(["review", "broken.geojson", "--use", "0701", "--store", store, "--layers", dir.path + "/Layers"], in: dir.path)
        #expect(broken.status != 0 && broken.stderr.contains("not a GeoJSON site"))
    }
}
