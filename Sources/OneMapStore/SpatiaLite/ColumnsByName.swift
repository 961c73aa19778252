import GRDB

/// A row's values by column name, the names looked up once per row: GRDB finds a name by
/// lowercasing every column name on every call, which for the forty columns of a case was a
/// tenth of a case transition.
struct ColumnsByName {
    let row: Row
    private let positions: [String: Int]

    init(_ row: Row) {
        self.row = row
        var positions: [String: Int] = [:]
        for (i, name) in row.columnNames.enumerated() where positions[name] == nil { positions[name] = i }
        self.positions = positions
    }

    subscript<Value: DatabaseValueConvertible>(_ name: String) -> Value? {
        guard let i = positions[name] else { return nil }
        return row[i]
    }

    /// A value that must be there (a NOT NULL column the query selects).
    @_disfavoredOverload
    subscript<Value: DatabaseValueConvertible>(_ name: String) -> Value {
        guard let i = positions[name] else { preconditionFailure("no column \(name) in the row") }
        return row[i]
    }
}
