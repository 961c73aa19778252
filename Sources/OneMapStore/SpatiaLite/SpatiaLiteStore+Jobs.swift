import Foundation
import GRDB

extension SpatiaLiteStore {
    // MARK: JobStore

    public func insertJob(_ job: JobRecord, audit: AuditEntry?) throws {
        try write { db in
            if let audit { try Self.appendAudit(audit, in: db) }
            try db.execute(sql: """
                INSERT INTO jobs (id, process_id, owner, status, progress, message, created, started, finished, inputs, results, error_status, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [job.id, job.processID, job.owner, job.status.rawValue, job.progress, job.message, job.created, job.started,
                                 job.finished, job.inputs, job.results, job.errorStatus, job.error])
        }
    }

    public func updateJob(_ job: JobRecord) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE jobs SET status = ?, progress = ?, message = ?, started = ?, finished = ?, results = ?, error_status = ?, error = ?
                WHERE id = ?
                """, arguments: [job.status.rawValue, job.progress, job.message, job.started, job.finished, job.results, job.errorStatus,
                                 job.error, job.id])
        }
    }

    public func job(_ id: String) throws -> JobRecord? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id]).map(Self.job) }
    }

    public func jobs(owner: String?, limit: Int) throws -> [JobRecord] {
        try read { db in
            if let owner {
                return try Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE owner = ? ORDER BY created DESC, id LIMIT ?", arguments: [owner, limit]).map(Self.job)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM jobs ORDER BY created DESC, id LIMIT ?", arguments: [limit]).map(Self.job)
        }
    }

    public func failUnfinishedJobs(reason: String) throws -> Int {
        try write { db in
            try db.execute(sql: """
                UPDATE jobs SET status = 'failed', message = ?, finished = ?, error_status = 500,
                    error = json_object('type', 'about:blank', 'title', 'JobLost', 'detail', ?)
                WHERE status IN ('accepted', 'running')
                """, arguments: [reason, isoNow(), reason])
            return db.changesCount
        }
    }

    static func job(_ row: Row) -> JobRecord {
        JobRecord(id: row["id"], processID: row["process_id"], owner: row["owner"], status: JobRecord.Status(rawValue: row["status"]) ?? .failed,
                  progress: row["progress"], message: row["message"], created: row["created"], started: row["started"], finished: row["finished"],
                  inputs: row["inputs"], results: row["results"], errorStatus: row["error_status"], error: row["error"])
    }
}
