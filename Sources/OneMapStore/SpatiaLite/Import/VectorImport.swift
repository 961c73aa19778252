import Foundation
import GRDB
import OneMapGeometry

/// One vector import: OGR reads and converts on a reader thread, SQLite inserts on the writer,
/// a bounded queue between them; everything lands in one transaction.
struct VectorImport {
    let store: SpatiaLiteStore
    let request: ImportRequest
    let file: LayerFile?
    let progress: ImportProgress?

    /// An output column and where its values come from.
    struct Column {
        var field: AttributeField
        var sourceIndex: Int?
    }

    /// Rows converted and ready to insert.
    struct Batch {
        var fids: [Int64] = []
        var blobs: [[UInt8]] = []
        var boxes: [BoundingBox] = []
        var values: [FeatureValue] = []
    }

    /// What the reader thread found, read by the writer after the queue ends.
    final class Tally: @unchecked Sendable {
        var read = 0
        var written = 0
        var repaired = 0
        var skipped = 0
        var lostParts = 0
        var extent = BoundingBox.empty
    }

    func run() throws -> ImportSummary {
        let started = Date()
        let messages = GDALMessages()
        let reader = try OGRVectorReader(path: request.source, sourceLayer: request.sourceLayer, encoding: request.encoding, messages: messages)
        let storageCRS = file?.storageCRS ?? .cgcs2000
        guard let srid = storageCRS.epsg else { throw StoreError.unknownCRS(storageCRS.identifier) }
        let transform = try makeTransform(reader, to: storageCRS)
        let transformation = transform.report
        let type = try resolveType(reader)
        let columns = try schema(reader)

        let queue = BatchQueue<Batch>(capacity: 8)
        let tally = Tally()
        let box = HandOver((reader, transform))
        let layerID = request.layerID
        let progress = progress
        let producer = Thread {
            let (reader, transform) = box.value
            do {
                try Self.produce(reader: reader, transform: transform, type: type, columns: columns, srid: Int32(srid),
                                 queue: queue, tally: tally, progress: progress)
                queue.finish()
            } catch {
                queue.finish(error: error)
            }
            box.value = (reader, transform)  // keep alive until done on this thread
        }
        producer.stackSize = 8 << 20
        producer.start()

        let layer: Layer = try store.write { db in
            do {
                let old = try SpatiaLiteStore.fetchCatalog(db)[layerID]
                if old != nil && !request.replace { throw StoreError.layerExists(layerID) }
                let table = try store.freeTableName(for: layerID, in: db)
                let definitions = ["fid INTEGER PRIMARY KEY"] + columns.map { "\(quoteIdentifier($0.field.name)) \($0.field.type.sqlType)" }
                try db.execute(sql: "CREATE TABLE \(quoteIdentifier(table)) (\(definitions.joined(separator: ", ")))")
                let added = try Int.fetchOne(db, sql: "SELECT AddGeometryColumn(?, 'geom', ?, ?, 'XY')",
                                             arguments: [table, srid, type.name.uppercased()])
                guard added == 1 else { throw StoreError.unknownCRS("\(storageCRS.identifier) (not in spatial_ref_sys)") }
                // The index exists from the start (empty), so SpatiaLite registers it and installs its
                // triggers; the per-row insert triggers are set aside during the bulk load and the
                // R*Tree is filled directly, then the triggers come back for later edits.
                _ = try Int.fetchOne(db, sql: "SELECT CreateSpatialIndex(?, 'geom')", arguments: [table])
                let bulk = try BulkLoad(db: db, table: table)
                let names = ["fid"] + columns.map { quoteIdentifier($0.field.name) } + ["geom"]
                let insert = try RawStatement(db, sql: "INSERT INTO \(quoteIdentifier(table)) (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))")
                let width = columns.count
                while let batch = try queue.pop() {
                    for (row, fid) in batch.fids.enumerated() {
                        if fid >= 0 { insert.bind(1, int64: fid) } else { insert.bindNull(1) }
                        for c in 0..<width { insert.bind(Int32(c + 2), batch.values[row * width + c]) }
                        insert.bind(Int32(width + 2), blob: batch.blobs[row])
                        do { try insert.step() } catch StoreError.database(let detail) where detail.contains("UNIQUE") {
                            throw StoreError.invalidArgument("feature id \(fid) appears twice in the source")
                        }
                        try bulk.index(rowID: insert.lastInsertRowID, box: batch.boxes[row])
                    }
                }
                guard tally.written > 0 else { throw StoreError.emptySource(request.source) }
                try bulk.finish()
                var layer = Layer(
                    id: layerID, title: request.title ?? file?.title ?? old?.title ?? layerID,
                    group: request.group ?? file?.group ?? old?.group ?? "other", kind: .vector, geometryType: type,
                    storageCRS: storageCRS, attributes: columns.map(\.field),
                    access: request.access ?? file?.access ?? old?.access ?? .public, featureCount: tally.written,
                    extent: tally.extent.isEmpty ? nil : tally.extent, version: 1,
                    source: request.sourceDescription ?? file?.source ?? (request.source as NSString).lastPathComponent,
                    synthetic: request.synthetic ?? file?.synthetic ?? false, importedAt: isoNow(), table: table,
                    description: file?.description ?? old?.description, transformation: transformation)
                try SpatiaLiteStore.finishImport(&layer, replacing: old, in: db)
                return layer
            } catch {
                queue.cancel()
                throw error
            }
        }
        var warnings = messages.warnings
        if tally.lostParts > 0 { warnings["repair split \(tally.lostParts) geometries into parts; kept the largest part (single-part layer)"] = tally.lostParts }
        return ImportSummary(layer: layer, read: tally.read, written: tally.written, repaired: tally.repaired, skipped: tally.skipped,
                             seconds: Date().timeIntervalSince(started), warnings: warnings, tiles: 0)
    }

