import GRDB

/// A fragment of a WHERE clause with its bound arguments.
struct SQLCondition: Sendable {
    var sql: String
    /// Stored as `DatabaseValue`s so a condition can be handed to concurrent readers.
    var arguments: [DatabaseValue]

    init(sql: String, arguments: [any DatabaseValueConvertible]) {
        self.sql = sql
        self.arguments = arguments.map(\.databaseValue)
    }

    static var alwaysTrue: SQLCondition { SQLCondition(sql: "1", arguments: []) }

    static func all(_ conditions: [SQLCondition]) -> SQLCondition {
        let parts = conditions.filter { $0.sql != "1" }
        guard !parts.isEmpty else { return .alwaysTrue }
        return SQLCondition(sql: parts.map { "(\($0.sql))" }.joined(separator: " AND "), arguments: parts.flatMap(\.arguments))
    }

    static func any(_ conditions: [SQLCondition]) -> SQLCondition {
        guard !conditions.isEmpty else { return .alwaysTrue }
        return SQLCondition(sql: conditions.map { "(\($0.sql))" }.joined(separator: " OR "), arguments: conditions.flatMap(\.arguments))
    }

    static func inList(_ column: String, _ values: [String], negate: Bool = false) -> SQLCondition {
        guard !values.isEmpty else { return SQLCondition(sql: negate ? "1" : "0", arguments: []) }
        let marks = Array(repeating: "?", count: values.count).joined(separator: ",")
        return SQLCondition(sql: "\(column) \(negate ? "NOT IN" : "IN") (\(marks))", arguments: values)
    }

    var statementArguments: StatementArguments { StatementArguments(arguments) }
}
