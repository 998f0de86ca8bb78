import StackHTTP
import WireFormats

/// Compiles OpenMeter's `FilterString` and `FilterTime` objects into SQL with OpenMeter's rules:
/// one operator per object, `$and`/`$or` one level deep, errors prefixed with the field name.
enum FilterCompiler {
    static let stringOperators: Set<String> = ["$eq", "$ne", "$in", "$nin", "$like", "$nlike", "$ilike", "$nilike", "$gt", "$gte", "$lt", "$lte", "$and", "$or"]
    static let timeOperators: Set<String> = ["$gt", "$gte", "$lt", "$lte", "$and", "$or"]

    /// - Parameter column: SQL expression holding the text to filter.
    static func string(_ filter: JSONValue, column: String, field: String, depth: Int = 0) throws(HTTPFailure) -> SQLCondition {
        guard case .object(let members) = filter else { throw .badRequest("\(field): filter must be an object") }
        let set = members.filter { !$0.value.isNull }
        guard !set.isEmpty else { return .alwaysTrue }
        guard set.count == 1, let (op, value) = set.first.map({ ($0.key, $0.value) }) else {
            throw .badRequest("\(field): only one filter can be set")
        }
        guard stringOperators.contains(op) else { throw .badRequest("\(field): unknown filter operator: \(op)") }
        switch op {
        case "$and", "$or":
            guard depth == 0 else { throw .badRequest("\(field): filter complexity exceeds maximum allowed depth") }
            guard case .array(let items) = value else { throw .badRequest("\(field): \(op) must be an array of filters") }
            var parts: [SQLCondition] = []
            for item in items { parts.append(try string(item, column: column, field: field, depth: depth + 1)) }
            return op == "$and" ? .all(parts) : .any(parts)
        case "$in", "$nin":
            guard case .array(let items) = value else { throw .badRequest("\(field): \(op) must be an array of strings") }
            var strings: [String] = []
            for item in items {
                guard let s = item.stringValue else { throw .badRequest("\(field): \(op) must be an array of strings") }
                strings.append(s)
            }
            return .inList(column, strings, negate: op == "$nin")
        default:
            guard let text = value.stringValue else { throw .badRequest("\(field): \(op) must be a string") }
            switch op {
            case "$eq": return SQLCondition(sql: "\(column) = ?", arguments: [text])
            case "$ne": return SQLCondition(sql: "\(column) != ?", arguments: [text])
            // OpenMeter's LIKE (ClickHouse) is case-sensitive while SQLite's is not, so `$like`
            // runs as GLOB; `\%` and `\_` escape the wildcards as in ClickHouse.
            case "$like": return SQLCondition(sql: "\(column) GLOB ?", arguments: [LikePattern.glob(text)])
            case "$nlike": return SQLCondition(sql: "\(column) NOT GLOB ?", arguments: [LikePattern.glob(text)])
            case "$ilike": return SQLCondition(sql: "lower(\(column)) LIKE lower(?) ESCAPE '\\'", arguments: [text])
            case "$nilike": return SQLCondition(sql: "lower(\(column)) NOT LIKE lower(?) ESCAPE '\\'", arguments: [text])
            case "$gt": return SQLCondition(sql: "\(column) > ?", arguments: [text])
            case "$gte": return SQLCondition(sql: "\(column) >= ?", arguments: [text])
            case "$lt": return SQLCondition(sql: "\(column) < ?", arguments: [text])
            default: return SQLCondition(sql: "\(column) <= ?", arguments: [text])
            }
        }
    }

    /// - Parameter scale: how many column units make a second (1 for seconds, 1000 for milliseconds).
    static func time(_ filter: JSONValue, column: String, field: String, scale: Int64 = 1, depth: Int = 0) throws(HTTPFailure) -> SQLCondition {
        guard case .object(let members) = filter else { throw .badRequest("\(field): filter must be an object") }
        let set = members.filter { !$0.value.isNull }
        guard !set.isEmpty else { return .alwaysTrue }
        guard set.count == 1, let (op, value) = set.first.map({ ($0.key, $0.value) }) else {
            throw .badRequest("\(field): only one filter can be set")
        }
        guard timeOperators.contains(op) else { throw .badRequest("\(field): unknown filter operator: \(op)") }
        if op == "$and" || op == "$or" {
            guard depth == 0 else { throw .badRequest("\(field): filter complexity exceeds maximum allowed depth") }
            guard case .array(let items) = value else { throw .badRequest("\(field): \(op) must be an array of filters") }
            var parts: [SQLCondition] = []
            for item in items { parts.append(try time(item, column: column, field: field, scale: scale, depth: depth + 1)) }
            return op == "$and" ? .all(parts) : .any(parts)
        }
        guard let text = value.stringValue, let parsed = RFC3339.parse(text) else {
            throw .badRequest("\(field): \(op) must be an RFC 3339 date-time")
        }
        // Compare at the column's precision: a fractional bound rounds toward keeping the comparison exact.
        let base = parsed.seconds * scale + (scale > 1 ? Int64(parsed.nanos) / (1_000_000_000 / scale) : 0)
        let hasFraction = scale == 1 && parsed.nanos > 0
        switch op {
        case "$gt": return SQLCondition(sql: "\(column) > ?", arguments: [base])
        case "$gte": return SQLCondition(sql: "\(column) >= ?", arguments: [hasFraction ? base + 1 : base])
        case "$lt": return SQLCondition(sql: "\(column) < ?", arguments: [hasFraction ? base + 1 : base])
        default: return SQLCondition(sql: "\(column) <= ?", arguments: [base])
        }
    }
}
