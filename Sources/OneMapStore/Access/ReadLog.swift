import Foundation
import Synchronization

/// Reads of confidential layers, counted in memory and written to the audit log in batches
/// (a map view reads a layer for every tile; one record per caller, layer and batch says it).
public final class ReadLog: Sendable {
    struct Key: Hashable, Sendable {
        let principal: String
        let layer: String
    }
    private let pending = Mutex([Key: Int]())

    func note(_ principal: Principal, _ layer: Layer) {
        let key = Key(principal: principal.name, layer: layer.id)
        if let scope = ReadScope.current, scope.add(key) { return }
        count(key)
    }

    func count(_ key: Key) {
        pending.withLock { $0[key, default: 0] += 1 }
    }

    /// Writes what was counted since the last flush.
    func flush(into log: any AuditLog) throws {
        let batch = pending.withLock { p -> [Key: Int] in
            defer { p.removeAll() }
            return p
        }
        guard !batch.isEmpty else { return }
        try log.appendAudit(batch.sorted(by: { ($0.key.principal, $0.key.layer) < ($1.key.principal, $1.key.layer) }).map { key, count in
            AuditEntry(principal: key.principal, action: "read", layerID: key.layer, detail: "\(count) read\(count == 1 ? "" : "s")")
        })
    }
}

/// The confidential reads of one request: each caller and layer once, however often the request
/// looks the layer up (a rendered tile or an identify looks a layer up several times). A read
/// noted after the request has ended (by a render it started that others share) counts alone.
public final class ReadScope: Sendable {
    /// The scope of the request being served, if any; work handed to other threads carries it.
    @TaskLocal public static var current: ReadScope?
    private let state = Mutex<(ended: Bool, reads: Set<ReadLog.Key>)>((false, []))

    init() {}

    /// Adds a read; false once the request has ended.
    func add(_ key: ReadLog.Key) -> Bool {
        state.withLock { s in
            if s.ended { return false }
            s.reads.insert(key)
            return true
        }
    }

    func end() -> Set<ReadLog.Key> {
        state.withLock { s in
            s.ended = true
            return s.reads
        }
    }
}

