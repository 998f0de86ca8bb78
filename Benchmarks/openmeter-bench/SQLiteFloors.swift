import BenchmarkSupport
import FakeOpenMeter
import Foundation
import GRDB
import StackStorage
import WireFormats

/// Plain SQLite doing the least an events store must (dedupe on ingest, read a tenant's range) and
/// a typed table answering the meter query, in this process, on files of their own. Opened as the
/// fakes open theirs (`SQLiteDatabase.open`: WAL, synchronous=NORMAL); the same events, batches and order.
struct SQLiteFloors {
    /// fake-openmeter's EventStore cache size, so the floor has no more memory than the server.
    static let cacheMegabytes = 16

    struct Figures {
        var settings = ""
        var eventsPerSecond = 0.0
        var groupedTimes: [Double] = []
        var groupedRows = 0
        var totalTimes: [Double] = []
        var total = 0.0
        var readTimes: [Double] = []
        var readEvents = 0
        var databaseBytes = 0
    }

    let directory: URL
    let range: TenantRange
    let repetitions: Int
    let readRepetitions: Int

    func measure(_ data: BenchData) throws -> Figures {
        var figures = Figures()
        let eventsPath = directory.appendingPathComponent("floor-events.sqlite").path
        let events = try SQLiteDatabase.open(path: eventsPath, cacheMegabytes: Self.cacheMegabytes)
        figures.settings = try events.read { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "?"
            let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            return "journal_mode=\(mode), synchronous=\(synchronous == 1 ? "NORMAL" : String(synchronous)), cache \(Self.cacheMegabytes) MiB"
        }
        figures.eventsPerSecond = try ingest(data, into: events)
        (figures.readTimes, figures.readEvents) = try v2Read(events)
        figures.databaseBytes = databaseBytes(eventsPath)

        let usage = try SQLiteDatabase.open(path: directory.appendingPathComponent("floor-usage.sqlite").path, cacheMegabytes: Self.cacheMegabytes)
        try fillUsage(data, into: usage)
        (figures.groupedTimes, figures.groupedRows, _) = try query(usage, grouped: true)
        (figures.totalTimes, _, figures.total) = try query(usage, grouped: false)
        return figures
    }

    /// One transaction a batch, one prepared INSERT OR IGNORE (the dedupe), single-threaded; events/s.
    private func ingest(_ data: BenchData, into writer: any DatabaseWriter) throws -> Double {
        try writer.write { db in
            try db.execute(sql: """
                CREATE TABLE events(seq INTEGER PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL, type TEXT NOT NULL,
                                    subject TEXT NOT NULL, time INTEGER NOT NULL, data TEXT, UNIQUE(source, id));
                CREATE INDEX events_subject_time ON events(subject, time);
                """)
        }
        let started = ContinuousClock.now
        for batch in data.batches {
            try writer.write { db in
                let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO events(id, source, type, subject, time, data) VALUES (?, ?, ?, ?, ?, ?)")
                for event in batch {
                    insert.setUncheckedArguments([event.id, event.source, event.type, event.subject, event.time, event.data])
                    try insert.execute()
                }
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        let stored = try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0 }
        guard stored == data.events.count else { throw BenchError("floor stored \(stored) of \(data.events.count) events") }
        return Double(stored) / seconds
    }

    /// Every event of the range, newest first, read into Swift values; whole-read times in ms.
    private func v2Read(_ reader: any DatabaseReader) throws -> ([Double], Int) {
        try reader.read { db in
            let select = try db.makeStatement(sql: "SELECT * FROM events WHERE subject = ? AND time >= ? AND time < ? ORDER BY time DESC, id DESC")
            var times: [Double] = []
            var count = 0
            for _ in 0..<readRepetitions {
                let start = ContinuousClock.now
                var read: [StoredRow] = []
                let rows = try Row.fetchCursor(select, arguments: [range.subject, range.from, range.to])
                while let row = try rows.next() {
                    read.append(StoredRow(seq: row[0], id: row[1], source: row[2], type: row[3], subject: row[4], time: row[5], data: row[6]))
                }
                times.append((ContinuousClock.now - start).seconds * 1000)
                count = read.count
            }
            return (times, count)
        }
    }

    struct StoredRow {
        var seq: Int64, id: String, source: String, type: String, subject: String, time: Int64, data: String?
    }

    /// The typed table, its values parsed from each event's data (not timed).
    private func fillUsage(_ data: BenchData, into writer: any DatabaseWriter) throws {
        try writer.write { db in
            try db.execute(sql: """
                CREATE TABLE usage(subject TEXT NOT NULL, time INTEGER NOT NULL, user TEXT, module TEXT, product TEXT,
                                   tenant TEXT, skill TEXT, credits REAL);
                CREATE INDEX usage_subject_time ON usage(subject, time);
                """)
        }
        for batch in data.batches {
            try writer.write { db in
                let insert = try db.cachedStatement(sql: "INSERT INTO usage VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                for event in batch {
                    let value = try JSONParser.parse(Array((event.data ?? "{}").utf8))
                    var credits: Double?
                    if case .number(let number)? = value["credits"] { credits = number }
                    insert.setUncheckedArguments([
                        event.subject, event.time, value["user"]?.stringValue, value["module"]?.stringValue,
                        value["product"]?.stringValue, value["tenant"]?.stringValue, value["skill"]?.stringValue, credits,
                    ])
                    try insert.execute()
                }
            }
        }
    }

    /// The meter query in SQL, grouped by the five keys or not: times in ms (5 untimed warm-ups),
    /// the rows of the last answer and the sum of their credits.
    private func query(_ reader: any DatabaseReader, grouped: Bool) throws -> ([Double], Int, Double) {
        let condition = "FROM usage WHERE subject = ? AND time >= ? AND time < ?"
        let sql = grouped
            ? "SELECT user, module, product, tenant, skill, sum(credits) \(condition) GROUP BY user, module, product, tenant, skill"
            : "SELECT sum(credits) \(condition)"
        return try reader.read { db in
            let select = try db.makeStatement(sql: sql)
            var times: [Double] = []
            var groups: [UsageGroup] = []
            for i in 0..<(repetitions + 5) {
                let start = ContinuousClock.now
                groups = []
                let rows = try Row.fetchCursor(select, arguments: [range.subject, range.from, range.to])
                while let row = try rows.next() {
                    groups.append(grouped
                        ? UsageGroup(user: row[0], module: row[1], product: row[2], tenant: row[3], skill: row[4], credits: row[5] ?? 0)
                        : UsageGroup(credits: row[0] ?? 0))
                }
                if i >= 5 { times.append((ContinuousClock.now - start).seconds * 1000) }
            }
            return (times, groups.count, groups.reduce(0) { $0 + $1.credits })
        }
    }

    struct UsageGroup {
        var user: String?, module: String?, product: String?, tenant: String?, skill: String?
        var credits: Double

        init(user: String? = nil, module: String? = nil, product: String? = nil, tenant: String? = nil, skill: String? = nil, credits: Double) {
            self.user = user
            self.module = module
            self.product = product
            self.tenant = tenant
            self.skill = skill
            self.credits = credits
        }
    }
}
