import Foundation
import GRDB

extension SpatiaLiteStore {
    /// A SQLite error as a `StoreError`, told by its result code, not its text: a full disk
    /// (`SQLITE_FULL`, which SQLite also returns when the file system refuses a write with ENOSPC)
    /// is `storageFull`, anything else from SQLite a database error with SQLite's message (never
    /// the SQL). Other errors go to `StoreError.wrap`.
    static func storeError(_ error: any Error) -> StoreError {
        guard let sqlite = error as? DatabaseError else { return StoreError.wrap(error) }
        if sqlite.resultCode == .SQLITE_FULL { return .storageFull }
        return .database("SQLite error \(sqlite.resultCode.rawValue): \(sqlite.message ?? "")")
    }
}
