import Foundation
import NIOCore
import Synchronization

/// Cached tiles: a memory LRU (by bytes) in front of files on disk.
///
/// A tile's stamp hashes everything it was drawn from (style, the changes to its layers in its
/// area, the caller's visible layers); an entry is good while the stamp matches. Disk files
/// hold the stamp in a small header, so a stale file is simply replaced.
public final class TileCache: Sendable {
    public struct Key: Hashable, Sendable {
        public var map: String
        public var tms: String
        public var z: Int
        public var x: Int
        public var y: Int
        public var scale: Int
        /// Which of the map's layers the caller may see (a caller with fewer rights never gets this entry).
        public var visibility: String
    }

    public struct Entry: Sendable {
        /// The PNG, kept as the buffer responses send (shared, never copied per request).
        public var buffer: ByteBuffer
        public var data: [UInt8] { Array(buffer.readableBytesView) }
        public let stamp: UInt64
        /// The stamp as an HTTP entity tag (made once: the fast path sends it with every hit).
        public let etag: String
        public let isEmpty: Bool
        /// The store change sequence at which the stamp was last confirmed.
        public var sequence: Int64

        public init(data: [UInt8], stamp: UInt64, isEmpty: Bool, sequence: Int64) {
            buffer = ByteBuffer(bytes: data)
            self.stamp = stamp
            etag = "\"\(String(stamp, radix: 16))\""
            self.isEmpty = isEmpty
            self.sequence = sequence
        }
    }

    private struct Memory {
        var entries: [Key: (Entry, UInt64)] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    private let memory = Mutex(Memory())
    private let capacity: Int
    public let directory: String?

    public init(memoryBytes: Int, directory: String?) {
        capacity = memoryBytes
        self.directory = directory
    }

    public func memoryEntry(_ key: Key) -> Entry? {
        memory.withLock { m in
            guard let (entry, _) = m.entries[key] else { return nil }
            m.clock += 1
            m.entries[key] = (entry, m.clock)
            return entry
        }
    }

    /// Marks a memory entry as confirmed at a newer change sequence.
    public func confirm(_ key: Key, sequence: Int64) {
        memory.withLock { m in
            if let (old, used) = m.entries[key] {
                var entry = old
                entry.sequence = sequence
                m.entries[key] = (entry, used)
            }
        }
    }

    public func put(_ key: Key, _ entry: Entry, persist: Bool = true) {
        memory.withLock { m in
            m.clock += 1
            if let old = m.entries[key] { m.bytes -= old.0.buffer.readableBytes }
            m.entries[key] = (entry, m.clock)
            m.bytes += entry.buffer.readableBytes
            if m.bytes > capacity {
                // Drop the least recently used quarter in one go.
                let keep = m.entries.sorted { $0.value.1 > $1.value.1 }
                m.entries = [:]
                m.bytes = 0
                for (k, v) in keep where m.bytes + v.0.buffer.readableBytes <= capacity * 3 / 4 {
                    m.entries[k] = v
                    m.bytes += v.0.buffer.readableBytes
                }
            }
        }
        if persist { writeFile(key, entry) }
    }

    // MARK: disk

    static let magic: [UInt8] = Array("OMT1".utf8)

    func path(_ key: Key) -> String? {
        guard let directory else { return nil }
        let name = key.visibility.isEmpty ? "" : "_" + String(key.visibility.hashValueStable, radix: 16)
        return "\(directory)/\(key.map)/\(key.tms)/\(key.z)/\(key.x)/\(key.y)@\(key.scale)x\(name).tile"
    }

    /// The file for `key` if its stamp is `stamp`.
    public func file(_ key: Key, stamp: UInt64) -> Entry? {
        guard let path = path(key), let data = FileManager.default.contents(atPath: path), data.count >= 13 else { return nil }
        let bytes = [UInt8](data)
        guard Array(bytes[0..<4]) == Self.magic else { return nil }
        var stored: UInt64 = 0
        for k in 0..<8 { stored |= UInt64(bytes[4 + k]) << (8 * UInt64(k)) }
        guard stored == stamp else { return nil }
        return Entry(data: Array(bytes[13...]), stamp: stamp, isEmpty: bytes[12] == 1, sequence: 0)
    }

    /// Tiles that could not be written to disk (a full or read-only disk), and the last reason.
    /// Serving carries on from memory; a seed run, whose point is the files, fails (`TileSeeder`).
    private let diskFailures = Atomic<Int>(0)
    private let lastDiskFailure = Mutex<String?>(nil)
    public var diskWriteFailures: (count: Int, last: String?) {
        (diskFailures.load(ordering: .relaxed), lastDiskFailure.withLock { $0 })
    }

    func writeFile(_ key: Key, _ entry: Entry) {
        guard let path = path(key) else { return }
        let dir = (path as NSString).deletingLastPathComponent
        var bytes = Self.magic
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: entry.stamp >> (8 * UInt64(k)))) }
        bytes.append(entry.isEmpty ? 1 : 0)
        // Empty tiles are answered with the shared empty PNG; the file only remembers that.
        if !entry.isEmpty { bytes += entry.buffer.readableBytesView }
        // Written under a temporary name and renamed: a reader (or a crash) never sees half a tile.
        let temporary = path + ".\(UUID().uuidString).tmp"
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            diskFailures.add(1, ordering: .relaxed)
            let reason = (error as? POSIXError).map { String(cString: strerror($0.code.rawValue)) } ?? error.localizedDescription
            lastDiskFailure.withLock { $0 = reason.hasSuffix(".") ? String(reason.dropLast()) : reason }
        }
    }

    /// Counts for /metrics and tests.
    public var memoryCount: Int { memory.withLock { $0.entries.count } }
}

extension String {
    /// FNV-1a: stable across runs (Swift's hashValue is seeded per process).
    var hashValueStable: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
