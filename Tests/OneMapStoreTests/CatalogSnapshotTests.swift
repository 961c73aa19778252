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
        let writer = try makeStore(dir)
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

    @Test func aStoreThatCannotBeReadFailsInsteadOfAnsweringFromTheSnapshot() throws {
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
