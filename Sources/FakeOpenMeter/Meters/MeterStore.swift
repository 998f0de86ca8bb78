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

    public func meters(includeDeleted: Bool = false) throws -> [Meter] {
        try db.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM meters \(includeDeleted ? "" : "WHERE deleted = 0") ORDER BY created_seq")
                .map { try JSONDecoder().decode(Meter.self, from: Data($0.utf8)) }
        }
    }

    /// A live meter by slug or id.
    public func meter(idOrSlug: String) throws -> Meter? {
        try db.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM meters WHERE deleted = 0 AND (slug = ? OR id = ?)", arguments: [idOrSlug, idOrSlug])
                .map { try JSONDecoder().decode(Meter.self, from: Data($0.utf8)) }
        }
    }

    /// Stores a new meter; false when a live meter has the slug.
    public func insertMeter(_ meter: Meter) throws -> Bool {
        let body = String(decoding: try Self.encoder.encode(meter), as: UTF8.self)
        return try db.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM meters WHERE deleted = 0 AND slug = ?", arguments: [meter.slug]) == true {
                return false
            }
            let next = (try Int.fetchOne(db, sql: "SELECT max(created_seq) FROM meters") ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO meters (id, slug, deleted, created_seq, body) VALUES (?, ?, 0, ?, ?)",
                arguments: [meter.id, meter.slug, next, body]
            )
            return true
        }
    }

    public func replaceMeter(_ meter: Meter) throws {
        let body = String(decoding: try Self.encoder.encode(meter), as: UTF8.self)
        try db.write { db in
            try db.execute(
                sql: "UPDATE meters SET body = ?, deleted = ? WHERE id = ?",
                arguments: [body, meter.deletedAt == nil ? 0 : 1, meter.id]
            )
        }
    }
}
