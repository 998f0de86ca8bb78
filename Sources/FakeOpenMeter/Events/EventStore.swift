import Foundation
import GRDB
import StackStorage
import Synchronization

/// Events, meters and the meters' typed rows in one SQLite file.
///
/// Indexes serve the hot paths: `(subject, time, id)` for a tenant's range (v1/v2 lists by subject,
/// already in list order), `(time, id)` for unscoped ranges, and the unique `(source, id)` for
/// OpenMeter's deduplication. Meter queries read `meter_rows` (see `MeterRowSchema`).
/// A file store takes ingested events through an inbox (`EventInbox`) merged before every read.
public final class EventStore: Sendable {
    public let db: any DatabaseWriter
    let groups = MeterGroupDirectory()
    private let groupCommit = GroupCommit()
    /// nil for an in-memory store, which writes ingested events straight into `events`.
    let inbox: EventInbox?
    /// Live meters, decoded; nil until read. The generation counts meter writes (see `meters()`).
    let liveMeterCache = Mutex<(generation: Int, meters: [Meter]?)>((0, nil))
    /// One merge at a time, so a second finds the first's rows gone instead of merging them again.
    private let merging = Mutex<Void>(())

    /// SQLite's page cache per reader connection. Small: the OS caches the file too, and every
    /// reader has its own cache, so a large one multiplies into the process's memory.
    static let cacheMegabytes = 16
    /// The writer's: about the size of the indexes of a million events, which every merge inserts
    /// into at random places; with less, each insert reads its index page back from the OS.
    static let writerCacheMegabytes = 128

