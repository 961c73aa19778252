import Foundation

/// Where tests keep their stores. The suites run twice: on SpatiaLite files, and, with
/// `ONEMAP_TEST_BACKEND=postgis`, on PostGIS (`Tools/test.sh` starts a throwaway cluster and sets
/// `ONEMAP_TEST_POSTGRES` to it). Fixtures ask here instead of naming a file, so the same tests
/// check both backends.
public enum TestStores {
    /// Whether this run's stores are PostGIS databases.
    public static var onPostGIS: Bool { ProcessInfo.processInfo.environment["ONEMAP_TEST_BACKEND"] == "postgis" }

    /// The store location for a fixture: `path` itself on the SpatiaLite pass; on the PostGIS
    /// pass a new, empty database (from the cluster's template with PostGIS installed), whose
    /// URL is returned.
    public static func location(_ path: String) throws -> String {
        guard onPostGIS else { return path }
        return try newPostGISDatabase()
    }

    /// A new PostGIS database in the test cluster, whichever pass this is: a copy of the template
    /// with OneMap's schema in place.
    public static func newPostGISDatabase() throws -> String { try newDatabase(template: "onemap_template", prefix: "t_") }

    /// A new database with nothing in it (no PostGIS, no schema): where a dump is restored.
    public static func newEmptyPostGISDatabase() throws -> String { try newDatabase(template: "template0", prefix: "r_") }

    private static func newDatabase(template: String, prefix: String) throws -> String {
        guard let server = ProcessInfo.processInfo.environment["ONEMAP_TEST_POSTGRES"], var url = URLComponents(string: server) else {
            throw TestStoreError(description: "this test needs ONEMAP_TEST_POSTGRES (run it through Tools/test.sh)")
        }
        let name = prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try psql(server, "CREATE DATABASE \(name) TEMPLATE \(template)")
        url.path = "/" + name
        return url.string!
    }

    /// Waits (up to 10 s) until no process holds a runner lock of an unfinished job: the PostGIS
    /// store's way of telling that the instance running a job has ended.
    public static func waitUntilNoRunnerHoldsItsLock(_ url: String) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let held = try psqlValue(url, """
                SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 7001 AND granted
                AND objid::int IN (SELECT runner FROM onemap_jobs WHERE status IN ('accepted', 'running'))
                """)
            if held == "0" { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw TestStoreError(description: "a job's runner still holds its lock after 10 s")
    }

    /// Runs one query with psql and returns its output (one value, trimmed).
    public static func psqlValue(_ url: String, _ sql: String) throws -> String {
        try psqlRun(url, sql).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs one SQL command with psql against `url`.
    public static func psql(_ url: String, _ sql: String) throws { _ = try psqlRun(url, sql) }

    private static func psqlRun(_ url: String, _ sql: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        p.arguments = [url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql]
        let err = Pipe(), out = Pipe()
        p.standardError = err
        p.standardOutput = out
        try p.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw TestStoreError(description: "psql failed: \(String(decoding: message, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}

public struct TestStoreError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}
