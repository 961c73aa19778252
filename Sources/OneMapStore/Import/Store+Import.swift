import Foundation
import OneMapGeometry

extension Store {
    /// Imports a vector or raster source as a layer, in one transaction: the store either gains
    /// (or replaces) the whole layer or stays exactly as it was.
    /// - Throws: `StoreError` describing bad input (missing or corrupt file, unknown CRS, mixed
    ///   geometry types, undecodable text, an existing id without `replace`, ...).
    public func importLayer(_ request: ImportRequest, progress: ImportProgress? = nil) throws -> ImportSummary {
        guard Layer.isValidID(request.layerID) else { throw StoreError.invalidLayerID(request.layerID) }
        if try layerExists(request.layerID) && !request.replace { throw StoreError.layerExists(request.layerID) }
        var file: LayerFile?
        if let dir = request.layersDirectory {
            let path = (dir as NSString).appendingPathComponent("\(request.layerID).json")
            if FileManager.default.fileExists(atPath: path) {
                file = try LayerFile.load(path: path)
                if let file, file.kind != request.kind {
                    throw StoreError.invalidArgument("layer file \(path) declares kind \(file.kind.rawValue), the import asked for \(request.kind.rawValue)")
                }
            }
        }
        let summary: ImportSummary
        switch request.kind {
        case .vector: summary = try VectorImport(store: self, request: request, file: file, progress: progress).run()
        case .dem, .dom: summary = try RasterImport(store: self, request: request, file: file, progress: progress).run()
        }
        if file == nil, let dir = request.layersDirectory, FileManager.default.fileExists(atPath: dir) {
            try? LayerFile.describing(summary.layer, directory: dir).write()
        }
        return summary
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
        var area = layer.extent
        if let o = old?.extent { area = area.map { $0.union(o) } ?? o }
        try recordChange(layerID: layer.id, version: layer.version, area: area, in: db)
    }
}

import GRDB

/// Holds a value handed from one thread to another where Swift cannot prove the hand-over safe
/// (a GDAL reader that only the reader thread uses after the hand-over).
final class HandOver<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