    public init(path: String) throws {
        let inbox = path == ":memory:" ? nil : try EventInbox(dataPath: path)
        self.inbox = inbox
        db = try SQLiteDatabase.open(path: path, cacheMegabytes: Self.cacheMegabytes, writerCacheMegabytes: Self.writerCacheMegabytes) { db in
            db.add(function: SQLFunctions.number)
            if let inbox { try db.execute(sql: "ATTACH DATABASE ? AS inbox", arguments: [inbox.path]) }
        }
        try Self.migrator.migrate(db)
        try mergeInbox()
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL,
                    source TEXT NOT NULL,
                    type TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    ingested_at INTEGER NOT NULL,
                    stored_at INTEGER NOT NULL,
                    specversion TEXT NOT NULL,
                    datacontenttype TEXT,
                    dataschema TEXT,
                    data TEXT
                );
                CREATE UNIQUE INDEX events_source_id ON events(source, id);
                CREATE INDEX events_subject_time ON events(subject, time, id);
                CREATE INDEX events_time ON events(time, id);
                CREATE TABLE meters (
                    id TEXT PRIMARY KEY,
                    slug TEXT NOT NULL,
                    deleted INTEGER NOT NULL DEFAULT 0,
                    created_seq INTEGER NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE UNIQUE INDEX meters_live_slug ON meters(slug) WHERE deleted = 0;
                """)
        }
        migrator.registerMigration("v2 meter rows") { db in
            try MeterRowSchema.create(db)
            // Stores made before per-meter rows: read their events once now.
            var pending = MeterGroupDirectory.Pending()
            let directory = MeterGroupDirectory()
            for (key, meter) in try liveMeters(db) {
                try MeterRowExtractor(meter: meter, key: key).extract(db, afterSeq: 0, directory: directory, pending: &pending)
            }
        }
        return migrator
    }

    /// Live meters with their keys (`created_seq`).
    static func liveMeters(_ db: Database) throws -> [(key: Int64, meter: Meter)] {
        try Row.fetchAll(db, sql: "SELECT created_seq, body FROM meters WHERE deleted = 0 ORDER BY created_seq").map { row in
            let body: String = row[1]
            return (row[0], try JSONDecoder().decode(Meter.self, from: Data(body.utf8)))
        }
    }

    /// Stores a batch in one transaction, with the meters' rows of the new events; events whose
    /// (source, id) exist are skipped. Returns how many were new.
    @discardableResult
    public func insert(_ events: [CloudEvent], ingestedAt: Int64) throws -> Int {
        try insert([events], ingestedAt: [ingestedAt])[0]
    }

    /// Stores one request's batch together with other requests' batches waiting at the same time
    /// (`GroupCommit`), into the inbox of a file store; returns after the transaction holding it
    /// committed, so the events survive a crash of the process.
    func ingest(_ events: [CloudEvent], ingestedAt: Int64) throws {
        guard !events.isEmpty else { return }
        _ = try groupCommit.submit(events, ingestedAt: ingestedAt) { batches, times in
            if let inbox = self.inbox {
                try inbox.append(batches, ingestedAt: times)
                return batches.map(\.count)
            }
            return try self.insert(batches, ingestedAt: times)
        }
    }

    /// Inbox rows merged per transaction at most: a backlog of millions commits in steps, so the
    /// WAL can be checkpointed between them instead of growing by the whole backlog.
    static let mergeChunk: Int64 = 200_000

    /// Moves every event acknowledged so far into `events` and the meter rows. Reads call it first.
    /// It stops at what was acknowledged when it was called, so a read never waits on appends that
    /// keep arriving behind it.
    func mergeInbox() throws {
        guard let inbox, let goal = inbox.unmerged?.upperBound else { return }
        try merging.withLock { _ in
            while let unmerged = inbox.unmerged, unmerged.lowerBound <= goal {
                try mergeChunk(inbox, unmerged.lowerBound...min(goal, unmerged.lowerBound + Self.mergeChunk - 1))
            }
        }
    }

    private func mergeChunk(_ inbox: EventInbox, _ range: ClosedRange<Int64>) throws {
        // DEFERRED, not GRDB's usual IMMEDIATE: an immediate transaction write-locks every attached
        // database, so appends to the inbox would wait for the whole merge.
        var merged = range.upperBound
        try db.writeWithoutTransaction { db in
            try db.inTransaction(.deferred) {
                let high = min(try Int64.fetchOne(db, sql: "SELECT max(n) FROM inbox.inbox") ?? 0, range.upperBound)
                guard high >= range.lowerBound else { return .commit }
                let before = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0
                // Stored in (subject, time) order, so a tenant's days lie together in the table and a
                // listing reads a few pages instead of one page per event, however they arrived. The first
                // acknowledged of a (source, id) still wins: only it is taken from the chunk.
                try db.execute(sql: """
                    INSERT OR IGNORE INTO main.events (id, source, type, subject, time, ingested_at, stored_at, specversion, datacontenttype, dataschema, data)
                    SELECT id, source, type, subject, time, ingested_at, ingested_at, specversion, datacontenttype, dataschema, data
                    FROM inbox.inbox
                    WHERE n IN (SELECT min(n) FROM inbox.inbox WHERE n >= ? AND n <= ? GROUP BY source, id)
                    ORDER BY subject, time, n
                    """, arguments: [range.lowerBound, high])
                try extractMeterRows(db, afterSeq: before)
                merged = high
                return .commit
            }
        }
        try inbox.markMerged(upTo: merged)
    }

    /// Adds the live meters' rows for events stored after `afterSeq`.
    private func extractMeterRows(_ db: Database, afterSeq: Int64, types: Set<String>? = nil) throws {
        var pending = MeterGroupDirectory.Pending()
        for (key, meter) in try Self.liveMeters(db) where types?.contains(meter.eventType) ?? true {
            try MeterRowExtractor(meter: meter, key: key).extract(db, afterSeq: afterSeq, directory: groups, pending: &pending)
        }
        groups.commitAfterTransaction(db, pending)
    }

    /// Stores several requests' batches in one transaction (a group commit), each with its own
    /// ingestion time. Returns how many of each batch were new.
    func insert(_ batches: [[CloudEvent]], ingestedAt: [Int64]) throws -> [Int] {
        guard batches.contains(where: { !$0.isEmpty }) else { return batches.map { _ in 0 } }
        // Events acknowledged earlier go first: the first stored of a (source, id) wins.
        try mergeInbox()
        return try db.write { db in
            let before = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0
            let statement = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO events (id, source, type, subject, time, ingested_at, stored_at, specversion, datacontenttype, dataschema, data)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var counts: [Int] = []
            var types: Set<String> = []
            for (events, ingestedAt) in zip(batches, ingestedAt) {
                var inserted = 0
                for event in events {
                    statement.setUncheckedArguments([
                        event.id, event.source, event.type, event.subject, event.time, ingestedAt, ingestedAt,
                        event.specversion, event.datacontenttype, event.dataschema, event.data,
                    ])
                    try statement.execute()
                    if db.changesCount > 0 {
                        inserted += 1
                        types.insert(event.type)
                    }
                }
                counts.append(inserted)
            }
            try extractMeterRows(db, afterSeq: before, types: types)
            return counts
        }
    }

    /// Removes every event and meter (fake-only reset).
    public func reset() throws {
        try merging.withLock { _ in try inbox?.reset() }
        try db.write { db in
            try db.execute(sql: "DELETE FROM events; DELETE FROM meters; DELETE FROM meter_rows; DELETE FROM meter_groups; DELETE FROM meter_subjects;")
            groups.commitAfterTransaction(db, MeterGroupDirectory.Pending(), forgetting: .all)
            forgetMetersAfterTransaction(db)
        }
    }

    public func eventCount() throws -> Int {
        try mergeInbox()
        return try db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0 }
    }

    /// The columns `storedEvent` reads, by position (GRDB's lookup by name lowercases it on every access).
    static let columns = "seq, id, source, specversion, type, subject, time, datacontenttype, dataschema, data, ingested_at, stored_at"

    /// Decodes each row as the cursor reaches it, without copying rows first. The statement is
    /// prepared once per connection: the pages of one listing repeat the same SQL.
    static func storedEvents(_ db: Database, sql: String, arguments: StatementArguments) throws -> [StoredEvent] {
        var events: [StoredEvent] = []
        let rows = try Row.fetchCursor(try db.cachedStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() { events.append(storedEvent(row)) }
        return events
    }

    static func storedEvent(_ row: Row) -> StoredEvent {
        StoredEvent(
            seq: row[0],
            event: CloudEvent(
                id: row[1], source: row[2], specversion: row[3], type: row[4],
                subject: row[5], time: row[6], datacontenttype: row[7],
                dataschema: row[8], data: row[9]
            ),
            ingestedAt: row[10], storedAt: row[11]
        )
    }
}

/// SQL functions the queries use, registered on every connection.
enum SQLFunctions {
    /// `om_number(text)`: a numeric string as a finite REAL, else NULL (OpenMeter's toFloat64OrNull,
    /// minus NaN and infinities, which aggregation skips).
    static let number = DatabaseFunction("om_number", argumentCount: 1, pure: true) { values in
        guard let text = String.fromDatabaseValue(values[0]) else { return nil }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else { return nil }
        return value
    }
}
