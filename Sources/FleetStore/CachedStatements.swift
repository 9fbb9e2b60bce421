import GRDB

extension Database {
    /// Runs one of the statements fleetd repeats for every VM, compiled once per connection.
    /// At 10,000 VMs, compiling each statement anew (with GRDB's authorizer pass over it) cost
    /// more CPU than running it.
    public func run(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// The rows of a repeated query, compiled once per connection.
    public func rows(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try Row.fetchAll(cachedStatement(sql: sql), arguments: arguments)
    }

    /// The first column of the first row of a repeated query, compiled once per connection.
    public func value<Value: DatabaseValueConvertible>(_ type: Value.Type, _ sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> Value? {
        try Value.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }
}
