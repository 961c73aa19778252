import Foundation
import GRDB
import OneMapGeometry

extension SpatiaLiteStore {
    // MARK: LayerImporter

    public func importLayer(_ request: ImportRequest, file: LayerFile?, progress: ImportProgress?) throws -> ImportSummary {
        switch request.kind {
        case .vector: try VectorImport(store: self, request: request, file: file, progress: progress).run()
        case .dem, .dom: try RasterImport(store: self, request: request, file: file, progress: progress).run()
        }
    }

    /// A table name for a new layer table: the id, or the id with a suffix while that is taken.
    func freeTableName(for id: String, in db: Database) throws -> String {
        var name = id
        var n = 2
        while try db.tableExists(name) || db.tableExists("idx_\(name)_geom") {
            name = "\(id)_\(n)"
            n += 1
        }
        return name
    }

    /// Shared catalog bookkeeping at the end of an import, inside its transaction: drop what the
    /// layer replaced, save the new catalog row and record the changed area.
    static func finishImport(_ layer: inout Layer, replacing old: Layer?, in db: Database) throws {
        if let old {
            try dropTable(old.table, kind: old.kind, in: db)
            layer.version = old.version + 1
        }
        try saveLayer(layer, in: db)
        try recordChange(layerID: layer.id, version: layer.version, area: layer.areaChanged(replacing: old), in: db)
    }
}

/// Holds a value handed from one thread to another where Swift cannot prove the hand-over safe
/// (a GDAL reader that only the reader thread uses after the hand-over).
final class HandOver<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
