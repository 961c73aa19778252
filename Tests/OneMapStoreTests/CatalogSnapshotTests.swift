import Foundation
import OneMapGeometry
import Testing

@testable import OneMapStore

@Suite struct CatalogSnapshotTests {
    @Test func theSnapshotMovesForwardIncrementallyWithEachChange() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        #expect(store.snapshot.sequence == 0 && store.snapshot.layers.isEmpty)
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "wells"))
        let afterImport = store.snapshot
        #expect(afterImport.layers["wells"] != nil && afterImport.sequence == 1 && afterImport.changes.sequence == 1)
        // Edits add their own areas; an untouched area keeps the import's sequence.
        let point = Coordinate(116.9, 38.4)
        let edit = try store.createFeature(in: "wells", FeatureInput(geometry: .point(point), properties: [:]), for: .system)
        let snapshot = store.snapshot
        #expect(snapshot.sequence == 2 && snapshot.layers["wells"]?.version == edit.layer.version)
        #expect(snapshot.changes.latest(layer: "wells", touching: BoundingBox(minX: 116.89, minY: 38.39, maxX: 116.91, maxY: 38.41)) == 2)
        #expect(snapshot.changes.latest(layer: "wells", touching: BoundingBox(minX: 0, minY: 0, maxX: 1, maxY: 1)) <= 1)
    }

    @Test func aSecondProcessesChangesAreSeenOnlyWhenAskedOnceReadsStopChecking() throws {
        let dir = TemporaryDirectory()
        let reader = try makeStore(dir)
        reader.refreshOnlyWhenAsked()
        let writer = try Store(path: reader.path)
        _ = try writer.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "wells"))
        #expect(reader.snapshot.layers["wells"] == nil)
        try reader.refresh()
        #expect(reader.snapshot.layers["wells"] != nil)
    }

    @Test func theChangeIndexStaysShortAndNeverForgetsAChange() {
        var index = ChangeIndex()
        let limit = ChangeIndex.compactionLimit
        for i in 1...(limit * 3) {
            let x = Double(i) * 0.001
            index.add(LayerChange(sequence: Int64(i), layerID: "a", version: i, area: nil), lonLatArea: BoundingBox(minX: x, minY: 0, maxX: x + 0.0005, maxY: 0.0005))
        }
        #expect(index.entryCount(layer: "a") <= limit)
        // Every change is still answered, at its own sequence or a later one (never missed).
        for i in stride(from: 1, through: limit * 3, by: 37) {
            let x = Double(i) * 0.001
            #expect(index.latest(layer: "a", touching: BoundingBox(minX: x + 0.0001, minY: 0.0001, maxX: x + 0.0002, maxY: 0.0002)) >= Int64(i))
        }
        // The newest are still exact.
        let last = limit * 3
        #expect(index.latest(layer: "a", touching: BoundingBox(minX: Double(last) * 0.001 + 0.0001, minY: 0.0001, maxX: Double(last) * 0.001 + 0.0002, maxY: 0.0002)) == Int64(last))
        #expect(index.latest(layer: "a", touching: BoundingBox(minX: 50, minY: 50, maxX: 51, maxY: 51)) == 0)
        // A whole-layer change outdates the rest.
        index.add(LayerChange(sequence: Int64(last + 1), layerID: "a", version: last + 1, area: nil), lonLatArea: nil)
        #expect(index.entryCount(layer: "a") == 1 && index.latest(layer: "a", touching: BoundingBox(minX: 50, minY: 50, maxX: 51, maxY: 51)) == Int64(last + 1))
    }

    @Test(spatiaLiteOnly) func aStoreThatCannotBeReadFailsInsteadOfAnsweringFromTheSnapshot() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        store.refreshOnlyWhenAsked()
        try store.pool.write { db in try db.execute(sql: "ALTER TABLE layer_changes RENAME TO gone") }
        #expect(throws: StoreError.self) { try store.refresh() }
        #expect(throws: StoreError.self) { try store.layers(for: .system) }
        try store.pool.write { db in try db.execute(sql: "ALTER TABLE gone RENAME TO layer_changes") }
        try store.refresh()
        #expect(try store.layers(for: .system).isEmpty)
    }
}

