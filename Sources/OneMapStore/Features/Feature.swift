import Foundation
import OneMapGeometry

/// A feature as stored: id, geometry in the layer's storage CRS, and attribute values in the
/// order of the layer's `attributes`.
public struct Feature: Sendable, Hashable {
    public var id: Int64
    public var geometry: Geometry?
    public var values: [FeatureValue]

    public init(id: Int64, geometry: Geometry?, values: [FeatureValue]) {
        self.id = id
        self.geometry = geometry
        self.values = values
    }

    /// The value of a named attribute of `layer`.
    public func value(_ name: String, in layer: Layer) -> FeatureValue {
        guard let i = layer.attributes.firstIndex(where: { $0.name == name }), i < values.count else { return .null }
        return values[i]
    }

    /// A strong ETag for the feature's current content (geometry and values), the same from
    /// every backend.
    public var etag: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
            for b in bytes {
                hash ^= UInt64(b)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        if let g = geometry { mix(WKB.encode(g)) }
        for v in values {
            switch v {
            case .null: mix([0])
            case .integer(let i): mix([1] + withUnsafeBytes(of: i.littleEndian, Array.init))
            case .real(let d): mix([2] + withUnsafeBytes(of: d.bitPattern.littleEndian, Array.init))
            case .text(let s): mix([3] + Array(s.utf8) + [0])
            }
        }
        return "\"" + String(hash, radix: 16) + "\""
    }

    /// Whether `ifMatch` (an If-Match header: ETags, `*`, weak or strong) accepts this feature.
    public func matches(ifMatch: String) -> Bool {
        let offered = ifMatch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "") }
        return offered.contains("*") || offered.contains(etag)
    }
}

/// A feature's geometry as one backend stores it, read without copying: valid only during the
/// scan callback that hands it out. Its format stays the backend's business; readers ask it.
public struct StoredGeometry {
    enum Encoding {
        /// SpatiaLite's internal blob.
        case spatiaLite
        /// ISO/OGC well-known binary (PostGIS, GeoPackage bodies).
        case wkb
    }

    let bytes: UnsafeRawBufferPointer
    let encoding: Encoding

    init(bytes: UnsafeRawBufferPointer, encoding: Encoding) {
        self.bytes = bytes
        self.encoding = encoding
    }

    /// No geometry (a null column).
    public var isEmpty: Bool { bytes.count == 0 }

    /// The geometry type, without decoding the coordinates.
    @inline(__always)
    public var type: GeometryType? {
        switch encoding {
        case .spatiaLite: SpatiaLiteBlob.geometryType(bytes)
        case .wkb: WKB.type(bytes)
        }
    }

    /// The bounding box, without decoding when the format keeps one in its header (and without
    /// building the geometry when it does not).
    @inline(__always)
    public var boundingBox: BoundingBox? {
        switch encoding {
        case .spatiaLite: SpatiaLiteBlob.boundingBox(bytes)
        case .wkb: WKB.boundingBox(bytes)
        }
    }

    /// The geometry.
    public func decode() throws -> Geometry {
        switch encoding {
        case .spatiaLite: try SpatiaLiteBlob.decode(bytes)
        case .wkb: try WKB.decode(bytes)
        }
    }

    /// The geometry as little-endian 2D ISO WKB, the same bytes whichever backend stored it
    /// (copied out of the scan's buffer): what copies load and checksums hash.
    public func wellKnownBinary() throws -> [UInt8] {
        switch encoding {
        case .spatiaLite: WKB.encode(try SpatiaLiteBlob.decode(bytes))
        case .wkb: WKB.encode(try WKB.decode(bytes))
        }
    }

    /// The geometry into a reusable flat geometry (cleared first): the render path.
    public func decode(into flat: inout FlatGeometry) throws {
        switch encoding {
        case .spatiaLite: try SpatiaLiteBlob.decode(bytes, into: &flat)
        case .wkb: try WKB.decode(bytes, into: &flat)
        }
    }
}

/// One row of a scan or query: the feature id, its geometry (valid only during the callback) and
/// the requested attribute values.
public struct ScannedFeature {
    public let id: Int64
    public let geometry: StoredGeometry
    public let values: [FeatureValue]

    init(id: Int64, geometry: StoredGeometry, values: [FeatureValue]) {
        self.id = id
        self.geometry = geometry
        self.values = values
    }
}