    // MARK: planning

    /// The way from the source's CRS into the storage CRS, checked for ballpark guesses over the
    /// source's extent (see `CoordinateTransform.checked`).
    func makeTransform(_ reader: OGRVectorReader, to target: CRS) throws -> CoordinateTransform {
        let area = reader.extent
        func checked(_ source: CRS) throws -> CoordinateTransform { try request.transform(from: source, to: target, area: area) }
        if let srs = request.srs { return try checked(srs) }
        switch reader.sourceCRS {
        case .epsg(let n):
            guard let crs = try? CRS(parsing: "EPSG:\(n)") else { throw StoreError.unknownCRS("EPSG:\(n)") }
            return try checked(crs)
        case .wkt(let wkt):
            guard (try? NamedCRS.baseDefinition(wkt)) != nil else {
                throw StoreError.unknownCRS("the source's CRS (\(wkt.prefix(60))…)")
            }
            return try CoordinateTransform.checked(from: request.shifted(wkt) ?? NamedCRS(name: "source", base: wkt),
                                                   to: target, area: area, ballpark: request.ballpark)
        case .none:
            // lon/lat columns in a CSV are geographic by their names.
            if reader.driver == "CSV" { return try checked(.wgs84) }
            throw StoreError.noCRS(request.source)
        }
    }

    /// The layer's geometry type: from the layer file, else the source's declaration, else a scan.
    func resolveType(_ reader: OGRVectorReader) throws -> GeometryType {
        if let declared = file?.geometryType { return declared }
        if let declared = reader.declaredType {
            // A shapefile's "Polygon" layer may hold multipart features; its type is really the multi type.
            return reader.driver == "ESRI Shapefile" && declared.dimension! > 0 ? declared.plural : declared
        }
        var counts: [GeometryType: Int] = [:]
        var feature = SourceFeature()
        while try reader.next(&feature, withAttributes: false) {
            if let g = feature.geometry { counts[g.type, default: 0] += 1 }
        }
        reader.reset()
        if counts.isEmpty { throw StoreError.emptySource(request.source) }
        let dimensions = Set(counts.keys.map { $0.dimension ?? -1 })
        guard dimensions.count == 1, let d = dimensions.first, d >= 0 else {
            let text = counts.sorted { $0.value > $1.value }.map { "\($0.key.name): \($0.value)" }.joined(separator: ", ")
            throw StoreError.mixedGeometryTypes(text)
        }
        let types = Set(counts.keys)
        return types.count == 1 ? types.first! : types.first!.plural
    }

