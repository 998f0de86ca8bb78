import BlockingWork
import Foundation
import GRDB
import StackStorage
import StackHTTP

struct MeterQueryRow {
    var value: Double
    var windowStart: Int64
    var windowEnd: Int64
    var subject: String?
    var groupBy: [String]
}

struct MeterQueryResult {
    var request: MeterQueryRequest
    /// Group-by keys other than subject, in request order.
    var groupKeys: [String]
    var bySubject: Bool
    var rows: [MeterQueryRow]
}

/// Runs meter queries over the meter's typed rows (`meter_rows`): the rows of the range are read
/// per subject, filtered by group, windowed and aggregated in Swift, then each group's values are
/// looked up once.
struct MeterQueryEngine {
    let store: EventStore

    func run(meter: Meter, request: MeterQueryRequest) async throws(HTTPFailure) -> MeterQueryResult {
        let known = meter.groupBy ?? [:]
        var groupKeys: [String] = []
        var bySubject = !request.subjects.isEmpty
        for key in request.groupBy {
            if key == "subject" { bySubject = true; continue }
            guard known[key] != nil else { throw .badRequest("invalid group by: \(key)") }
            if !groupKeys.contains(key) { groupKeys.append(key) }
        }
        // Filters run on a group's values: element i of `meter_groups.vals` is the text of key i.
        let positions = Dictionary(uniqueKeysWithValues: meter.groupByKeys.enumerated().map { ($1, $0) })
        func column(_ key: String) -> String { "json_extract(vals, '$[\(positions[key] ?? 0)]')" }
        var filters: [SQLCondition] = []
        for (key, values) in request.filterGroupBy {
            guard known[key] != nil else { throw .badRequest("invalid group by filter: \(key)") }
            filters.append(.inList(column(key), values))
        }
        for (key, filter) in request.advancedFilters {
            guard known[key] != nil else { throw .badRequest("invalid advanced group by filter: \(key)") }
            filters.append(try FilterCompiler.string(filter, column: column(key), field: key))
        }
        let groupFilter = SQLCondition.all(filters)

        var lower = request.from.map { $0.seconds + ($0.nanos > 0 ? 1 : 0) }
        if let eventFrom = meter.eventFromSeconds { lower = max(lower ?? eventFrom, eventFrom) }
        let upper = request.to.map { $0.seconds + ($0.nanos > 0 ? 1 : 0) }
        let distinct = meter.aggregation == .uniqueCount
        let store = self.store

        do {
            try await offCooperativePool { try store.mergeInbox() }
            let (key, subjects) = try await store.db.readOffCooperativePool { db -> (Int64?, [String]) in
                guard let key = try store.meterKey(db, id: meter.id) else { return (nil, []) }
                if !request.subjects.isEmpty {
                    var seen: Set<BytewiseString> = []
                    return (key, request.subjects.filter { seen.insert(BytewiseString($0)).inserted })
                }
                return (key, try String.fetchAll(db, sql: "SELECT subject FROM meter_subjects WHERE meter = ?", arguments: [key]))
            }
            guard let key, !subjects.isEmpty else {
                return MeterQueryResult(request: request, groupKeys: groupKeys, bySubject: bySubject, rows: [])
            }
            // A long bounded range is read as two time slices on separate reader connections (WAL) at once.
            let slices = Self.slices(from: lower, to: upper, parallel: store.db is DatabasePool)
            var scan = try await withThrowingTaskGroup(of: (Int, MeterRowScan).self) { group in
                for (index, slice) in slices.enumerated() {
                    group.addTask {
                        let scan = try await store.db.readOffCooperativePool { db in
                            try MeterRowScan.read(db, meter: key, subjects: subjects, lower: slice.lower, upper: slice.upper, distinct: distinct)
                        }
                        return (index, scan)
                    }
                }
                var parts: [(Int, MeterRowScan)] = []
                for try await part in group { parts.append(part) }
                parts.sort { $0.0 < $1.0 }
                var merged = parts.first?.1 ?? MeterRowScan()
                for part in parts.dropFirst() { merged.append(part.1) }
                return merged
            }

            if groupFilter.sql != "1" {
                let seen = Set(scan.groups)
                let allowed = try await store.db.readOffCooperativePool { db in
                    try Self.groups(db, among: seen, matching: groupFilter)
                }
                scan.keep(groups: allowed)
            }
            guard scan.count > 0 else {
                return MeterQueryResult(request: request, groupKeys: groupKeys, bySubject: bySubject, rows: [])
            }
            let window = windowing(request: request, times: scan.times)

            // Accumulate per (window, subject, group id): integers only, one hash per row.
            var slots: [GroupProjection.Slot: Int] = [:]
            var slotKeys: [GroupProjection.Slot] = []
            var accumulators: [GroupAccumulator] = []
            let keepGroups = !groupKeys.isEmpty
            for i in 0..<scan.count {
                let time = scan.times[i]
                let slot = GroupProjection.Slot(
                    window: window.start(time), subject: bySubject ? scan.subjectIndex[i] : -1, group: keepGroups ? scan.groups[i] : 0
                )
                let index: Int
                if let known = slots[slot] {
                    index = known
                } else {
                    index = accumulators.count
                    slots[slot] = index
                    slotKeys.append(slot)
                    accumulators.append(GroupAccumulator())
                }
                if distinct {
                    accumulators[index].add(time: time, distinctValue: scan.texts[i])
                } else {
                    accumulators[index].add(time: time, number: scan.numbers[i])
                }
            }

            var values: [Int64: [String]] = [:]
            if keepGroups {
                let ids = Set(slotKeys.map(\.group))
                values = try await store.db.readOffCooperativePool { db in try store.groups.values(of: ids, db) }
            }
            let groups = GroupProjection.project(
                slots: slotKeys, accumulators: accumulators, subjects: scan.subjects,
                values: values, projection: groupKeys.map { positions[$0] ?? 0 }
            )
            var rows: [MeterQueryRow] = []
            rows.reserveCapacity(groups.count)
            for group in groups {
                let accumulator = group.accumulator
                guard let value = accumulator.value(meter.aggregation) else { continue }
                let (start, end): (Int64, Int64)
                if request.windowSize == nil {
                    start = request.from?.seconds ?? Self.floorMinute(accumulator.firstTime)
                    end = request.to?.seconds ?? Self.floorMinute(accumulator.lastTime) + 60
                } else {
                    start = group.window
                    end = window.end(group.window)
                }
                rows.append(MeterQueryRow(value: value, windowStart: start, windowEnd: end, subject: group.subject, groupBy: group.values))
            }
            return MeterQueryResult(request: request, groupKeys: groupKeys, bySubject: bySubject, rows: rows)
        } catch let failure as HTTPFailure {
            throw failure
        } catch {
            throw HTTPFailure(.internalServerError, "")
        }
    }

