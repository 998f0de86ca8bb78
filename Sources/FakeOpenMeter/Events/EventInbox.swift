import Foundation
import GRDB
import StackStorage
import Synchronization

/// Where ingested events land first: an append-only table in a SQLite file of its own
/// (`<data>.inbox`), so acknowledging a batch costs one sequential append and commit, not an insert
/// into every index of `events`. `EventStore` moves the inbox into `events` (and the meter rows) in
/// large transactions: in the background (`InboxMerger`), and before any read, so every read sees
/// every acknowledged event. A separate file has its own write lock: appends go on while a merge
/// writes `events`.
///
/// A merge commits into `events` first and empties the inbox after; a crash in between leaves rows
/// that the next merge skips, as `events` ignores an existing (source, id).
final class EventInbox: Sendable {
    let path: String
    let db: any DatabaseWriter
    /// The highest inbox row committed (acknowledged) so far.
    private let acknowledged = Mutex<Int64>(0)
    /// The highest inbox row known to be in `events`.
    private let merged = Mutex<Int64>(0)
    let signal = WakeSignal()

    static func path(forData dataPath: String) -> String { dataPath + ".inbox" }

    init(dataPath: String) throws {
        path = Self.path(forData: dataPath)
        db = try SQLiteDatabase.open(path: path, cacheMegabytes: 4)
        // The inbox empties after every merge: FULL auto-vacuum gives the freed pages back to the disk.
        // A file already in WAL mode takes the setting only through a VACUUM: done once, while it is empty.
        try db.writeWithoutTransaction { db in
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name = 'inbox'") == 0 {
                try db.execute(sql: "PRAGMA auto_vacuum = FULL")
                try db.execute(sql: "VACUUM")
            }
        }
        try db.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS inbox (
                    n INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: `merged` compares against it
                    id TEXT NOT NULL,
                    source TEXT NOT NULL,
                    type TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    ingested_at INTEGER NOT NULL,
                    specversion TEXT NOT NULL,
                    datacontenttype TEXT,
                    dataschema TEXT,
                    data TEXT
                )
                """)
        }
        // Rows left by a crash count as acknowledged: the next merge (the store runs one at once) takes them.
        let left = try db.read { db in try Int64.fetchOne(db, sql: "SELECT max(n) FROM inbox") } ?? 0
        acknowledged.withLock { $0 = left }
    }

    /// Appends batches in one transaction and wakes the merger. Each event is in `events` for
    /// every read that starts after this returns.
    func append(_ batches: [[CloudEvent]], ingestedAt: [Int64]) throws {
        let last = try db.write { db -> Int64 in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO inbox (id, source, type, subject, time, ingested_at, specversion, datacontenttype, dataschema, data)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (events, ingestedAt) in zip(batches, ingestedAt) {
                for event in events {
                    statement.setUncheckedArguments([
                        event.id, event.source, event.type, event.subject, event.time, ingestedAt,
                        event.specversion, event.datacontenttype, event.dataschema, event.data,
                    ])
                    try statement.execute()
                }
            }
            return db.lastInsertedRowID
        }
        acknowledged.withLock { $0 = max($0, last) }
        signal.wake()
    }

    /// Inbox rows acknowledged but not yet known to be merged, as a range of `n`.
    var unmerged: ClosedRange<Int64>? {
        let low = merged.withLock { $0 }
        let high = acknowledged.withLock { $0 }
        return high > low ? (low + 1)...high : nil
    }

    /// How many acknowledged rows wait for a merge.
    var backlog: Int64 {
        unmerged.map { $0.upperBound - $0.lowerBound + 1 } ?? 0
    }

    /// Records rows up to `n` as merged and removes them from the inbox.
    func markMerged(upTo n: Int64) throws {
        merged.withLock { $0 = max($0, n) }
        try db.write { db in try db.execute(sql: "DELETE FROM inbox WHERE n <= ?", arguments: [n]) }
        // Caught up: checkpoint, so the next append restarts the WAL and `journal_size_limit` cuts the
        // file a burst grew. Passive: never waits for a reader, and a failure only postpones this.
        if backlog == 0 {
            db.writeWithoutTransaction { db in _ = try? db.checkpoint(.passive) }
        }
    }

    /// Empties the inbox (fake-only reset).
    func reset() throws {
        let last = try db.write { db -> Int64 in
            let last = try Int64.fetchOne(db, sql: "SELECT max(n) FROM inbox") ?? 0
            try db.execute(sql: "DELETE FROM inbox")
            return last
        }
        merged.withLock { $0 = max($0, last) }
        acknowledged.withLock { $0 = max($0, last) }
    }
}
