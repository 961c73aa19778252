import Foundation
import NIOCore
import OneMapGeometry
import OneMapStore

/// How features are written out: CRS, axis order and coordinate precision.
public struct OutputCRS: Sendable, Hashable {
    public let crs: CRS
    /// Coordinates in the CRS's official order (OGC API – Features Part 2): latitude or northing
    /// first for EPSG:4326, 4490, 4527 and 4548; CRS84 and EPSG:3857 stay east-first.
    public let northFirst: Bool
    /// Decimals: 8 for degrees (about 1 mm), 3 for metres.
    public let precision: Int

    public init(_ crs: CRS) {
        self.crs = crs
        northFirst = crs.isNorthFirst
        precision = crs.isGeographic ? 8 : 3
    }

    public static let crs84 = OutputCRS(.crs84)
}

/// Moves stored geometries to an output CRS; one per query, used on one thread at a time.
final class GeometryOutput {
    let output: OutputCRS
    let transform: CoordinateTransform?

    init(from storage: CRS, to output: OutputCRS) throws {
        self.output = output
        let t = try CoordinateTransform(from: storage, to: output.crs)
        transform = t.isIdentity ? nil : t
    }

    func convert(_ g: Geometry) throws -> Geometry {
        var g = g
        if let transform { g = try transform.apply(g) }
        if output.northFirst { g = g.mapCoordinates { Coordinate($0.y, $0.x) } }
        return g
    }

    func convert(_ stored: StoredGeometry) throws -> Geometry? {
        stored.isEmpty ? nil : try convert(stored.decode())
    }
}

/// Feature queries answered as GeoJSON, written while the store reads (the first bytes leave
/// before the last row is read; at most `chunkSize` bytes wait in each chunk).
public struct FeatureService: Sendable {
    let store: Store
    static let chunkSize = 32 << 10

    public init(store: Store) { self.store = store }

    /// Streams a FeatureCollection: `{"type":"FeatureCollection","features":[…],` then the
    /// members `trailer` writes from the result (counts, links), then `}`.
    /// - Throws: before any byte is produced, when the query is invalid or the layer not visible.
    public func collection(layer: String, _ query: FeatureQuery, output: OutputCRS, for principal: Principal,
                           trailer: @escaping @Sendable (FeatureQueryResult) -> String) throws -> AsyncThrowingStream<ByteBuffer, any Error> {
        let prepared = try store.prepare(layer: layer, query, for: principal)
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let store = self.store
        Task {
            do {
                let writer = ChunkWriter(continuation: continuation, properties: prepared.properties,
                                         geometry: try GeometryOutput(from: prepared.layer.storageCRS, to: output))
                writer.append(#"{"type":"FeatureCollection","features":["#)
                let result = try await Blocking.run {
                    try store.run(prepared) { row in try writer.feature(row) }
                }
                writer.append("],")
                writer.append(trailer(result))
                writer.append("}")
                writer.flush()
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        return stream
    }

    /// One feature as a GeoJSON text, with extra members (links).
    public func feature(_ feature: Feature, layer: Layer, output: OutputCRS, extra: String?) throws -> [UInt8] {
        let geometry = try feature.geometry.map(GeometryOutput(from: layer.storageCRS, to: output).convert)
        var out: [UInt8] = []
        FeatureJSONWriter(properties: layer.attributes.map(\.name))
            .append(id: feature.id, geometry: geometry, values: feature.values, precision: output.precision, extra: extra, to: &out)
        return out
    }
}

/// Collects encoded features into chunks and hands them to the response. Used only from the
/// store's reader thread, one call after another.
final class ChunkWriter: @unchecked Sendable {
    private var buffer: [UInt8] = []
    private var count = 0
    private let writer: FeatureJSONWriter
    let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    let geometry: GeometryOutput

    init(continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation, properties: [String], geometry: GeometryOutput) {
        self.continuation = continuation
        writer = FeatureJSONWriter(properties: properties)
        self.geometry = geometry
        buffer.reserveCapacity(FeatureService.chunkSize + 4096)
    }

    func append(_ text: String) { buffer.append(contentsOf: text.utf8) }

    func feature(_ row: ScannedFeature) throws {
        if count > 0 { buffer.append(UInt8(ascii: ",")) }
        writer.append(id: row.id, geometry: try geometry.convert(row.geometry), values: row.values,
                       precision: geometry.output.precision, to: &buffer)
        count += 1
        if buffer.count >= FeatureService.chunkSize { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        continuation.yield(ByteBuffer(bytes: buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
