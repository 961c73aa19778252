import Foundation
import OneMapGeometry
import OneMapTestSupport
import Synchronization
import Testing

@testable import OneMapStore

/// What only the PostGIS backend does: copies between backends, announcements to other
/// instances, and its errors. (The shared behaviour is the other suites, run on both backends.)
@Suite struct PostGISStoreTests {
    /// A new database in the test cluster.
    static func database() throws -> String { try TestStores.newPostGISDatabase() }

    /// A SpatiaLite store with points, polygons (one repaired), a DEM and an orthophoto.
    static func spatiaLiteCity(_ dir: TemporaryDirectory) throws -> Store {
        let store = try Store(path: dir.file("city.sqlite"))
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "pois"))
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("polygons.geojson"), layerID: "parcels"))
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("gk_dem.tif"), layerID: "dem", kind: .dem))
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("gk_dom.tif"), layerID: "dom", kind: .dom))
        return store
    }

    @Test func aStoreCopiesToPostGISAndBackUnchanged() throws {
        let dir = TemporaryDirectory()
        let source = try Self.spatiaLiteCity(dir)
        let url = try Self.database()
        let postgis = try Store(path: url)
        let there = try StoreCopy.copy(from: source.backend, to: postgis.backend)
        #expect(there.map(\.layer.id) == ["dem", "dom", "parcels", "pois"])
        #expect(there.first { $0.layer.id == "pois" }?.count == 3)
        // Back into a new file: every layer reads the same on all three stores.
        let back = try Store(path: dir.file("back.sqlite"))
        let again = try StoreCopy.copy(from: postgis.backend, to: back.backend)
        for (a, b) in zip(there, again) {
            #expect(a.checksum == b.checksum && a.count == b.count, "\(a.layer.id)")
            #expect(try StoreCopy.checksum(try source.layer(a.layer.id, for: .system), in: source.backend).digest == a.checksum)
        }
        // Feature ids, values, geometry and the catalog entry survive both ways.
        let original = try source.backend.features(of: try source.layer("pois", for: .system), bbox: nil)
        #expect(try postgis.backend.features(of: try postgis.layer("pois", for: .system), bbox: nil) == original)
        #expect(try back.backend.features(of: try back.layer("pois", for: .system), bbox: nil) == original)
        var entry = try postgis.layer("parcels", for: .system), sourceEntry = try source.layer("parcels", for: .system)
        entry.table = sourceEntry.table
        #expect(entry == sourceEntry)
        // Raster tiles answer elevations the same.
        let p = Coordinate(500_010, 4_250_010)
        #expect(try postgis.elevation(layer: "dem", at: p, for: .system) == source.elevation(layer: "dem", at: p, for: .system))
        #expect(try postgis.check().isHealthy && back.check().isHealthy)
        // New features get ids after the copied ones.
        let made = try postgis.createFeature(in: "pois", FeatureInput(geometry: .point(Coordinate(116.8, 38.3)), properties: ["name": .text("新点")]), for: .system)
        #expect(made.feature.id == 5)
    }

    @Test func aCopyOntoLayersThatExistChangesNothing() throws {
        let dir = TemporaryDirectory()
        let source = try Self.spatiaLiteCity(dir)
        let postgis = try Store(path: try Self.database())
        _ = try StoreCopy.copy(from: source.backend, to: postgis.backend, layers: ["pois"])
        let before = try StoreSnapshot(postgis)
        #expect(throws: StoreError.layerExists("pois")) { try StoreCopy.copy(from: source.backend, to: postgis.backend) }
        #expect(throws: StoreError.layerNotFound("nosuch")) { try StoreCopy.copy(from: source.backend, to: postgis.backend, layers: ["nosuch"]) }
        #expect(try StoreSnapshot(postgis) == before)
    }

    @Test func aLoadThatFailsHalfwayLeavesNothing() throws {
        let postgis = try Store(path: try Self.database())
        let layer = Layer(id: "broken", title: "broken", group: "test", kind: .vector, geometryType: .point, storageCRS: .cgcs2000,
                          attributes: [AttributeField(name: "n", type: .integer)], access: .public, featureCount: 2, extent: nil, version: 1,
                          source: "test", synthetic: true, importedAt: "2026-12-05T00:00:00Z", table: "broken")
        let before = try StoreSnapshot(postgis)
        #expect(throws: StoreError.self) {
            _ = try postgis.backend.loadVectorLayer(layer) { add in
                try add(1, WKB.encode(.point(Coordinate(116.8, 38.3))), [.integer(1)])
                try add(2, WKB.encode(.point(Coordinate(116.8, 38.3))), [.integer(1), .integer(2)])
            }
        }
        #expect(try StoreSnapshot(postgis) == before)
        #expect(try TestStores.psqlValue(postgis.path, "SELECT to_regclass('layer_broken') IS NULL") == "t")
    }

    @Test func anEditThroughOneInstanceIsAnnouncedToTheOthers() throws {
        let dir = TemporaryDirectory()
        let url = try Self.database()
        let a = try Store(path: url), b = try Store(path: url)
        _ = try a.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "pois"))
        b.refreshOnlyWhenAsked()
        try b.refresh()
        let heard = Atomic<Int>(0)
        #expect(try b.backend.observeChanges { heard.add(1, ordering: .relaxed) })
        _ = try a.createFeature(in: "pois", FeatureInput(geometry: .point(Coordinate(116.85, 38.35)), properties: [:]), for: .system)
        let deadline = Date().addingTimeInterval(1)
        while heard.load(ordering: .relaxed) == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(heard.load(ordering: .relaxed) >= 1, "no announcement within a second")
        try b.refresh()
        #expect(b.snapshot.layers["pois"]?.featureCount == 4)
        #expect(b.snapshot.changes.latest(layer: "pois", touching: BoundingBox(minX: 116.849, minY: 38.349, maxX: 116.851, maxY: 38.351)) == b.snapshot.sequence)
        _ = dir
    }

    @Test func readsGoToTheReplicaAndRefreshesWaitForItToCatchUp() throws {
        guard let replicaServer = ProcessInfo.processInfo.environment["ONEMAP_TEST_POSTGRES_REPLICA"], var replica = URLComponents(string: replicaServer) else {
            throw TestStoreError(description: "this test needs ONEMAP_TEST_POSTGRES_REPLICA (run it through Tools/test.sh)")
        }
        let url = try Self.database()
        replica.path = URLComponents(string: url)!.path
        // The new database reaches the replica by streaming.
        let deadline = Date().addingTimeInterval(20)
        while (try? TestStores.psqlValue(replica.string!, "SELECT 1")) != "1" && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(try TestStores.psqlValue(replica.string!, "SELECT pg_is_in_recovery()") == "t")
        let writer = try Store(path: url)
        let store = try Store(path: url, readReplica: replica.string!)
        store.refreshOnlyWhenAsked()
        let heard = Atomic<Int>(0)
        #expect(try store.backend.observeChanges { heard.add(1, ordering: .relaxed) })
        // A write through the store goes to the primary (the replica refuses writes).
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "pois"))
        let seen = Date().addingTimeInterval(5)
        while heard.load(ordering: .relaxed) == 0 && Date() < seen { Thread.sleep(forTimeInterval: 0.01) }
        #expect(heard.load(ordering: .relaxed) >= 1)
        // When the announcement's handler runs, the replica has the change: one refresh sees it.
        try store.refresh()
        #expect(store.snapshot.layers["pois"]?.featureCount == 3)
        // Reads of features are the replica's: its connections belong to this store.
        #expect(try store.backend.features(of: try store.layer("pois", for: .system), bbox: nil).count == 3)
        let connections = try TestStores.psqlValue(replica.string!, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        #expect((Int(connections) ?? 0) >= 1)
        _ = writer
    }

    @Test func aReadReplicaNeedsAPostGISStore() throws {
        let dir = TemporaryDirectory()
        #expect(throws: StoreError.self) { try Store(path: dir.file("s.sqlite"), readReplica: "postgresql://x@127.0.0.1:1/db") }
        #expect(!FileManager.default.fileExists(atPath: dir.file("s.sqlite")))
    }

    @Test func aWrongDatabaseIsAClearErrorWithoutThePassword() throws {
        guard let server = ProcessInfo.processInfo.environment["ONEMAP_TEST_POSTGRES"], var url = URLComponents(string: server) else {
            throw TestStoreError(description: "these tests need ONEMAP_TEST_POSTGRES")
        }
        url.path = "/no_such_database"
        url.password = "s3cret-word"
        do {
            _ = try Store(path: url.string!)
            Issue.record("opened a database that does not exist")
        } catch let error as StoreError {
            #expect(error.description.contains("no_such_database") && !error.description.contains("s3cret-word"), "\(error)")
        }
    }

    @Test func changeNumbersBecomeVisibleInTheOrderTheyAreDrawn() throws {
        let url = try Self.database()
        let store = try Store(path: url)
        // T1 records a change and keeps its transaction open: T2's change waits for T1's commit, so
        // no reader can see T2's number before T1's.
        let c1 = try PGConnection(url: url), c2 = try PGConnection(url: url)
        try c1.execute("BEGIN")
        try PostGISStore.recordChange(layerID: "first", version: 1, area: nil, in: c1)
        let recorded = Atomic<Bool>(false)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            try? c2.execute("BEGIN")
            try? PostGISStore.recordChange(layerID: "second", version: 1, area: nil, in: c2)
            recorded.store(true, ordering: .sequentiallyConsistent)
            try? c2.execute("COMMIT")
            done.signal()
        }
        thread.start()
        Thread.sleep(forTimeInterval: 0.3)
        let early = recorded.load(ordering: .sequentiallyConsistent)
        #expect(!early, "the second change got its number while the first was open")
        try c1.execute("COMMIT")
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(try store.backend.changes(after: 0).map(\.layerID) == ["first", "second"])
    }

    @Test func aLayerReplacedWithOtherTypesByAnotherInstanceReadsAfterRefresh() throws {
        let dir = TemporaryDirectory()
        let url = try Self.database()
        let a = try Store(path: url), b = try Store(path: url)
        // `kind` is text in the points and `kind` is missing in the polygons: the prepared reads change.
        _ = try a.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "x"))
        let before = try a.queryFeatures(layer: "x", FeatureQuery(limit: 10), for: .system) { _ in }
        #expect(before.returned == 3)
        _ = try b.importLayer(ImportRequest(source: Fixtures.importFile("polygons.geojson"), layerID: "x", replace: true))
        try a.refresh()
        let after = try a.queryFeatures(layer: "x", FeatureQuery(limit: 10), for: .system) { _ in }
        #expect(after.returned == 3 && after.layer.geometryType == .multiPolygon && after.layer.version == 2)
        // The old table is gone, the new one has its own name.
        #expect(try TestStores.psqlValue(url, "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'layer_x%'") == "1")
        _ = dir
    }

    @Test func longLayerIdsGetTablesOfTheirOwn() throws {
        let url = try Self.database()
        let store = try Store(path: url)
        let long = String(repeating: "a", count: 60)
        for id in [long + "b", long + "c"] {
            _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: id))
        }
        let tables = Set(try store.layers(for: .system).map(\.table))
        #expect(tables.count == 2 && tables.allSatisfy { $0.utf8.count <= 50 })
        #expect(try store.queryFeatures(layer: long + "c", FeatureQuery(limit: 10), for: .system) { _ in }.returned == 3)
    }

    @Test func aCaseNumberTakenByAnotherInstanceIsSaidToExist() throws {
        let url = try Self.database()
        let a = try Store(path: url), b = try Store(path: url)
        try a.backend.ensureCaseLayer(title: "案件", access: .internal)
        let record = CaseRecord(id: 0, number: "202612050001", source: "监督员", kind: "event", classCode: "0102", className: "暴露垃圾", majorName: "市容环境",
                                description: "路边暴露垃圾", address: "某路1号", location: Coordinate(116.8, 38.3), gridCode: "G1", communityCode: "C1",
                                communityName: "社区", streetCode: "S1", streetName: "街道", componentCode: nil, department: nil, state: "reported", urgent: false,
                                reporter: "sup", reportedAt: "2026-12-05T01:00:00Z", stage: "accept", stageStartedAt: "2026-12-05T01:00:00Z",
                                stageDeadline: nil, handleLimitMinutes: 60)
        let step = CaseStep(action: "report", fromState: nil, toState: "reported", actor: "sup", role: "supervisor", at: "2026-12-05T01:00:00Z")
        _ = try a.backend.insertCase(record, step: step, audit: nil)
        do {
            _ = try b.backend.insertCase(record, step: step, audit: nil)
            Issue.record("a second case took a taken number")
        } catch StoreError.invalidArgument(let message) {
            #expect(message.contains("exists"))
        }
        #expect(try a.backend.cases(CaseQuery(limit: 10, offset: 0)).matched == 1)
    }

    @Test func passwordsNeverShowInTheStoresLocation() {
        #expect(PGURL.redacted("postgresql://u:s3cret@h:5432/db") == "postgresql://u:***@h:5432/db")
        #expect(!PGURL.redacted("postgresql://u@h/db?sslmode=require&password=s3cret").contains("s3cret"))
    }
}
