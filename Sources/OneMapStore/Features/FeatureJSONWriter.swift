import OneMapGeometry

/// Writes GeoJSON Feature objects straight into UTF-8 bytes: the items hot path (no
/// intermediate dictionaries) and the audit log's before/after records.
public struct FeatureJSONWriter: Sendable {
    /// `"name":` for each property, encoded once.
    private let keys: [[UInt8]]
    public let properties: [String]

    public init(properties: [String]) {
        self.properties = properties
        keys = properties.map { name in
            var out: [UInt8] = []
            Self.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            return out
        }
    }

    /// Appends `{"type":"Feature","id":…,"geometry":…,"properties":{…}}`; `extra` is written as
    /// further members (already-encoded `"key":value` text) before the closing brace.
    public func append(id: Int64, geometry: Geometry?, values: [FeatureValue], precision: Int, extra: String? = nil,
                       to out: inout [UInt8]) {
        out.append(contentsOf: #"{"type":"Feature","id":"#.utf8)
        out.append(contentsOf: String(id).utf8)
        out.append(contentsOf: #","geometry":"#.utf8)
        if let geometry {
            GeoJSON.write(geometry, precision: precision, to: &out)
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(contentsOf: #","properties":{"#.utf8)
        for (i, value) in values.enumerated() where i < keys.count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: keys[i])
            Self.appendValue(value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        if let extra {
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: extra.utf8)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A feature as a JSON text (audit records, single-item responses).
    public static func text(_ feature: Feature, layer: Layer, precision: Int = 8) -> String {
        var out: [UInt8] = []
        FeatureJSONWriter(properties: layer.attributes.map(\.name))
            .append(id: feature.id, geometry: feature.geometry, values: feature.values, precision: precision, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func appendValue(_ value: FeatureValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .real(let d):
            out.append(contentsOf: (d.isFinite ? value.description : "null").utf8)
        case .text(let s): appendString(s, to: &out)
        }
    }

    /// Appends a JSON string literal (UTF-8 kept as is; quotes, backslashes and controls escaped).
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
