import Foundation
import GRDB

extension SpatiaLiteStore {
    /// A SQLite error as a `StoreError`, told by its result code, not its text: a full disk
    /// (`SQLITE_FULL`, which SQLite also returns when the file system refuses a write with ENOSPC)
    /// is `storageFull`, a write refused by the file or the open mode `readOnly`, a lock held past the
    /// busy timeout `busy` (SQLITE_LOCKED, a conflict inside one connection, is not another
    /// process's lock and stays a database error), anything else from SQLite a database error with SQLite's message
    /// (never the SQL). Other errors go to `StoreError.wrap`.
    static func storeError(_ error: any Error) -> StoreError {
        guard let sqlite = error as? DatabaseError else { return StoreError.wrap(error) }
        switch sqlite.resultCode {
        case .SQLITE_FULL: return .storageFull
        case .SQLITE_READONLY: return .readOnly
        case .SQLITE_BUSY: return .busy
        default: break
        }
        return .database("SQLite error \(sqlite.resultCode.rawValue): \(sqlite.message ?? "")")
    }
}
