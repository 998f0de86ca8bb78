import Foundation
import GRDB
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

    func run(meter: Meter, request: MeterQueryRequest) throws(HTTPFailure) -> MeterQueryResult {
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

        let aggregate: (select: String, having: String?) = {
            guard let path = meter.valueProperty, meter.aggregation != .count else { return ("count(*)", nil) }
            let num = Self.numericExpression(path: path)
            switch meter.aggregation {
            case .sum: return ("sum(\(num))", "count(\(num)) > 0")
            case .avg: return ("avg(\(num))", "count(\(num)) > 0")
            case .min: return ("min(\(num))", "count(\(num)) > 0")
            case .max: return ("max(\(num))", "count(\(num)) > 0")
            case .uniqueCount:
                let v = "json_extract(data, \(Self.literal(path)))"
                return ("count(DISTINCT CAST(\(v) AS TEXT))", "count(\(v)) > 0")
            case .latest:
                // The value of the latest numeric event: order by zero-padded time inside one max().
                let keyed = "CASE WHEN (\(num)) IS NOT NULL THEN printf('%015d|%.17g', time + 100000000000, \(num)) END"
                return ("CAST(substr(max(\(keyed)), 17) AS REAL)", "count(\(num)) > 0")
            case .count: return ("count(*)", nil)
            }
        }()

        var groupColumns: [String] = []
        var selects: [String] = []
        if bySubject { selects.append("subject AS s"); groupColumns.append("s") }
        for (i, key) in groupKeys.enumerated() {
            selects.append("\(Self.groupExpression(path: known[key] ?? "$")) AS g\(i)")
            groupColumns.append("g\(i)")
        }

        do {
            return try store.db.read { db in
                let window = try windowing(db: db, request: request, condition: condition)
                if let function = window.function { db.add(function: function) }
                defer { if let function = window.function { db.remove(function: function) } }
                let allGroups = ["w"] + groupColumns
                let sql = """
                    SELECT \(window.expression) AS w, min(time) AS tmin, max(time) AS tmax, \(aggregate.select) AS value
                    \(selects.isEmpty ? "" : ", " + selects.joined(separator: ", "))
                    FROM events WHERE \(condition.sql)
                    GROUP BY \(allGroups.joined(separator: ", "))
                    \(aggregate.having.map { "HAVING \($0)" } ?? "")
                    ORDER BY \(allGroups.joined(separator: ", "))
                    """
                var rows: [MeterQueryRow] = []
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: condition.statementArguments)
                while let row = try cursor.next() {
                    let value: Double = row["value"] ?? 0
                    let (start, end): (Int64, Int64)
                    if request.windowSize == nil {
                        let tmin: Int64 = row["tmin"], tmax: Int64 = row["tmax"]
                        start = request.from?.seconds ?? Self.floorMinute(tmin)
                        end = request.to?.seconds ?? Self.floorMinute(tmax) + 60
                    } else {
                        let w: Int64 = row["w"]
                        start = w
                        end = window.end(w)
                    }
                    rows.append(MeterQueryRow(
                        value: value, windowStart: start, windowEnd: end,
                        subject: bySubject ? row["s"] : nil,
                        groupBy: groupKeys.indices.map { row["g\($0)"] }
                    ))
                }
                return MeterQueryResult(request: request, groupKeys: groupKeys, bySubject: bySubject, rows: rows)
            }
        } catch let failure as HTTPFailure {
            throw failure
        } catch {
            throw HTTPFailure(.internalServerError, "")
        }
    }

    static func floorMinute(_ t: Int64) -> Int64 {
        t >= 0 ? t / 60 * 60 : (t - 59) / 60 * 60
    }

    struct Windowing {
        var expression: String
        var function: DatabaseFunction?
        var end: (Int64) -> Int64
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