/// The feed's compaction, on both backends (each keeps it the same way).
@Suite struct ChangeFeedCompactionTests {
    static func rows(_ store: Store, _ layer: String) throws -> Int {
        if let postgis = store.backend as? PostGISStore {
            return try postgis.pool.with { c in Int(try c.query("SELECT count(*) FROM onemap_changes WHERE layer_id = $1", [.text(layer)]).int64(0, 0) ?? 0) }
        }
        return try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM layer_changes WHERE layer_id = ?", arguments: [layer]) ?? 0 }
    }

    /// Records a whole-layer change, then compacts, as a write would.
    static func recordWholeLayerChangeAndCompact(_ store: Store, _ layer: String) throws {
        if let postgis = store.backend as? PostGISStore {
            try postgis.pool.transaction { c in try PostGISStore.recordChange(layerID: layer, version: 99, area: nil, in: c) }
            try postgis.pool.transaction { c in try PostGISStore.compactChanges(rowsPerLayer: PostGISStore.changeRowsPerLayer, in: c) }
        } else {
            try store.pool.write { db in try SpatiaLiteStore.recordChange(layerID: layer, version: 99, area: nil, in: db) }
            try store.pool.write { db in try SpatiaLiteStore.compactChanges(rowsPerLayer: SpatiaLiteStore.changeRowsPerLayer, in: db) }
        }
    }

    @Test func theFeedStaysShortAndAStoreOpenedLaterStillSeesEveryChange() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "wells"))
        // Edits far apart, each remembered with the sequence it was recorded at.
        let edits = SpatiaLiteStore.changeRowsPerLayer * 2 + 10
        var recorded: [(Coordinate, Int64)] = []
        for i in 0..<edits {
            let point = Coordinate(100 + Double(i) * 0.01, 30)
            _ = try store.createFeature(in: "wells", FeatureInput(geometry: .point(point), properties: [:]), for: .system)
            recorded.append((point, try store.latestChangeSequence()))
        }
        // Compacted on the way: never more than the limit plus the changes since the last look.
        let rows = try Self.rows(store, "wells")
        #expect(rows <= SpatiaLiteStore.changeRowsPerLayer + SpatiaLiteStore.changeRowsPerLayer / 2 && rows < edits / 2, "\(rows) rows")
        // A process that starts now reads the short feed and misses no change: each edit's
        // place is stale from its own sequence or a later one, and the newest are exact.
        let later = try Store(path: store.path)
        let snapshot = later.snapshot
        #expect(snapshot.sequence == recorded.last!.1)
        for (point, seq) in recorded {
            let box = BoundingBox(minX: point.x - 0.001, minY: point.y - 0.001, maxX: point.x + 0.001, maxY: point.y + 0.001)
            #expect(snapshot.changes.latest(layer: "wells", touching: box) >= seq)
        }
        let (newest, newestSeq) = recorded.last!
        #expect(snapshot.changes.latest(layer: "wells", touching: BoundingBox(minX: newest.x - 0.001, minY: 29.999, maxX: newest.x + 0.001, maxY: 30.001)) == newestSeq)
        #expect(snapshot.changes.latest(layer: "wells", touching: BoundingBox(minX: -50, minY: -50, maxX: -49, maxY: -49)) == 0)
    }

    @Test func aWholeLayerChangeOutdatesTheChangesBeforeIt() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "wells"))
        for i in 0..<5 {
            _ = try store.createFeature(in: "wells", FeatureInput(geometry: .point(Coordinate(100 + Double(i), 30)), properties: [:]), for: .system)
        }
        try Self.recordWholeLayerChangeAndCompact(store, "wells")
        let whole = try store.latestChangeSequence()
        #expect(try Self.rows(store, "wells") == 1)
        #expect(try Store(path: store.path).snapshot.changes.latest(layer: "wells", touching: BoundingBox(minX: 100, minY: 29, maxX: 101, maxY: 31)) == whole)
    }
}
