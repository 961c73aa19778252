import Foundation

/// JSON as the store writes it into its own columns (sorted keys, so equal values are equal text).
enum StoreJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// The current time as ISO 8601 UTC with seconds.
func isoNow() -> String {
    Date().formatted(.iso8601)
}

/// The current time as ISO 8601 UTC with milliseconds (audit records order by it).
func isoNowMillis() -> String {
    Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}
