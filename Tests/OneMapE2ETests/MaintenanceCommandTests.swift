import Foundation
import GRDB
import Testing

/// `onemap backup` and `onemap check`, as an operator runs them.
@Suite struct MaintenanceCommandTests {
    /// A store with a vector layer and a DEM pyramid.
    func store(_ dir: WorkDirectory) throws {
        #expect(try CLI.run(["import", CLI.fixture("points.geojson"), "--layer", "pois"], in: dir.path).status == 0)
        let dem = CLI.repository.appendingPathComponent("Layers/data/china_dem.tif").path
        #expect(try CLI.run(["import", dem, "--layer", "dem", "--kind", "dem"], in: dir.path).status == 0)
    }

    @Test func aBackupIsACheckedCopyThatRestores() throws {
        let dir = WorkDirectory()
        try store(dir)
        let backup = try CLI.run(["backup", dir.path + "/copy.sqlite"], in: dir.path)
        #expect(backup.status == 0 && backup.stdout.contains("checks passed"), "\(backup.stderr)")
        #expect(try snapshot(dir.path + "/copy.sqlite") == snapshot(dir.path + "/onemap.sqlite"))
        // Restored in the store's place, it is the store.
        try FileManager.default.removeItem(atPath: dir.path + "/onemap.sqlite")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.path + "/onemap.sqlite" + suffix) }
        try FileManager.default.copyItem(atPath: dir.path + "/copy.sqlite", toPath: dir.path + "/onemap.sqlite")
        let check = try CLI.run(["check", "--verbose"], in: dir.path)
        #expect(check.status == 0 && check.stdout.contains("checked layer pois") && check.stdout.contains("checked pyramid dem"), "\(check.stdout)")
        let layers = try CLI.run(["layers"], in: dir.path)
        #expect(layers.stdout.contains("pois") && layers.stdout.contains("dem"))
    }

    @Test func checkFindsWhatIsWrong() throws {
        let dir = WorkDirectory()
        try store(dir)
        #expect(try CLI.run(["check"], in: dir.path).stdout.contains(": ok"))
        // A row gone behind the catalog's back, an index entry gone, a stray pyramid tile.
        let queue = try DatabaseQueue(path: dir.path + "/onemap.sqlite")
        try queue.write { db in
            try db.execute(sql: "DELETE FROM pois WHERE fid = (SELECT min(fid) FROM pois)")
            try db.execute(sql: "DELETE FROM idx_pois_geom WHERE pkid = (SELECT max(fid) FROM pois)")
            try db.execute(sql: "INSERT INTO dem (level, col, row, data) VALUES (0, 9999, 0, x'00')")
        }
        try queue.close()
        let check = try CLI.run(["check"], in: dir.path)
        #expect(check.status != 0)
        #expect(check.stdout.contains("the catalog says 3 features, the table holds 2"), "\(check.stdout)")
        #expect(check.stdout.contains("the spatial index does not match"), "\(check.stdout)")
        #expect(check.stdout.contains("level 0 has tiles outside"), "\(check.stdout)")
    }

    @Test func badRequestsAreRefusedAndChangeNothing() throws {
        let dir = WorkDirectory()
        try store(dir)
        try "taken".write(toFile: dir.path + "/taken.sqlite", atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["backup", dir.path + "/taken.sqlite"], "exists"),
            (["backup", dir.path + "/no/such/dir/copy.sqlite"], "no folder"),
            (["backup", dir.path + "/copy.sqlite", "--store", dir.path + "/missing.sqlite"], "no store at"),
            (["check", "--store", dir.path + "/missing.sqlite"], "no store at"),
            (["check", "--store", dir.path + "/taken.sqlite"], "cannot open store"),
        ]
        for (arguments, message) in cases {
            let r = try CLI.run(arguments, in: dir.path)
            #expect(r.status != 0 && r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        #expect(try String(contentsOfFile: dir.path + "/taken.sqlite", encoding: .utf8) == "taken")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/missing.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/copy.sqlite"))
    }
}
