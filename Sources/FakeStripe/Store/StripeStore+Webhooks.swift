import Foundation
import GRDB

/// Webhook endpoints, the deliveries owed to them and the attempt log.
extension StripeStore {
    func addEndpoint(_ endpoint: WebhookEndpointRecord) throws {
        try db.write { db in
            if endpoint.fromConfig {
                // The endpoint from config is replaced at each start (its URL or secret may have changed).
                try db.execute(sql: "DELETE FROM webhook_endpoints WHERE from_config = 1 AND id != ?", arguments: [endpoint.id])
            }
            try db.execute(
                sql: """
                    INSERT INTO webhook_endpoints(id, url, secret, enabled_events, from_config, created) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET url = excluded.url, secret = excluded.secret, enabled_events = excluded.enabled_events
                    """,
                arguments: [endpoint.id, endpoint.url, endpoint.secret, Self.encode(endpoint.enabledEvents), endpoint.fromConfig, endpoint.createdAt]
            )
        }
    }

    func removeEndpoint(_ id: String) throws -> Bool {
        try db.write { db in
            try db.execute(sql: "DELETE FROM webhook_endpoints WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { return false }
            // Nothing more is owed to an endpoint that is gone.
            try db.execute(sql: "UPDATE deliveries SET status = 'failed' WHERE endpoint_id = ? AND status = 'pending'", arguments: [id])
            return true
        }
    }

    func endpoints() throws -> [WebhookEndpointRecord] {
        try db.read { db in try Self.endpoints(db) }
    }

    static func endpoints(_ db: Database) throws -> [WebhookEndpointRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM webhook_endpoints ORDER BY created, id").map { row in
            WebhookEndpointRecord(
                id: row["id"], url: row["url"], secret: row["secret"],
                enabledEvents: decode([String].self, row["enabled_events"]) ?? ["*"], fromConfig: row["from_config"], createdAt: row["created"]
            )
        }
    }

    /// A delivery ready to be attempted, with what its POST needs.
    struct DueDelivery: Sendable {
        var id: Int64
        var attempts: Int
        var fault: WebhookFault.Kind?
        var event: EventRecord
        var endpoint: WebhookEndpointRecord
    }

    /// Deliveries due at `now` (real Unix time), oldest first. An `out_of_order` one waits until a later
    /// delivery to its endpoint has been attempted, or its hold ends.
    func dueDeliveries(now: Double, limit: Int) throws -> [DueDelivery] {
        try db.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.* FROM deliveries d
                    WHERE d.status = 'pending' AND d.next_attempt_at <= ?
                      AND (d.hold_until IS NULL OR d.hold_until <= ? OR EXISTS (
                        SELECT 1 FROM deliveries later WHERE later.endpoint_id = d.endpoint_id AND later.id > d.id AND later.attempts > 0))
                    ORDER BY d.id LIMIT ?
                    """,
                arguments: [now, now, limit]
            )
            let endpoints = Dictionary(try Self.endpoints(db).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            return try rows.compactMap { row in
                guard let endpoint = endpoints[row["endpoint_id"]],
                      let eventRow = try Row.fetchOne(db, sql: "SELECT * FROM events WHERE id = ?", arguments: [row["event_id"] as String])
                else { return nil }
                let fault = (row["fault"] as String?).flatMap(WebhookFault.Kind.init(rawValue:))
                return DueDelivery(id: row["id"], attempts: row["attempts"], fault: fault, event: try Self.event(db, eventRow), endpoint: endpoint)
            }
        }
    }

    /// The earliest real time a pending delivery comes due, for the deliverer's sleep.
    func nextDueTime() throws -> Double? {
        try db.read { db in
            try Double.fetchOne(db, sql: """
                SELECT min(CASE WHEN hold_until IS NOT NULL AND hold_until > next_attempt_at THEN hold_until ELSE next_attempt_at END)
                FROM deliveries WHERE status = 'pending'
                """)
        }
    }

    struct AttemptRecord: Sendable {
        var attempt: Int
        var status: String
        var responseStatus: Int?
        var error: String?
        var fault: String?
        var signedAt: Int?
        var sentAt: Double
        var durationMs: Double
    }

    /// Logs the attempts of one delivery round and sets what comes next: done, a retry at `retryAt`, or failed.
    func finish(_ delivery: DueDelivery, attempts: [AttemptRecord], succeeded: Bool, retryAt: Double?) throws {
        try db.write { db in
            for a in attempts {
                try db.execute(
                    sql: """
                        INSERT INTO delivery_attempts(delivery_id, event_id, endpoint_id, attempt, status, response_status, error, fault,
                        signed_at, sent_at, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [delivery.id, delivery.event.id, delivery.endpoint.id, a.attempt, a.status, a.responseStatus, a.error,
                                a.fault, a.signedAt, a.sentAt, a.durationMs]
                )
            }
            let status = succeeded ? "succeeded" : (retryAt == nil ? "failed" : "pending")
            try db.execute(
                sql: "UPDATE deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = coalesce(?, next_attempt_at), hold_until = NULL WHERE id = ?",
                arguments: [status, retryAt, delivery.id]
            )
        }
    }

    /// Owes `event` again to one endpoint or to all that want it, due now (an armed webhook fault applies,
    /// as to any delivery). Returns how many were queued.
    func resend(eventId: String, endpointId: String?) throws -> Int? {
        try db.write { db in
            guard let type = try String.fetchOne(db, sql: "SELECT type FROM events WHERE id = ?", arguments: [eventId]) else { return nil }
            var count = 0
            for endpoint in try Self.endpoints(db) where endpointId.map({ $0 == endpoint.id }) ?? endpoint.wants(type) {
                try Self.owe(db, eventId: eventId, type: type, endpointId: endpoint.id, faults: faults)
                count += 1
            }
            return count
        }
    }

    struct AttemptLogEntry: Encodable, Sendable {
        var id: Int64
        var eventId: String
        var eventType: String
        var endpointId: String
        var attempt: Int
        var status: String
        var responseStatus: Int?
        var error: String?
        var fault: String?
        var signedAt: Int?
        var sentAt: Double
        var durationMs: Double
    }

    func attemptLog(eventId: String?, endpointId: String?, limit: Int) throws -> [AttemptLogEntry] {
        try db.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let eventId { conditions.append("a.event_id = ?"); arguments += [eventId] }
            if let endpointId { conditions.append("a.endpoint_id = ?"); arguments += [endpointId] }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT a.*, e.type AS event_type FROM delivery_attempts a LEFT JOIN events e ON e.id = a.event_id \(whereClause) ORDER BY a.id DESC LIMIT ?",
                arguments: arguments + [limit]
            )
            return rows.reversed().map { row in
                AttemptLogEntry(
                    id: row["id"], eventId: row["event_id"], eventType: row["event_type"] ?? "", endpointId: row["endpoint_id"],
                    attempt: row["attempt"], status: row["status"], responseStatus: row["response_status"], error: row["error"],
                    fault: row["fault"], signedAt: row["signed_at"], sentAt: row["sent_at"], durationMs: row["duration_ms"]
                )
            }
        }
    }
}
