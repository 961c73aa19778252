import Foundation
import GRDB
import Testing

@testable import OneMapStore

/// Drives the built `onemap` binary, as a user would.
enum CLI {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String {
        for candidate in [".build/debug/onemap", ".build/x86_64-unknown-linux-gnu/debug/onemap", ".build/aarch64-unknown-linux-gnu/debug/onemap"] {
            let path = repository.appendingPathComponent(candidate).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return repository.appendingPathComponent(".build/debug/onemap").path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `onemap` (or another program) to the end.
    @discardableResult
    static func run(executable: String = binary, _ arguments: [String], in directory: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        // Never the test's terminal: a command that reads standard input gets end of file.
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func fixture(_ name: String) -> String { repository.appendingPathComponent("Tests/Fixtures/import/\(name)").path }
}

final class WorkDirectory {
    let path = NSTemporaryDirectory() + "onemap-e2e-" + UUID().uuidString
    init() { try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Catalog rows and per-table row counts of a store file.
func snapshot(_ path: String) throws -> [String] {
    let queue = try DatabaseQueue(path: path)
    return try queue.read { db in
        var out = try Row.fetchAll(db, sql: "SELECT * FROM layers ORDER BY id").map(\.description)
        for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'idx_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name") {
            out.append("\(name): \(try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(name)\"") ?? 0)")
        }
        return out
    }
}

@Suite struct CommandLineTests {
    @Test func importThenListLayersAsJSON() throws {
        let dir = WorkDirectory()
        let imported = try CLI.run(["import", CLI.fixture("points.geojson"), "--layer", "pois", "--access", "internal"], in: dir.path)
        #expect(imported.status == 0)
        #expect(imported.stdout.contains("read 4, written 3, repaired 0, skipped 1"))
        let listed = try CLI.run(["layers", "--json"], in: dir.path)
        #expect(listed.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as! [String: Any]
        let layers = json["layers"] as! [[String: Any]]
        #expect(layers.count == 1)
        #expect(layers[0]["id"] as? String == "pois" && layers[0]["access"] as? String == "internal")
        #expect(layers[0]["table"] as? String == "pois" && layers[0]["featureCount"] as? Int == 3)
        #expect(layers[0]["storageCrs"] as? String == "EPSG:4490" && layers[0]["synthetic"] as? Bool == false)
        #expect((layers[0]["extent"] as? [Double])?.count == 4)
        #expect(json["schemaVersion"] as? Int == 10)
        // The progress bar is only drawn on a terminal.
        #expect(!imported.stderr.contains("\r"))
    }

    @Test func badInputExitsNonZeroWithAMessageAndChangesNothing() throws {
        let dir = WorkDirectory()
        try CLI.run(["import", CLI.fixture("points.geojson"), "--layer", "pois"], in: dir.path)
        let before = try snapshot(dir.path + "/onemap.sqlite")
        let cases: [([String], String)] = [
            (["import", "/nonexistent.shp", "--layer", "x"], "no such file"),
            (["import", CLI.fixture("corrupt.gpkg"), "--layer", "x"], "cannot read"),
            (["import", CLI.fixture("points.geojson"), "--layer", "x", "--srs", "EPSG:999999"], "unknown CRS"),
            (["import", CLI.fixture("points.geojson"), "--layer", "pois"], "already exists"),
            (["import", CLI.fixture("mixed.geojson"), "--layer", "x"], "mixes geometry types"),
            (["import", CLI.fixture("gbk.shp"), "--layer", "x"], "--encoding GBK"),
            (["import", CLI.fixture("noprj.shp"), "--layer", "x"], "no coordinate reference system"),
            (["import", CLI.fixture("empty.geojson"), "--layer", "x"], "no features"),
            (["import", CLI.fixture("nogeo.tif"), "--layer", "x", "--kind", "dem"], "no georeference"),
            (["import", CLI.fixture("points.geojson"), "--layer", "x", "--kind", "raster"], "--kind must be"),
            (["import", CLI.fixture("points.geojson"), "--layer", "Bad Name"], "invalid layer id"),
        ]
        for (arguments, message) in cases {
            let r = try CLI.run(arguments, in: dir.path)
            #expect(r.status != 0, "\(arguments) succeeded")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
            #expect(!r.stderr.contains("INSERT") && !r.stderr.contains("SELECT"), "SQL leaked: \(r.stderr)")
        }
        #expect(try snapshot(dir.path + "/onemap.sqlite") == before)
    }

    @Test func anImportKilledMidwayLeavesTheStoreAsItWas() throws {
        let dir = WorkDirectory()
        try CLI.run(["import", CLI.fixture("points.geojson"), "--layer", "pois"], in: dir.path)
        let before = try snapshot(dir.path + "/onemap.sqlite")
        // A source big enough that the import is still running when it is killed.
        let big = dir.path + "/big.geojsonl"
        var text = ""
        for i in 0..<300_000 {
            text += #"{"type":"Feature","properties":{"n":\#(i),"name":"点\#(i)"},"geometry":{"type":"Point","coordinates":[\#(116.7 + Double(i % 1000) * 0.0003),\#(38.2 + Double(i / 1000) * 0.0003)]}}"# + "\n"
        }
        try text.write(toFile: big, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["import", big, "--layer", "big"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until rows are being written (the WAL grows), then kill it without warning.
        let wal = dir.path + "/onemap.sqlite-wal"
        let deadline = Date().addingTimeInterval(60)
        var walSize = 0
        while Date() < deadline && process.isRunning {
            walSize = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
            if walSize > 2_000_000 { break }
            usleep(20_000)
        }
        #expect(process.isRunning, "the import finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(walSize > 2_000_000)
        #expect(try snapshot(dir.path + "/onemap.sqlite") == before)
        // And the store still works: the same import now succeeds.
        let again = try CLI.run(["import", big, "--layer", "big"], in: dir.path)
        #expect(again.status == 0)
        #expect(again.stdout.contains("written 300000"))
    }
}

@Suite struct LayerFileFlowTests {
    @Test func anImportIntoAStoreElsewhereNeverWritesIntoTheWorkingDirectorysLayers() throws {
        let work = WorkDirectory(), elsewhere = WorkDirectory()
        let layers = work.path + "/Layers"
        try FileManager.default.createDirectory(atPath: layers, withIntermediateDirectories: true)
        let away = try CLI.run(["import", CLI.fixture("points.geojson"), "--layer", "wells", "--store", elsewhere.path + "/city.sqlite"], in: work.path)
        #expect(away.status == 0, "\(away.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: layers).isEmpty)
        // The store in the working directory owns ./Layers: a new layer gets its file there.
        let here = try CLI.run(["import", CLI.fixture("points.geojson"), "--layer", "wells", "--store", "city.sqlite"], in: work.path)
        #expect(here.status == 0, "\(here.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: layers) == ["wells.json"])
        // Naming the directory says it is the store's.
        let named = WorkDirectory()
        let named2 = try CLI.run(["import", CLI.fixture("points.geojson"), "--layer", "pumps", "--store", elsewhere.path + "/city.sqlite",
                                  "--layers", named.path], in: work.path)
        #expect(named2.status == 0, "\(named2.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: named.path) == ["pumps.json"])
    }
}
