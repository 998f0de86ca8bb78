import Foundation
import GRDB

/// Credit events waiting for OpenMeter. Rows are written by `finishChat` and only ever marked
/// delivered, so an event is never lost and never sent after OpenMeter acknowledged it.
extension TAISStore {
    struct OutboxEvent: Sendable {
        var seq: Int64
        var body: String
        var attempts: Int
    }

    struct OutboxCounts: Encodable, Sendable, Equatable {
        var pending: Int
        var delivered: Int
    }

    /// Undelivered events due at `now` (real time), oldest first.
    func dueOutboxEvents(limit: Int, now: Date) throws -> [OutboxEvent] {
        try db.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, body, attempts FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY seq LIMIT ?",
                arguments: [now.timeIntervalSince1970, limit]
            ).map { OutboxEvent(seq: $0["seq"], body: $0["body"], attempts: $0["attempts"]) }
        }
    }

    func markDelivered(_ seqs: [Int64], at now: Date) throws {
        try db.write { db in
            for seq in seqs {
                try db.execute(sql: "UPDATE outbox SET delivered_at = ?, last_error = NULL WHERE seq = ?", arguments: [now.timeIntervalSince1970, seq])
            }
        }
    }

    func markFailed(_ seqs: [Int64], error: String, retryAt: Date) throws {
        try db.write { db in
            for seq in seqs {
                try db.execute(
                    sql: "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE seq = ?",
                    arguments: [error, retryAt.timeIntervalSince1970, seq]
                )
            }
        }
    }

    func outboxCounts() throws -> OutboxCounts {
        try db.read { db in
            let pending = try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE delivered_at IS NULL") ?? 0
            let delivered = try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL") ?? 0
            return OutboxCounts(pending: pending, delivered: delivered)
        }
    }
}
