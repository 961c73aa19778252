import Foundation
import GRDB
import Testing

@testable import OneMapStore
import OneMapGeometry

/// Every bad input gets a clear error and leaves the store exactly as it was.
@Suite struct BadInputTests {
    /// A store that already holds a layer, so "unchanged" means more than "empty".
    func seededStore(_ dir: TemporaryDirectory) throws -> Store {
        let store = try makeStore(dir)
        _ = try store.importLayer(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "existing"))
        return store
    }

    func expectUnchanged(_ request: ImportRequest, throws expected: (StoreError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = TemporaryDirectory()
        let store = try seededStore(dir)
        let before = try StoreSnapshot(store)
        do {
            _ = try store.importLayer(request)
            Issue.record("import of \(request.source) succeeded", sourceLocation: sourceLocation)
        } catch let error as StoreError {
            #expect(expected(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
            #expect(!error.description.isEmpty)
        }
        let after = try StoreSnapshot(store)
        #expect(after == before, "\(before) became \(after)", sourceLocation: sourceLocation)
    }

    @Test func missingFile() throws {
        try expectUnchanged(ImportRequest(source: "/nonexistent/roads.shp", layerID: "roads")) {
            if case .sourceMissing = $0 { true } else { false }
        }
    }

    @Test func corruptFile() throws {
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("corrupt.gpkg"), layerID: "roads")) {
            if case .sourceUnreadable = $0 { true } else { false }
        }
    }

    @Test func truncatedGeoJSON() throws {
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("truncated.geojson"), layerID: "roads")) {
            if case .sourceUnreadable = $0 { true } else { false }
        }
    }

    @Test func unknownCRS() throws {
        #expect(throws: GeometryError.unknownCRS("EPSG:999999")) { try CRS(parsing: "EPSG:999999") }
        // A layer file naming an unknown storage CRS is refused with the JSON path.
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("Layers"), withIntermediateDirectories: true)
        try #"{"id": "roads", "title": "道路", "group": "base", "kind": "vector", "storageCrs": "EPSG:999999", "access": "public"}"#
            .write(toFile: dir.file("Layers/roads.json"), atomically: true, encoding: .utf8)
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "roads", layersDirectory: dir.file("Layers"))) {
            if case .invalidLayerFile(_, let problems) = $0 { problems == ["$.storageCrs: unknown CRS 'EPSG:999999'"] } else { false }
        }
    }

    @Test func existingLayerID() throws {
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("polygons.geojson"), layerID: "existing")) {
            $0 == .layerExists("existing")
        }
    }

    @Test func invalidLayerID() throws {
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("polygons.geojson"), layerID: "Roads; DROP TABLE layers")) {
            if case .invalidLayerID = $0 { true } else { false }
        }
    }

    @Test func mixedGeometryTypes() throws {
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("mixed.geojson"), layerID: "mixed")) {
            if case .mixedGeometryTypes(let detail) = $0 { detail.contains("LineString: 2") && detail.contains("Point: 1") } else { false }
        }
    }

    @Test func nonUTF8TextWithoutEncoding() throws {
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("gbk.shp"), layerID: "gbk")) {
            if case .notUTF8(let field, _) = $0 { field == "name" } else { false }
        }
    }

    @Test func shapefileWithoutPrj() throws {
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("noprj.shp"), layerID: "noprj")) {
            if case .noCRS = $0 { true } else { false }
        }
    }

    @Test func emptySource() throws {
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("empty.geojson"), layerID: "empty")) {
            if case .emptySource = $0 { true } else { false }
        }
    }

    @Test func rasterWithoutGeoreference() throws {
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("nogeo.tif"), layerID: "dem", kind: .dem)) {
            if case .noGeoreference = $0 { true } else { false }
        }
    }

    @Test func vectorFileAsRaster() throws {
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "dem", kind: .dem)) {
            if case .sourceUnreadable = $0 { true } else { false }
        }
    }

    @Test func failureHalfwayThroughRollsBack() throws {
        // The layer file requires an integer; the third feature's value is not one. Two rows are
        // already inserted when it fails: none may remain.
        let dir = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("Layers"), withIntermediateDirectories: true)
        try #"{"id": "typed", "title": "t", "group": "g", "kind": "vector", "access": "public", "attributes": [{"name": "name", "type": "integer"}]}"#
            .write(toFile: dir.file("Layers/typed.json"), atomically: true, encoding: .utf8)
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("points.geojson"), layerID: "typed", layersDirectory: dir.file("Layers"))) {
            if case .invalidAttribute(let detail) = $0 { detail.contains("沧州火车站") } else { false }
        }
    }

    @Test func replacingWithBadInputKeepsTheOldLayer() throws {
        try expectUnchanged(ImportRequest(source: Fixtures.importFile("mixed.geojson"), layerID: "existing", replace: true)) {
            if case .mixedGeometryTypes = $0 { true } else { false }
        }
    }
}

@Suite struct LayerFileTests {
    @Test func reportsEveryProblemWithItsJSONPath() throws {
        let dir = TemporaryDirectory()
        try #"""
            {"id": "roads", "title": "道路", "group": "base", "kind": "vektor", "acess": "public",
             "attributes": [{"name": "name", "type": "string"}, {"name": "fid", "type": "integer", "colour": "red"}]}
            """#.write(toFile: dir.file("roads.json"), atomically: true, encoding: .utf8)
        #expect(throws: StoreError.invalidLayerFile(path: dir.file("roads.json"), problems: [
            "$.acess: unknown key", "$.kind: 'vektor' is not vector, dem or dom", "$.access: missing",
            "$.attributes[0].type: must be integer, real, text or date", "$.attributes[1].colour: unknown key",
            "$.attributes[1].name: 'fid' is reserved",
        ])) { try LayerFile.load(path: dir.file("roads.json")) }
    }

    @Test func writesWhatItReads() throws {
        let dir = TemporaryDirectory()
        let file = LayerFile(
            path: dir.file("grids.json"), id: "grids", title: "单元网格", group: "grid", kind: .vector, geometryType: .polygon,
            storageCRS: .cgcs2000, access: .internal, synthetic: true, source: "generated", description: "万米单元网格",
            attributes: [AttributeField(name: "code", type: .text, title: "网格编码", required: true, searchable: true, codes: ["a": "b"])])
        try file.write()
        #expect(try LayerFile.load(path: dir.file("grids.json")) == file)
    }
}

/// A full disk is its own error (the server answers 507, the command line says so), not a
/// generic database failure.
@Suite struct StorageFullTests {
    @Test func sqliteFullAndENOSPCAreStorageFull() {
        let full = GRDB.DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full")
        #expect(SpatiaLiteStore.storeError(full) == .storageFull)
        #expect(StoreError.wrap(POSIXError(.ENOSPC)) == .storageFull)
        #expect(StoreError.wrap(CocoaError(.fileWriteOutOfSpace)) == .storageFull)
        // Told by the code, not the words: a message that merely mentions a full disk is not one.
        #expect(SpatiaLiteStore.storeError(GRDB.DatabaseError(resultCode: .SQLITE_CORRUPT, message: "database or disk is full")) != .storageFull)
        #expect(StoreError.storageFull.description.contains("full"))
    }
}
