import Foundation
import GRDB
import StackHTTP

/// Meter definitions, kept in the same SQLite file as the events.
extension EventStore {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Live meters come from memory (every listing and query needs them); the cache is dropped by
    /// each meter write right after it commits, before the write returns.
    public func meters(includeDeleted: Bool = false) throws -> [Meter] {
        let (generation, cached) = liveMeterCache.withLock { ($0.generation, $0.meters) }
        if !includeDeleted, let cached { return cached }
        let meters = try db.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM meters \(includeDeleted ? "" : "WHERE deleted = 0") ORDER BY created_seq")
                .map { try JSONDecoder().decode(Meter.self, from: Data($0.utf8)) }
        }
        // Cached only if no meter write committed since the generation was read: else it may be stale.
        if !includeDeleted { liveMeterCache.withLock { if $0.generation == generation { $0.meters = meters } } }
        return meters
    }

    /// A live meter by slug or id.
    public func meter(idOrSlug: String) throws -> Meter? {
        try meters().first { $0.slug == idOrSlug || $0.id == idOrSlug }
    }

    /// Drops the cached meters once the current transaction commits.
    func forgetMetersAfterTransaction(_ db: Database) {
        db.afterNextTransaction { [self] _ in liveMeterCache.withLock { $0 = (generation: $0.generation + 1, meters: nil) } }
    }

    /// Stores a new meter, with rows for the events already stored; false when a live meter has the slug.
    public func insertMeter(_ meter: Meter) throws -> Bool {
        let body = String(decoding: try Self.encoder.encode(meter), as: UTF8.self)
        try mergeInbox()
        return try db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM meters WHERE deleted = 0 AND slug = ?", arguments: [meter.slug]) == true {
                return false
            }
            let key = (try Int64.fetchOne(db, sql: "SELECT max(created_seq) FROM meters") ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO meters (id, slug, deleted, created_seq, body) VALUES (?, ?, 0, ?, ?)",
                arguments: [meter.id, meter.slug, key, body]
            )
            forgetMetersAfterTransaction(db)
            // A key of a meter deleted earlier is never reused (max + 1), but clear it in case.
            try MeterRowSchema.drop(meter: key, db)
            var pending = MeterGroupDirectory.Pending()
            try MeterRowExtractor(meter: meter, key: key).extract(db, afterSeq: 0, directory: groups, pending: &pending)
            groups.commitAfterTransaction(db, pending, forgetting: .meter(key))
            return true
        }
    }

    /// Saves a changed or deleted meter. New group-by keys re-read the meter's rows; a deleted
    /// meter's rows are removed.
    public func replaceMeter(_ meter: Meter) throws {
        let body = String(decoding: try Self.encoder.encode(meter), as: UTF8.self)
        try mergeInbox()
        try db.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT created_seq, body FROM meters WHERE id = ?", arguments: [meter.id]) else { return }
            let key: Int64 = row[0]
            let old = try JSONDecoder().decode(Meter.self, from: Data((row[1] as String).utf8))
            try db.execute(
                sql: "UPDATE meters SET body = ?, deleted = ? WHERE id = ?",
                arguments: [body, meter.deletedAt == nil ? 0 : 1, meter.id]
            )
            forgetMetersAfterTransaction(db)
            if meter.deletedAt != nil {
                try MeterRowSchema.drop(meter: key, db)
                groups.commitAfterTransaction(db, MeterGroupDirectory.Pending(), forgetting: .meter(key))
            } else if old.groupBy ?? [:] != meter.groupBy ?? [:] {
                try MeterRowSchema.drop(meter: key, db)
                var pending = MeterGroupDirectory.Pending()
                try MeterRowExtractor(meter: meter, key: key).extract(db, afterSeq: 0, directory: groups, pending: &pending)
                groups.commitAfterTransaction(db, pending, forgetting: .meter(key))
            }
        }
    }

    /// A meter's key in the meter tables (`created_seq`).
    func meterKey(_ db: Database, id: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT created_seq FROM meters WHERE id = ?", arguments: [id])
    }
}
