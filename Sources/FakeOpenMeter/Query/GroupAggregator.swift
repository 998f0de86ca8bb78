import Foundation

/// Text compared and hashed by its UTF-8 bytes, as SQLite (and ClickHouse) compare it. Swift's own
/// String equality treats canonically equivalent text ("Å" as one or two scalars) as equal.
struct BytewiseString: Hashable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (a: BytewiseString, b: BytewiseString) -> Bool {
        var x = a.text, y = b.text
        // memcmp on the contiguous UTF-8: this runs once per row of a grouped query.
        return x.withUTF8 { xs in
            y.withUTF8 { ys in
                guard xs.count == ys.count else { return false }
                guard let xp = xs.baseAddress, let yp = ys.baseAddress else { return true }
                return memcmp(xp, yp, xs.count) == 0
            }
        }
    }

    func hash(into hasher: inout Hasher) {
        var copy = text
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(text.utf8.count)
    }
}

/// Running state of one group for every aggregation, so partial results of separate time slices merge.
struct GroupAccumulator {
    var rows = 0
    var numeric = 0
    /// Neumaier-compensated sum: the result does not drift with row or slice order.
    var sum = 0.0
    var compensation = 0.0
    var minimum = Double.infinity
    var maximum = -Double.infinity
    var latestTime = Int64.min
    var latestValue = 0.0
    var distinct: Set<BytewiseString> = []
    var firstTime = Int64.max
    var lastTime = Int64.min

    mutating func add(time: Int64, number: Double?) {
        rows += 1
        firstTime = min(firstTime, time)
        lastTime = max(lastTime, time)
        guard let number else { return }
        numeric += 1
        addToSum(number)
        minimum = min(minimum, number)
        maximum = max(maximum, number)
        if time > latestTime || (time == latestTime && number > latestValue) {
            latestTime = time
            latestValue = number
        }
    }

    mutating func add(time: Int64, distinctValue: String?) {
        rows += 1
        firstTime = min(firstTime, time)
        lastTime = max(lastTime, time)
        guard let distinctValue else { return }
        numeric += 1
        distinct.insert(BytewiseString(distinctValue))
    }

    mutating func merge(_ other: GroupAccumulator) {
        rows += other.rows
        numeric += other.numeric
        addToSum(other.sum)
        addToSum(other.compensation)
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
        if other.latestTime > latestTime || (other.latestTime == latestTime && other.latestValue > latestValue) {
            latestTime = other.latestTime
            latestValue = other.latestValue
        }
        distinct.formUnion(other.distinct)
        firstTime = min(firstTime, other.firstTime)
        lastTime = max(lastTime, other.lastTime)
    }

    private mutating func addToSum(_ value: Double) {
        let total = sum + value
        if abs(sum) >= abs(value) {
            compensation += (sum - total) + value
        } else {
            compensation += (value - total) + sum
        }
        sum = total
    }

    /// The aggregated value, or nil when the group has no value to aggregate (it yields no row).
    func value(_ aggregation: MeterAggregation) -> Double? {
        if aggregation == .count { return Double(rows) }
        guard numeric > 0 else { return nil }
        switch aggregation {
        case .sum: return sum + compensation
        case .avg: return (sum + compensation) / Double(numeric)
        case .min: return minimum
        case .max: return maximum
        case .latest: return latestValue
        case .uniqueCount: return Double(distinct.count)
        case .count: return Double(rows)
        }
    }
}
