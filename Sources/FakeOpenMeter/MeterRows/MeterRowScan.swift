import GRDB

/// The meter rows a query reads, column by column: subject (an index into `subjects`), time,
/// group id and value.
struct MeterRowScan: Sendable {
    var subjects: [String] = []
    var subjectIndex: [Int32] = []
    var times: [Int64] = []
    var groups: [Int64] = []
    /// Numeric aggregations: the number, nil where the event's value is not one.
    var numbers: [Double?] = []
    /// UNIQUE_COUNT: the value's text.
    var texts: [String?] = []

    var count: Int { times.count }

    /// Reads one subject after another (each one index range over its days), within [lower, upper).
    static func read(
        _ db: Database, meter: Int64, subjects: [String], lower: Int64?, upper: Int64?, distinct: Bool
    ) throws -> MeterRowScan {
        var scan = MeterRowScan()
        scan.subjects = subjects
        var sql = "SELECT time, grp, value FROM meter_rows WHERE meter = ? AND subject = ?"
        var bounds: [Int64] = []
        if let lower {
            sql += " AND day >= ? AND time >= ?"
            bounds += [MeterRowSchema.bucket(lower), lower]
        }
        if let upper {
            sql += " AND day <= ? AND time < ?"
            bounds += [MeterRowSchema.bucket(upper - 1), upper]
        }
        let statement = try db.cachedStatement(sql: sql)
        for (index, subject) in subjects.enumerated() {
            let arguments = StatementArguments([meter.databaseValue, subject.databaseValue] + bounds.map(\.databaseValue))
            let rows = try Row.fetchCursor(statement, arguments: arguments)
            while let row = try rows.next() {
                scan.subjectIndex.append(Int32(index))
                scan.times.append(row[0])
                scan.groups.append(row[1])
                if distinct { scan.texts.append(row[2]) } else { scan.numbers.append(row[2]) }
            }
        }
        return scan
    }

    /// Appends another slice's rows read over the same subjects.
    mutating func append(_ other: MeterRowScan) {
        subjectIndex += other.subjectIndex
        times += other.times
        groups += other.groups
        numbers += other.numbers
        texts += other.texts
    }

    /// Keeps only the rows whose group is in `allowed`.
    mutating func keep(groups allowed: Set<Int64>) {
        var kept = MeterRowScan()
        kept.subjects = subjects
        for i in 0..<count where allowed.contains(groups[i]) {
            kept.subjectIndex.append(subjectIndex[i])
            kept.times.append(times[i])
            kept.groups.append(groups[i])
            if !numbers.isEmpty { kept.numbers.append(numbers[i]) }
            if !texts.isEmpty { kept.texts.append(texts[i]) }
        }
        self = kept
    }
}