    /// The ids among `seen` whose values pass the group filter.
    static func groups(_ db: Database, among seen: Set<Int64>, matching filter: SQLCondition) throws -> Set<Int64> {
        var allowed: Set<Int64> = []
        let ids = Array(seen)
        for start in stride(from: 0, to: ids.count, by: 500) {
            let batch = ids[start..<min(start + 500, ids.count)]
            let marks = Array(repeating: "?", count: batch.count).joined(separator: ",")
            let found = try Int64.fetchAll(
                db, sql: "SELECT id FROM meter_groups WHERE id IN (\(marks)) AND (\(filter.sql))",
                arguments: StatementArguments(batch.map(\.databaseValue) + filter.arguments)
            )
            allowed.formUnion(found)
        }
        return allowed
    }

    /// Time slices read in parallel: the halves of a bounded range of over an hour on a pool, else the
    /// range itself as one read.
    static func slices(from: Int64?, to: Int64?, parallel: Bool) -> [(lower: Int64?, upper: Int64?)] {
        guard parallel, let from, let to, to - from > 3600 else { return [(from, to)] }
        let middle = from + (to - from) / 2
        return [(from, middle), (middle, to)]
    }

    static func floorMinute(_ t: Int64) -> Int64 {
        t >= 0 ? t / 60 * 60 : (t - 59) / 60 * 60
    }

    struct Windowing {
        var start: (Int64) -> Int64
        var end: (Int64) -> Int64
    }

    /// Window starts and ends; calendar windows span the request's range, or the rows' own when it is open.
    private func windowing(request: MeterQueryRequest, times: [Int64]) -> Windowing {
        guard let size = request.windowSize else { return Windowing(start: { _ in 0 }, end: { $0 }) }
        let calendar = WindowCalendar(size: size, timeZone: request.timeZone)
        if size == .minute {
            return Windowing(start: { $0 - (($0 % 60) + 60) % 60 }, end: { $0 + 60 })
        }
        var lower = request.from?.seconds
        var upper = request.to?.seconds
        if lower == nil || upper == nil {
            lower = lower ?? times.min() ?? 0
            upper = upper ?? (times.max().map { $0 + 1 } ?? 1)
        }
        if size == .hour {
            if let alignment = calendar.hourAlignment(from: lower ?? 0, to: upper ?? 1) {
                return Windowing(start: { $0 - ((($0 + alignment) % 3600) + 3600) % 3600 }, end: { $0 + 3600 })
            }
            // A zone whose sub-hour offset changes inside the range (Lord Howe): align each row to its own offset.
            return Windowing(start: { calendar.hourStart(containing: $0) }, end: { $0 + 3600 })
        }
        // Calendar windows: boundaries over the range, looked up per row by binary search.
        let bounds = calendar.boundaries(from: lower ?? 0, to: max(upper ?? 1, (lower ?? 0) + 1))
        return Windowing(start: { Self.windowStart($0, bounds: bounds) }, end: { Self.windowEnd($0, bounds: bounds) })
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
