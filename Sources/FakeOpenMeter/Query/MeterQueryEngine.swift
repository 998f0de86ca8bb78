import Foundation
import GRDB
import StackStorage
import StackHTTP

struct MeterQueryRow {
    var value: Double
    var windowStart: Int64
    var windowEnd: Int64
    var subject: String?
    var groupBy: [String?]
}

struct MeterQueryResult {
    var request: MeterQueryRequest
    /// Group-by keys other than subject, in request order.
    var groupKeys: [String]
    var bySubject: Bool
    var rows: [MeterQueryRow]
}

/// Runs meter queries as one grouped SQL statement over the tenant's index range.
struct MeterQueryEngine {
    let store: EventStore

    /// SQL text of a group-by value: OpenMeter returns strings, "" when the property is missing.
    static func groupExpression(path: String) -> String {
        "COALESCE(CAST(json_extract(data, \(literal(path))) AS TEXT), '')"
    }

    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

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

    /// Filters in SQL, groups in Swift: SQLite has no hash aggregation, and sorting every row of a
    /// tenant's week by five text keys costs more than the scan. A long range is read as time slices
    /// on separate reader connections (WAL) at once, and their partial groups merged.
    func run(meter: Meter, request: MeterQueryRequest) async throws(HTTPFailure) -> MeterQueryResult {
        let known = meter.groupBy ?? [:]
        var groupKeys: [String] = []
        var bySubject = !request.subjects.isEmpty
        for key in request.groupBy {
            if key == "subject" { bySubject = true; continue }
            guard known[key] != nil else { throw .badRequest("invalid group by: \(key)") }
            if !groupKeys.contains(key) { groupKeys.append(key) }
        }

        var conditions = [SQLCondition(sql: "type = ?", arguments: [meter.eventType])]
        var lower = request.from.map { $0.seconds + ($0.nanos > 0 ? 1 : 0) }
        if let eventFrom = meter.eventFromSeconds { lower = max(lower ?? eventFrom, eventFrom) }
        if let lower { conditions.append(SQLCondition(sql: "time >= ?", arguments: [lower])) }
        if let to = request.to { conditions.append(SQLCondition(sql: "time < ?", arguments: [to.seconds + (to.nanos > 0 ? 1 : 0)])) }
        if !request.subjects.isEmpty { conditions.append(.inList("subject", request.subjects)) }
        for (key, values) in request.filterGroupBy {
            guard let path = known[key] else { throw .badRequest("invalid group by filter: \(key)") }
            conditions.append(.inList(Self.groupExpression(path: path), values))
        }
        for (key, filter) in request.advancedFilters {
            guard let path = known[key] else { throw .badRequest("invalid advanced group by filter: \(key)") }
            conditions.append(try FilterCompiler.string(filter, column: Self.groupExpression(path: path), field: key))
        }
        let condition = SQLCondition.all(conditions)

        // The per-row value column: a number (NULL when not numeric), the raw value for UNIQUE_COUNT, or nothing.
        let valueColumn: String
        if let path = meter.valueProperty, meter.aggregation != .count {
            valueColumn = meter.aggregation == .uniqueCount
                ? "CAST(json_extract(data, \(Self.literal(path))) AS TEXT)"
                : Self.numericExpression(path: path)
        } else {
            valueColumn = "NULL"
        }
        let groupColumns = groupKeys.map { Self.groupExpression(path: known[$0] ?? "$") }
        // One text per row that tells groups apart (equal text, equal group), so a row costs one string
        // and one hash; the group's display columns are read only for its first row.
        let paths = groupKeys.map { Self.literal(known[$0] ?? "$") }
        let rowKey = "json_array(\(bySubject ? "subject" : "NULL"), \(paths.isEmpty ? "NULL" : "json_extract(data, \(paths.joined(separator: ", ")))"))"
        let distinct = meter.aggregation == .uniqueCount
        let grouped = bySubject

        do {
            let window = try await store.db.readOffCooperativePool { db in try windowing(db: db, request: request, condition: condition) }
            let slices = Self.slices(from: request.from?.seconds, to: request.to?.seconds, parallel: store.db is DatabasePool)
            let groups = try await withThrowingTaskGroup(of: [GroupKey: GroupAccumulator].self) { group in
                for slice in slices {
                    let sliced = SQLCondition.all([condition] + (slice.map { [$0] } ?? []))
                    group.addTask {
                        try await store.db.readOffCooperativePool { db in
                            if let function = window.function { db.add(function: function) }
                            defer { if let function = window.function { db.remove(function: function) } }
                            let sql = """
                                SELECT time, \(window.expression), value, rowKey, seq
                                FROM (SELECT time, seq, \(valueColumn) AS value, \(rowKey) AS rowKey FROM events WHERE \(sliced.sql))
                                """
                            return try Self.accumulate(db, sql: sql, arguments: sliced.statementArguments,
                                                       bySubject: grouped, groupColumns: groupColumns, distinct: distinct)
                        }
                    }
                }
                var merged: [GroupKey: GroupAccumulator] = [:]
                for try await partial in group {
                    if merged.isEmpty { merged = partial; continue }
                    for (key, accumulator) in partial { merged[key, default: GroupAccumulator()].merge(accumulator) }
                }
                return merged
            }
            var rows: [MeterQueryRow] = []
            for key in groups.keys.sorted(by: GroupKey.ordered) {
                guard let accumulator = groups[key], let value = accumulator.value(meter.aggregation) else { continue }
                let (start, end): (Int64, Int64)
                if request.windowSize == nil {
                    start = request.from?.seconds ?? Self.floorMinute(accumulator.firstTime)
                    end = request.to?.seconds ?? Self.floorMinute(accumulator.lastTime) + 60
                } else {
                    start = key.window
                    end = window.end(key.window)
                }
                rows.append(MeterQueryRow(value: value, windowStart: start, windowEnd: end, subject: key.subject?.text, groupBy: key.values.map(\.text)))
            }
            return MeterQueryResult(request: request, groupKeys: groupKeys, bySubject: bySubject, rows: rows)
        } catch let failure as HTTPFailure {
            throw failure
        } catch {
            throw HTTPFailure(.internalServerError, "")
        }
    }

