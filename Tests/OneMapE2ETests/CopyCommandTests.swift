import Foundation
import OneMapTestSupport
import Testing

/// `onemap copy` from the command line: a store into PostGIS and back, and what it refuses.
@Suite struct CopyCommandTests {
    @Test func aStoreCopiesIntoPostGISAndBackFromTheCommandLine() throws {
        let dir = WorkDirectory()
        let file = dir.path + "/city.sqlite"
        #expect(try CLI.run(["import", CLI.fixture("points.geojson"), "--layer", "pois", "--store", file, "--layers", dir.path], in: dir.path).status == 0)
        #expect(try CLI.run(["user", "add", "ed", "--role", "editor", "--store", file], in: dir.path).status == 0)
        let url = try TestStores.newPostGISDatabase()
        let there = try CLI.run(["copy", "--from", file, "--to", url], in: dir.path)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stdout.contains("pois: 3 features into layer_pois") && there.stdout.contains("accounts: 1 records") && there.stdout.contains("on both sides"),
                "\(there.stdout)")
        // The PostGIS store answers like the file: its catalog, its users, its check.
        #expect(try CLI.run(["layers", "--store", url], in: dir.path).stdout.contains("pois"))
        #expect(try CLI.run(["user", "list", "--store", url], in: dir.path).stdout.contains("ed"))
        #expect(try CLI.run(["check", "--store", url], in: dir.path).status == 0)
        // A backup of the PostGIS store is pg_dump's archive; restored into an empty database it is the store.
        let dump = try CLI.run(["backup", dir.path + "/city.dump", "--store", url], in: dir.path)
        #expect(dump.status == 0 && dump.stdout.contains("pg_dump"), "\(dump.stderr)")
        let restored = try TestStores.newEmptyPostGISDatabase()
        let restore = try CLI.run(executable: "/usr/bin/pg_restore", ["--no-owner", "-d", restored, dir.path + "/city.dump"], in: dir.path)
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(try CLI.run(["layers", "--store", restored], in: dir.path).stdout.contains("pois"))
        #expect(try CLI.run(["backup", dir.path + "/city.dump", "--store", url], in: dir.path).status != 0)
        let back = try CLI.run(["copy", "--from", url, "--to", dir.path + "/back.sqlite"], in: dir.path)
        #expect(back.status == 0 && back.stdout.contains("pois: 3 features"), "\(back.stderr)")
        // Refused, with a message and a non-zero status, changing nothing.
        let before = try snapshot(dir.path + "/back.sqlite")
        for (arguments, message) in [(["copy", "--from", file, "--to", dir.path + "/back.sqlite"], "already holds layer 'pois'"),
                                     (["copy", "--from", file, "--to", file], "same store"),
                                     (["copy", "--from", dir.path + "/nosuch.sqlite", "--to", url], "no store"),
                                     (["copy", "--from", file, "--to", "postgresql://onemap@127.0.0.1:1/nowhere"], "cannot connect")] {
            let r = try CLI.run(arguments, in: dir.path)
            #expect(r.status != 0 && r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        #expect(try snapshot(dir.path + "/back.sqlite") == before)
    }
}
