import Crypto
import Foundation
import OneMapGeometry

/// What `StoreCopy` did with one layer, or with one kind of record (`records` set: accounts,
/// cases, incidents, the road network, the audit log).
public struct LayerCopyResult: Sendable {
    public let layer: Layer
    /// The kind of record copied, when this is not a layer.
    public var records: String? = nil
    /// Features (vector) or tiles (raster) copied.
    public let count: Int
    /// SHA-256 over the rows as read back from the destination; equal to the source's.
    public let checksum: String
    public let seconds: Double
}

/// Copies a whole store between backends (SpatiaLite → PostGIS and back), layer by layer:
/// each layer streams from the source's reads into the destination's bulk load in one
/// transaction, then both sides are read again and compared by count and checksum. A copy of
/// the whole store then moves its records the same way (`copyRecords`).
///
/// The checksum is taken through the roles, the same way on both backends: feature ids,
/// geometries as canonical WKB and attribute values, in id order (tiles by level, row, column),
/// so it compares what the stores hold, not how they hold it.
public enum StoreCopy {
    /// Layers a domain keeps (cases, incidents) are copied with their records, not as layers.
    public static func copyable(_ layer: Layer) -> Bool { layer.managedBy == nil }

    /// Copies `layers` (all copyable ones when nil), calling `progress(layer, done, total)`.
    /// - Throws: `StoreError.layerExists` when the destination holds one already (nothing is
    ///   copied then), `StoreError.schemaMismatch` when a copy reads back differently.
    public static func copy(from source: any StoreBackend, to destination: any StoreBackend, layers ids: [String]? = nil,
                            progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> [LayerCopyResult] {
        let catalog = try source.allLayers()
        let chosen: [Layer]
        if let ids {
            chosen = try ids.map { id in
                guard let layer = catalog[id] else { throw StoreError.layerNotFound(id) }
                guard copyable(layer) else {
                    throw StoreError.invalidArgument("layer '\(id)' is kept by the \(layer.managedBy ?? "") workflow: it is copied with its records, in a copy of the whole store (without --layer)")
                }
                return layer
            }
        } else {
            chosen = catalog.values.filter(copyable).sorted { $0.id < $1.id }
        }
        // Check every destination id first, so a conflict stops the copy before anything is written.
        let existing = try destination.allLayers()
        if let clash = chosen.first(where: { existing[$0.id] != nil }) { throw StoreError.layerExists(clash.id) }

        var results: [LayerCopyResult] = []
        // A whole-store copy also moves the records; check first that the destination has none of them.
        let wholeStore = ids == nil
        if wholeStore { try requireNoRecords(in: destination, from: source) }
        for layer in chosen {
            let started = Date()
            let total = layer.kind == .vector ? layer.featureCount : 0
            var done = 0
            let copied: Layer
            // The source is hashed as it streams past (one read of it), the destination read back.
            var digest = RowDigest()
            switch layer.kind {
            case .vector:
                let prepared = try source.prepare(FeatureQuery(limit: Int.max), on: layer)
                copied = try destination.loadVectorLayer(layer) { add in
                    _ = try source.run(prepared) { f in
                        let wkb = f.geometry.isEmpty ? nil : try f.geometry.wellKnownBinary()
                        try add(f.id, wkb, f.values)
                        digest.feature(f.id, wkb, f.values)
                        done += 1
                        if done % 1024 == 0 { progress(layer.id, done, total) }
                    }
                }
            case .dem, .dom:
                copied = try destination.loadRasterLayer(layer) { add in
                    try source.rasterTiles(layer) { tile in
                        try add(tile)
                        digest.tile(tile)
                        done += 1
                        if done % 64 == 0 { progress(layer.id, done, total) }
                    }
                }
            }
            progress(layer.id, done, total)
            let before = digest.result
            let after = try checksum(copied, in: destination)
            guard before == after else {
                throw StoreError.schemaMismatch(
                    "layer '\(layer.id)' reads back differently: \(before.count) rows (\(before.digest.prefix(12))) copied, \(after.count) rows (\(after.digest.prefix(12))) found")
            }
            results.append(LayerCopyResult(layer: copied, count: after.count, checksum: after.digest, seconds: Date().timeIntervalSince(started)))
        }
        if wholeStore {
            for r in try copyRecords(from: source, to: destination, progress: progress) {
                results.append(r)
            }
        }
        try destination.checkpoint()
        return results
    }

    /// The layer's row count and SHA-256 (hex) as `backend` reads it.
    public static func checksum(_ layer: Layer, in backend: any StoreBackend) throws -> (count: Int, digest: String) {
        var digest = RowDigest()
        switch layer.kind {
        case .vector:
            _ = try backend.run(try backend.prepare(FeatureQuery(limit: Int.max), on: layer)) { f in
                digest.feature(f.id, f.geometry.isEmpty ? nil : try f.geometry.wellKnownBinary(), f.values)
            }
        case .dem, .dom:
            try backend.rasterTiles(layer) { digest.tile($0) }
        }
        return digest.result
    }

    /// SHA-256 (hex) of text.
    static func digest(_ text: String) -> String { hex(SHA256.hash(data: Data(text.utf8))) }

    static func hex(_ digest: some Sequence<UInt8>) -> String { digest.map { String(format: "%02x", $0) }.joined() }
}

/// The checksum of a layer's rows, one row at a time: feature ids, geometries as canonical WKB
/// and attribute values (tiles: level, row, column, bytes), each length-prefixed.
struct RowDigest {
    private var hash = SHA256()
    private var row: [UInt8] = []
    private(set) var count = 0

    private mutating func integer(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { row.append(contentsOf: $0) } }

    private mutating func bytes(_ b: some Collection<UInt8>) {
        integer(Int64(b.count))
        row.append(contentsOf: b)
    }

    mutating func feature(_ id: Int64, _ wkb: [UInt8]?, _ values: [FeatureValue]) {
        row.removeAll(keepingCapacity: true)
        integer(id)
        if let wkb { bytes(wkb) } else { integer(-1) }
        for v in values {
            switch v {
            case .null: row.append(0)
            case .integer(let i): row.append(1); integer(i)
            case .real(let d): row.append(2); integer(Int64(bitPattern: d.bitPattern))
            case .text(let s): row.append(3); bytes(Array(s.utf8))
            }
        }
        hash.update(data: row)
        count += 1
    }

    mutating func tile(_ tile: RasterTileRecord) {
        row.removeAll(keepingCapacity: true)
        integer(Int64(tile.level)); integer(Int64(tile.row)); integer(Int64(tile.col))
        bytes(tile.data)
        hash.update(data: row)
        count += 1
    }

    var result: (count: Int, digest: String) { (count, StoreCopy.hex(hash.finalize())) }
}
