import Foundation
import GRDB
import StackStorage

/// Events and meters in one SQLite file.
///
/// Indexes serve the hot paths: `(subject, time, id)` for a tenant's range (meter query, v1/v2
/// lists by subject, already in list order), `(time, id)` for unscoped ranges, and the unique
/// `(source, id)` for OpenMeter's deduplication.
public final class EventStore: Sendable {
    public let db: any DatabaseWriter

    public init(path: String) throws {
        db = try SQLiteDatabase.open(path: path) { db in
            db.add(function: SQLFunctions.number)
        }
        try Self.migrator.migrate(db)
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
        return migrator
    }

    /// Stores a batch in one transaction; events whose (source, id) exist are skipped.
    /// Returns how many were new.
    @discardableResult
    public func insert(_ events: [CloudEvent], ingestedAt: Int64) throws -> Int {
        guard !events.isEmpty else { return 0 }
        return try db.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO events (id, source, type, subject, time, ingested_at, stored_at, specversion, datacontenttype, dataschema, data)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var inserted = 0
            for event in events {
                statement.setUncheckedArguments([
                    event.id, event.source, event.type, event.subject, event.time, ingestedAt, ingestedAt,
                    event.specversion, event.datacontenttype, event.dataschema, event.data,
                ])
                try statement.execute()
                inserted += db.changesCount
            }
            return inserted
        }
    }

    /// Removes every event and meter (fake-only reset).
    public func reset() throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM events; DELETE FROM meters;")
        }
    }

    public func eventCount() throws -> Int {
        try db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0 }
    }

    static func storedEvent(_ row: Row) -> StoredEvent {
        StoredEvent(
            seq: row["seq"],
            event: CloudEvent(
                id: row["id"], source: row["source"], specversion: row["specversion"], type: row["type"],
                subject: row["subject"], time: row["time"], datacontenttype: row["datacontenttype"],
                dataschema: row["dataschema"], data: row["data"]
            ),
            ingestedAt: row["ingested_at"], storedAt: row["stored_at"]
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