    /// Output columns: the layer file's attributes in its order, then source fields it does not name.
    func schema(_ reader: OGRVectorReader) throws -> [Column] {
        var columns: [Column] = []
        var used = Set<String>()
        func index(of name: String) -> Int? {
            reader.fields.firstIndex { $0.name == name } ?? reader.fields.firstIndex { $0.name.lowercased() == name.lowercased() }
        }
        for a in file?.attributes ?? [] {
            let i = index(of: a.name)
            if i == nil && a.required { throw StoreError.schemaMismatch("the source has no field '\(a.name)', which the layer file requires") }
            columns.append(Column(field: a, sourceIndex: i))
            used.insert(a.name.lowercased())
        }
        for (i, f) in reader.fields.enumerated() where !columns.contains(where: { $0.sourceIndex == i }) {
            var name = f.name.isEmpty ? "field_\(i + 1)" : f.name
            if ["fid", "geom"].contains(name.lowercased()) { name += "_src" }
            var unique = name
            var n = 2
            while used.contains(unique.lowercased()) {
                unique = "\(name)_\(n)"
                n += 1
            }
            used.insert(unique.lowercased())
            columns.append(Column(field: AttributeField(name: unique, type: f.type), sourceIndex: i))
        }
        return columns
    }

    // MARK: the reader thread

    static func produce(reader: OGRVectorReader, transform: CoordinateTransform, type: GeometryType, columns: [Column],
                        srid: Int32, queue: BatchQueue<Batch>, tally: Tally, progress: ImportProgress?) throws {
        let repair = GeometryRepair()
        let dimension = type.dimension ?? 2
        var feature = SourceFeature()
        var batch = Batch()
        let batchSize = 2000
        let total = reader.featureCountHint
        while try reader.next(&feature) {
            tally.read += 1
            if tally.read % 5000 == 0 { progress?(tally.read, total) }
            guard var g = feature.geometry, !g.isEmpty else {
                tally.skipped += 1
                continue
            }
            guard g.type.dimension == dimension else {
                throw StoreError.mixedGeometryTypes("\(type.name) layer, but feature \(feature.fid) is a \(g.type.name)")
            }
            g = try transform.apply(g)
            switch try repair.check(g, dimension: dimension) {
            case .empty:
                tally.skipped += 1
                continue
            case .valid(let v): g = v
            case .repaired(let r):
                g = r
                tally.repaired += 1
            }
            g = try coerce(g, to: type, fid: feature.fid, tally: tally, geos: repair.geos)
            for (c, column) in columns.enumerated() {
                guard let i = column.sourceIndex else {
                    batch.values.append(.null)
                    continue
                }
                let value = feature.values[i]
                guard let converted = value.converted(to: column.field.type) else {
                    throw StoreError.invalidAttribute("feature \(feature.fid): '\(value)' in '\(columns[c].field.name)' is not \(column.field.type.rawValue)")
                }
                if column.field.required && converted.isNull {
                    throw StoreError.invalidAttribute("feature \(feature.fid): required '\(column.field.name)' is empty")
                }
                batch.values.append(converted)
            }
            let box = g.boundingBox ?? .empty
            tally.extent.extend(box)
            batch.boxes.append(box)
            batch.fids.append(feature.fid)
            batch.blobs.append(SpatiaLiteBlob.encode(g, srid: srid))
            tally.written += 1
            if batch.fids.count >= batchSize {
                guard queue.push(batch) else { return }
                batch = Batch()
            }
        }
        if !batch.fids.isEmpty { _ = queue.push(batch) }
        progress?(tally.read, tally.read)
    }

    /// Makes the geometry fit the column type: wrap singles into multis, unwrap one-part multis.
    static func coerce(_ g: Geometry, to type: GeometryType, fid: Int64, tally: Tally, geos: GEOSContext) throws -> Geometry {
        if g.type == type { return g }
        if type == g.type.plural { return g.asMulti }
        if type == g.type.singular {
            let parts = g.parts
            if parts.count == 1 { return parts[0] }
            if type == .polygon || type == .lineString {
                // A repair (or a mislabelled source) made several parts: keep the largest.
                tally.lostParts += 1
                let measure: (Geometry) -> Double = { p in
                    (try? type == .polygon ? geos.area(p) : geos.length(p)) ?? 0
                }
                return parts.max { measure($0) < measure($1) }!
            }
        }
        throw StoreError.mixedGeometryTypes("\(type.name) layer, but feature \(fid) is a \(g.type.name)")
    }
}
