import GRDB

/// Reads a meter's value and group-by values out of stored events into `meter_rows`, with the same
/// SQLite expressions the queries used to run on every request, so every rule stays as it was:
/// group-by values are texts ("" when missing), values follow OpenMeter's number rules.
struct MeterRowExtractor {
    let meter: Meter
    /// The meter's `created_seq`, its key in the meter tables.
    let key: Int64

    /// SQL text of a group-by value: OpenMeter returns strings, "" when the property is missing.
    static func groupExpression(path: String) -> String {
        "COALESCE(CAST(json_extract(data, \(literal(path))) AS TEXT), '')"
    }

    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// A number, or NULL for what OpenMeter does not aggregate.
    static func numericExpression(path: String) -> String {
        let v = "json_extract(data, \(literal(path)))"
        // JSON true/false come out of json_extract as integers 1/0, so integers are confirmed
        // with json_type; 1e400 comes out as an infinite real. Both are not numbers to OpenMeter.
        return """
            CASE typeof(\(v)) \
            WHEN 'real' THEN CASE WHEN abs(\(v)) <= 1.7976931348623157e308 THEN \(v) END \
            WHEN 'integer' THEN CASE WHEN json_type(data, \(literal(path))) = 'integer' THEN \(v) END \
            WHEN 'text' THEN om_number(\(v)) END
            """
    }

    /// The row's value column: a number, the raw value's text for UNIQUE_COUNT, or NULL for COUNT.
    var valueExpression: String {
        guard let path = meter.valueProperty, meter.aggregation != .count else { return "NULL" }
        return meter.aggregation == .uniqueCount
            ? "CAST(json_extract(data, \(Self.literal(path))) AS TEXT)"
            : Self.numericExpression(path: path)
    }

    /// The group's identity: its values as JSON, all paths read in one `json_extract`.
    var identityExpression: String {
        let groupBy = meter.groupBy ?? [:]
        let paths = meter.groupByKeys.map { Self.literal(groupBy[$0] ?? "$") }
        switch paths.count {
        case 0: return "''"
        // With one path json_extract returns the value itself, not an array.
        case 1: return "json_array(json_extract(data, \(paths[0])))"
        default: return "json_extract(data, \(paths.joined(separator: ", ")))"
        }
    }

    /// The group's shown values: a JSON array of each value's text, in `groupByKeys` order.
    var groupsExpression: String {
        let groupBy = meter.groupBy ?? [:]
        let columns = meter.groupByKeys.map { Self.groupExpression(path: groupBy[$0] ?? "$") }
        return "json_array(\(columns.joined(separator: ", ")))"
    }

    /// Adds rows for the meter's events stored after `afterSeq`. Returns how many.
    @discardableResult
    func extract(_ db: Database, afterSeq: Int64, directory: MeterGroupDirectory, pending: inout MeterGroupDirectory.Pending) throws -> Int {
        let source = try Row.fetchCursor(
            db,
            sql: "SELECT seq, subject, time, \(valueExpression), \(identityExpression) FROM events WHERE seq > ? AND type = ?",
            arguments: [afterSeq, meter.eventType]
        )
        let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO meter_rows (meter, subject, day, seq, time, grp, value) VALUES (?, ?, ?, ?, ?, ?, ?)")
        let shown = try db.makeStatement(sql: "SELECT \(groupsExpression) FROM events WHERE seq = ?")
        var subjects: Set<BytewiseString> = []
        var count = 0
        while let row = try source.next() {
            let seq: Int64 = row[0]
            let subject: String = row[1]
            let time: Int64 = row[2]
            let value: DatabaseValue = row[3]
            let identity: String = row[4] ?? ""
            let group = try directory.id(meter: key, identity: identity, db, pending: &pending) {
                try String.fetchOne(shown, arguments: [seq]) ?? "[]"
            }
            insert.setUncheckedArguments([key, subject, MeterRowSchema.bucket(time), seq, time, group, value])
            try insert.execute()
            subjects.insert(BytewiseString(subject))
            count += 1
        }
        let known = try db.cachedStatement(sql: "INSERT OR IGNORE INTO meter_subjects (meter, subject) VALUES (?, ?)")
        for subject in subjects {
            known.setUncheckedArguments([key, subject.text])
            try known.execute()
        }
        return count
    }
}
