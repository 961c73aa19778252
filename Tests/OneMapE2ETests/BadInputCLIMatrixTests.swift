import Foundation
import Testing

/// The command line's half of the bad-input matrix (issue 17): every command given malformed,
/// out-of-range, missing or hostile input exits non-zero with a one-line message (no crash, no
/// usage dump for a value error), and the store is as it was.
@Suite struct BadInputCLIMatrixTests {
    @Test func everyCommandRefusesBadInputAndLeavesTheStoreAlone() throws {
        let dir = WorkDirectory()
        let store = dir.path + "/onemap.sqlite"
        try #require(try CLI.run(["import", CLI.fixture("points.geojson"), "--layer", "pois"], in: dir.path).status == 0)
        try #require(try CLI.run(["user", "add", "ed", "--role", "editor"], in: dir.path).status == 0)
        _ = FileManager.default.createFile(atPath: dir.path + "/site.geojson", contents: Data(#"{"type": "Polygon", "coordinates": [[[116.8, 38.3], [116.81, 38.3], [116.81, 38.31], [116.8, 38.3]]]}"#.utf8))
        _ = FileManager.default.createFile(atPath: dir.path + "/not-geo.txt", contents: Data("just text\n".utf8))
        _ = FileManager.default.createFile(atPath: dir.path + "/cases.csv", contents: Data("number,nonsense\n1,2\n".utf8))
        _ = FileManager.default.createFile(atPath: dir.path + "/points.csv", contents: Data("A,0,0,1,1\n".utf8))
        _ = FileManager.default.createFile(atPath: dir.path + "/exists.sqlite", contents: Data("x".utf8))
        // The first use of the city's case rules on a store sets up its (empty) case layer, as
        // `onemap serve` does; that is setup, not the bad input's doing, so it happens first.
        _ = try CLI.run(["cases", "import", dir.path + "/cases.csv"], in: dir.path)
        let before = try snapshot(store)
        let long = String(repeating: "x", count: 5000)
        let commands: [[String]] = [
            // import
            ["import", dir.path + "/nosuch.geojson", "--layer", "a"], ["import", CLI.fixture("points.geojson"), "--layer", "Bad-ID"],
            ["import", CLI.fixture("points.geojson"), "--layer", "../../etc"], ["import", CLI.fixture("points.geojson"), "--layer", long],
            ["import", CLI.fixture("points.geojson"), "--layer", "pois"], ["import", CLI.fixture("points.geojson"), "--layer", "b", "--kind", "mesh"],
            ["import", CLI.fixture("points.geojson"), "--layer", "b", "--srs", "EPSG:999999"], ["import", CLI.fixture("points.geojson"), "--layer", "b", "--srs", "'; DROP TABLE layers;--"],
            ["import", CLI.fixture("points.geojson"), "--layer", "b", "--encoding", "EBCDIC"], ["import", CLI.fixture("points.geojson"), "--layer", "b", "--access", "secret"],
            ["import", CLI.fixture("points.geojson"), "--layer", "b", "--format", "gif"], ["import", CLI.fixture("points.geojson"), "--layer", "b", "--towgs84", "1,2"],
            ["import", CLI.fixture("points.geojson"), "--layer", "b", "--towgs84", "a,b,c"], ["import", CLI.fixture("points.geojson"), "--layer", "b", "--kind", "dem"],
            ["import", CLI.fixture("empty.geojson"), "--layer", "b"], ["import", CLI.fixture("mixed.geojson"), "--layer", "b"],
            ["import", CLI.fixture("corrupt.gpkg"), "--layer", "b"], ["import", CLI.fixture("nogeo.tif"), "--layer", "b", "--kind", "dom"],
            ["import", dir.path + "/not-geo.txt", "--layer", "b"], ["import", CLI.fixture("points.geojson"), "--layer", "b", "--source-layer", "nosuch"],
            ["import", CLI.fixture("noprj.shp"), "--layer", "b"],
            // render, seed, export, bench-render
            ["render", "pois", "a/b/c", "-o", dir.path + "/t.png"], ["render", "nosuch", "1/0/0", "-o", dir.path + "/t.png"],
            ["render", "pois", "40/0/0", "-o", dir.path + "/t.png"], ["render", "pois", "1/0/0", "--tms", "NoSuch", "-o", dir.path + "/t.png"],
            ["render", "pois", "1/0/0", "--scale", "3", "-o", dir.path + "/t.png"], ["render", "pois", "1/0/0", "--metatile", "99", "-o", dir.path + "/t.png"],
            ["seed", "pois", "--zoom", "x"], ["seed", "pois", "--zoom", "9-1"], ["seed", "pois", "--zoom", "1-2", "--bbox", "1,2"],
            ["seed", "pois", "--zoom", "1-2", "--tms", "NoSuch"], ["seed", "pois", "--zoom", "1-2", "--cache", "none"], ["seed", "nosuch", "--zoom", "1-2"],
            ["export", "pois", "--zoom", "1-2", "-o", dir.path + "/no/such/dir/x.mbtiles"], ["export", "pois", "--zoom", "x", "-o", dir.path + "/x.mbtiles"],
            ["bench-render", "--map", "pois", "--list", dir.path + "/nosuch.txt"],
            // accounts and audit
            ["user", "add", "x"], ["user", "add", "x", "--role", "emperor"], ["user", "add", "", "--role", "viewer"], ["user", "remove", "nosuch"],
            ["user", "passwd", "nosuch"], ["token", "create", "nosuch"], ["token", "revoke", "999999"], ["token", "revoke", "abc"],
            ["role", "add", "r1", "--level", "cosmic"], ["role", "add", "bad name!", "--level", "public"],
            ["audit", "--since", "yesterday"], ["audit", "--limit", "-1"],
            // maintenance
            ["backup", dir.path + "/exists.sqlite"], ["backup", dir.path + "/no/such/dir/b.sqlite"], ["check", "--store", dir.path + "/nosuch.sqlite"],
            ["backup", dir.path + "/b2.sqlite", "--store", dir.path + "/nosuch.sqlite"], ["layers", "--store", dir.path + "/no/such/dir/x.sqlite"],
            // domain commands without their rules here, or with bad files
            ["cases", "import", dir.path + "/nosuch.csv"], ["cases", "import", dir.path + "/cases.csv"],
            ["review", dir.path + "/nosuch.geojson", "--use", "0701"], ["review", dir.path + "/site.geojson", "--use", "9999"],
            ["review", dir.path + "/not-geo.txt", "--use", "0701"],
            // coordinates
            ["crs", "solve", dir.path + "/nosuch.csv", "--name", "A1", "--base", "EPSG:4548"], ["crs", "solve", dir.path + "/points.csv", "--name", "A1", "--base", "EPSG:4548"],
            ["crs", "solve", dir.path + "/points.csv", "--name", "1bad", "--base", "EPSG:4548"], ["crs", "solve", dir.path + "/points.csv", "--name", "A1", "--base", "EPSG:1"],
            ["crs", "transform", "--from", "EPSG:4490", "--to", "EPSG:4527", "--point", "a,b"], ["crs", "transform", "--from", "nosuch", "--to", "EPSG:4527", "--point", "1,2"],
            ["crs", "transform", "--from", "EPSG:4214", "--to", "EPSG:4490", "--point", "116.8,38.3"],
            // serve refuses impossible settings before listening
            ["serve", "--workers", "0"], ["serve", "--port", "99999"], ["serve", "--queue", "0"], ["serve", "--memory-cache", "-1"],
            ["serve", "--public-url", "javascript:alert(1)"], ["serve", "--header-timeout", "0"], ["serve", "--max-connections", "0"],
            // unknown commands and options
            ["nosuch"], ["layers", "--nosuch"],
        ]
        for arguments in commands {
            let r = try CLI.run(arguments, in: dir.path)
            let shown = arguments.joined(separator: " ").prefix(100)
            #expect(r.status != 0, "\(shown): exit 0")
            #expect(!r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(shown): no message")
            #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump") && !r.stderr.contains("SQLite error"), "\(shown): \(r.stderr.prefix(300))")
            #expect(r.status != 134 && r.status != 139, "\(shown): crashed")
            let now = try snapshot(store)
            #expect(now == before, "\(shown) changed the store: \(zip(before, now).filter { $0 != $1 }.map { "\($0.1.prefix(200))" })")
        }
        #expect(commands.count >= 70)
    }
}
