import Crypto
import Foundation
import OneMapGeometry

extension StoreCopy {
    /// A whole-store copy moves records too; a destination that holds any stops it before anything is written.
    static func requireNoRecords(in destination: any StoreBackend, from source: any StoreBackend) throws {
        if try destination.hasUsers() && source.hasUsers() {
            throw StoreError.invalidArgument("the destination has users already; copy into a store without any (or copy layers with --layer)")
        }
        let layers = try destination.allLayers(), sourceLayers = try source.allLayers()
        for id in ["cases", "incidents"] where layers[id] != nil && sourceLayers[id] != nil {
            throw StoreError.layerExists(id)
        }
        if try destination.networkSource() != nil && source.networkSource() != nil {
            throw StoreError.invalidArgument("the destination has a road network already")
        }
        if try !destination.auditRecords(since: nil, layer: nil, limit: 1).isEmpty && !source.auditRecords(since: nil, layer: nil, limit: 1).isEmpty {
            throw StoreError.invalidArgument("the destination has an audit log already; a whole store is copied only into a store without one")
        }
    }

    /// Copies accounts, 数字城管 cases (steps and attachments), incidents and unit positions, the
    /// road network and the audit log, each checked by count and SHA-256 read back from both sides.
    /// Case and incident ids are the destination's own (numbers, times and versions are kept);
    /// analysis jobs are not copied (a job belongs to the process that ran it).
    static func copyRecords(from source: any StoreBackend, to destination: any StoreBackend,
                            progress: (String, Int, Int) -> Void) throws -> [LayerCopyResult] {
        var results: [LayerCopyResult] = []
        let placeholder = { (name: String) in
            Layer(id: name, title: name, group: "records", kind: .vector, geometryType: nil, storageCRS: .cgcs2000, attributes: [], access: .confidential,
                  featureCount: 0, extent: nil, version: 0, source: "", synthetic: false, importedAt: "", table: "")
        }
        func verify(_ name: String, started: Date, _ digest: (any StoreBackend) throws -> (Int, String)) throws {
            let a = try digest(source), b = try digest(destination)
            guard a == b else {
                throw StoreError.schemaMismatch("\(name) read back differently: \(a.0) copied (\(a.1.prefix(12))), \(b.0) found (\(b.1.prefix(12)))")
            }
            var r = LayerCopyResult(layer: placeholder(name), count: b.0, checksum: b.1, seconds: Date().timeIntervalSince(started))
            r.records = name
            results.append(r)
        }

        // Accounts.
        var started = Date()
        let accounts = try source.accountRecords()
        if !accounts.users.isEmpty {
            try destination.loadAccountRecords(accounts)
            // The source's roles, users and tokens (the destination may have roles of its own).
            let names = Set(accounts.roles.map(\.name))
            try verify("accounts", started: started) { b in
                let r = try b.accountRecords()
                return (r.users.count + r.tokens.count, digest("\(r.roles.filter { names.contains($0.name) })|\(r.users)|\(r.tokens)"))
            }
        }

        // Cases, in number order, a thousand at a time.
        let catalog = try source.allLayers()
        if let layer = catalog["cases"] {
            started = Date()
            try destination.ensureCaseLayer(title: layer.title, access: layer.access)
            var offset = 0, done = 0
            let total = try source.cases(CaseQuery(limit: 1, offset: 0)).matched
            while true {
                let page = try source.cases(CaseQuery(limit: 1000, offset: offset)).cases
                if page.isEmpty { break }
                offset += page.count
                _ = try destination.insertCases(try page.map { ($0, try source.caseSteps($0.id)) })
                for record in page {
                    let attachments = try source.attachments(record.id)
                    guard !attachments.isEmpty, let copied = try destination.caseRecord(number: record.number) else { continue }
                    for a in attachments {
                        guard var whole = try source.attachment(a.id) else { continue }
                        whole.caseID = copied.id
                        _ = try destination.addAttachment(whole, audit: nil)
                    }
                }
                done += page.count
                progress("cases", done, total)
            }
            try verify("cases", started: started, casesDigest)
        }

        // Incidents, oldest first, and the units' recent positions.
        if let layer = catalog["incidents"] {
            started = Date()
            try destination.ensureIncidentLayer(title: layer.title, access: layer.access)
            for record in try source.incidents(statuses: nil).sorted(by: { $0.id < $1.id }) {
                _ = try destination.insertIncident(record, audit: nil)
            }
            try destination.appendPositions(try source.positions(since: ""), keepSince: "")
            try verify("incidents", started: started) { b in
                let incidents = try b.incidents(statuses: nil).sorted { ($0.occurredAt, $0.title, $0.version) < ($1.occurredAt, $1.title, $1.version) }
                let positions = try b.positions(since: "")
                var text = ""
                for i in incidents {
                    text += "\(i.title)|\(i.category)|\(i.subtype)|\(i.level)|\(i.status)|\(WKB.encode(i.geometry))|\(i.occurredAt)|\(i.updatedAt)|\(i.notes)|\(i.reporter)|\(i.version)\n"
                }
                for p in positions { text += "\(p)\n" }
                return (incidents.count + positions.count, digest(text))
            }
        }

        // The road network (node numbers are the destination's own).
        if let network = try source.networkSource() {
            started = Date()
            _ = try destination.replaceNetwork(try source.networkEdges(), sourceLayer: network.layer, sourceVersion: network.version)
            try verify("road network", started: started) { b in
                let edges = try b.networkEdges()
                let text = edges.map { "\($0.line)|\($0.cost)|\($0.length)|\($0.forward)|\($0.backward)|\($0.name)|\($0.roadClass)|\($0.roadID)" }
                return (edges.count, digest(text.joined(separator: "\n") + "|\(try b.networkSource().map { "\($0.layer) \($0.version)" } ?? "")"))
            }
        }

        // The audit log last: the loads above write none of their own.
        started = Date()
        let audit = try source.auditRecords(since: nil, layer: nil, limit: Int.max)
        if !audit.isEmpty {
            try destination.loadAuditRecords(audit)
            try verify("audit log", started: started) { b in
                let records = try b.auditRecords(since: nil, layer: nil, limit: Int.max)
                let text = records.map { "\($0.at)|\($0.principal)|\($0.action)|\($0.layerID ?? "")|\($0.featureID ?? -1)|\($0.before ?? "")|\($0.after ?? "")|\($0.detail ?? "")" }
                return (records.count, digest(text.joined(separator: "\n")))
            }
        }
        return results
    }

    /// Every case by number with its steps and attachments, ids left out (they are each store's own).
    static func casesDigest(_ b: any StoreBackend) throws -> (Int, String) {
        var hash = SHA256()
        var count = 0, offset = 0
        var all: [CaseRecord] = []
        while true {
            let page = try b.cases(CaseQuery(limit: 1000, offset: offset)).cases
            if page.isEmpty { break }
            offset += page.count
            all += page
        }
        for var c in all.sorted(by: { $0.number < $1.number }) {
            let id = c.id
            c.id = 0
            hash.update(data: Data("\(c)".utf8))
            for var s in try b.caseSteps(id) {
                s.id = 0
                s.caseID = 0
                hash.update(data: Data("\(s)".utf8))
            }
            for a in try b.attachments(id) {
                guard let whole = try b.attachment(a.id) else { continue }
                hash.update(data: Data("\(whole.name)|\(whole.mediaType)|\(whole.at)|\(whole.actor)|".utf8))
                hash.update(data: Data(whole.bytes ?? []))
            }
            count += 1
        }
        return (count, hex(hash.finalize()))
    }
}
