import Foundation
import OneMapGeometry
import OneMapStore

/// Writes features as GeoJSON text sequences (one feature per line), the streaming form GDAL
/// reads without loading the file, so the demo goes through the same importer as user data.
final class GeoJSONSeqWriter {
    let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private(set) var count = 0
    private let precision: Int

    init(path: String, precision: Int = 2) throws {
        self.path = path
        self.precision = precision
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let h = FileHandle(forWritingAtPath: path) else { throw DemoError.io("cannot write \(path)") }
        handle = h
        buffer.reserveCapacity(1 << 20)
    }

    /// Appends one feature with its properties in order.
    func write(_ geometry: Geometry, _ properties: KeyValuePairs<String, FeatureValue>) {
        write(geometry, Array(properties.map { ($0.key, $0.value) }))
    }

    func write(_ geometry: Geometry, _ properties: [(String, FeatureValue)]) {
        count += 1
        buffer += Array(#"{"type":"Feature","id":"#.utf8)
        NumberWriter.appendInteger(UInt64(count), to: &buffer)
        buffer += Array(#","properties":{"#.utf8)
        for (i, (key, value)) in properties.enumerated() {
            if i > 0 { buffer.append(0x2C) }
            FeatureJSONWriter.appendString(key, to: &buffer)
            buffer.append(0x3A)
            switch value {
            case .null: buffer += Array("null".utf8)
            case .integer(let n): NumberWriter.appendInteger(n, to: &buffer)
            case .real(let d): NumberWriter.append(d, precision: 6, to: &buffer)
            case .text(let s): FeatureJSONWriter.appendString(s, to: &buffer)
            }
        }
        buffer += Array(#"},"geometry":"#.utf8)
        GeoJSON.write(geometry, precision: precision, to: &buffer)
        buffer += Array("}\n".utf8)
        if buffer.count > 1 << 20 { flush() }
    }

    private func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        flush()
        try handle.close()
    }
}

/// Demo generation failures.
enum DemoError: Error, CustomStringConvertible {
    case io(String)
    case missingData(String)

    var description: String {
        switch self {
        case .io(let s): s
        case .missingData(let s): s
        }
    }
}