    /// Reads `time, window, value, row key, seq` rows into groups. A group's subject and group-by values
    /// are read afterwards from one of its rows, so the scan extracts only the row key per row.
    private static func accumulate(
        _ db: Database, sql: String, arguments: StatementArguments, bySubject: Bool, groupColumns: [String], distinct: Bool
    ) throws -> [GroupKey: GroupAccumulator] {
        struct RowKey: Hashable {
            var window: Int64
            var text: BytewiseString
        }
        var slots: [RowKey: Int] = [:]
        var slotKeys: [RowKey] = []
        var accumulators: [GroupAccumulator] = []
        var sampleRow: [BytewiseString: Int64] = [:]
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try cursor.next() {
            let time: Int64 = row[0]
            let rowKey = RowKey(window: row[1], text: BytewiseString(row[3] ?? ""))
            let slot: Int
            if let known = slots[rowKey] {
                slot = known
            } else {
                if sampleRow[rowKey.text] == nil { sampleRow[rowKey.text] = row[4] }
                slotKeys.append(rowKey)
                accumulators.append(GroupAccumulator())
                slot = accumulators.count - 1
                slots[rowKey] = slot
            }
            if distinct {
                accumulators[slot].add(time: time, distinctValue: row[2])
            } else {
                accumulators[slot].add(time: time, number: row[2])
            }
        }

        // The display values of each distinct row key, from its sample row.
        var display: [BytewiseString: (subject: String?, values: [String])] = [:]
        let samples = Array(sampleRow)
        for start in stride(from: 0, to: samples.count, by: 500) {
            let batch = samples[start..<min(start + 500, samples.count)]
            let bySeq = Dictionary(batch.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
            let marks = Array(repeating: "?", count: batch.count).joined(separator: ",")
            let rows = try Row.fetchCursor(
                db, sql: "SELECT seq, subject\(groupColumns.map { ", " + $0 }.joined()) FROM events WHERE seq IN (\(marks))",
                arguments: StatementArguments(batch.map(\.value))
            )
            while let row = try rows.next() {
                guard let key = bySeq[row[0]] else { continue }
                display[key] = (bySubject ? row[1] : nil, groupColumns.indices.map { row[2 + $0] })
            }
        }
        // Distinct row keys can still show the same group (the number 1 and the string "1" both read "1").
        var groups: [GroupKey: GroupAccumulator] = [:]
        for (rowKey, accumulator) in zip(slotKeys, accumulators) {
            let shown = display[rowKey.text] ?? (nil, Array(repeating: "", count: groupColumns.count))
            groups[GroupKey(window: rowKey.window, subject: shown.subject, values: shown.values), default: GroupAccumulator()].merge(accumulator)
        }
        return groups
    }

    /// Time slices read in parallel: the halves of a bounded range of over an hour on a pool, else one
    /// read. The halves are open-ended so the query's own exact bounds still decide the edges.
    static func slices(from: Int64?, to: Int64?, parallel: Bool) -> [SQLCondition?] {
        guard parallel, let from, let to, to - from > 3600 else { return [nil] }
        let middle = from + (to - from) / 2
        return [SQLCondition(sql: "time < ?", arguments: [middle]), SQLCondition(sql: "time >= ?", arguments: [middle])]
    }

    static func floorMinute(_ t: Int64) -> Int64 {
        t >= 0 ? t / 60 * 60 : (t - 59) / 60 * 60
    }

    struct Windowing: Sendable {
        var expression: String
        var function: DatabaseFunction?
        var end: @Sendable (Int64) -> Int64
    }

    private func windowing(db: Database, request: MeterQueryRequest, condition: SQLCondition) throws -> Windowing {
        guard let size = request.windowSize else { return Windowing(expression: "0", function: nil, end: { $0 }) }
        let calendar = WindowCalendar(size: size, timeZone: request.timeZone)
        if size == .minute {
            return Windowing(expression: "time - ((time % 60) + 60) % 60", function: nil, end: { $0 + 60 })
        }
        var lower = request.from?.seconds
        var upper = request.to?.seconds
        if lower == nil || upper == nil {
            let range = try Row.fetchOne(db, sql: "SELECT min(time) AS lo, max(time) AS hi FROM events WHERE \(condition.sql)", arguments: condition.statementArguments)
            let lo: Int64? = range?["lo"], hi: Int64? = range?["hi"]
            lower = lower ?? lo ?? 0
            upper = upper ?? (hi.map { $0 + 1 } ?? 1)
        }
        if size == .hour {
            if let alignment = calendar.hourAlignment(from: lower ?? 0, to: upper ?? 1) {
                return Windowing(
                    expression: "time - (((time + \(alignment)) % 3600) + 3600) % 3600",
                    function: nil, end: { $0 + 3600 }
                )
            }
            // A zone whose sub-hour offset changes inside the range (Lord Howe): align each row to its own offset.
            let function = DatabaseFunction("om_window", argumentCount: 1, pure: true) { values in
                guard let t = Int64.fromDatabaseValue(values[0]) else { return nil }
                return calendar.hourStart(containing: t)
            }
            return Windowing(expression: "om_window(time)", function: function, end: { $0 + 3600 })
        }
        // Calendar windows: boundaries over the data's range, looked up per row by binary search.
        let bounds = calendar.boundaries(from: lower ?? 0, to: max(upper ?? 1, (lower ?? 0) + 1))
        let function = DatabaseFunction("om_window", argumentCount: 1, pure: true) { values in
            guard let t = Int64.fromDatabaseValue(values[0]) else { return nil }
            return Self.windowStart(t, bounds: bounds)
        }
        return Windowing(expression: "om_window(time)", function: function, end: { start in
            Self.windowEnd(start, bounds: bounds)
        })
    }

    static func windowStart(_ t: Int64, bounds: [Int64]) -> Int64 {
        var lo = 0, hi = bounds.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if bounds[mid] <= t { lo = mid } else { hi = mid - 1 }
        }
        return bounds[lo]
    }

    static func windowEnd(_ start: Int64, bounds: [Int64]) -> Int64 {
        var lo = 0, hi = bounds.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if bounds[mid] <= start { lo = mid + 1 } else { hi = mid }
        }
        return lo < bounds.count ? bounds[lo] : start + 86400
    }
}
