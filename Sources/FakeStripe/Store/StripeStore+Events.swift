import Foundation
import GRDB
import WireFormats

/// Events: recorded in the transaction of the change they describe, with one delivery owed to every
/// endpoint that wants their type (and the webhook fault, if one is armed, fixed on that delivery).
extension StripeStore {
    @discardableResult
    static func recordEvent(
        _ db: Database, type: String, object: JSONValue, now: Int, requestId: String? = nil, idempotencyKey: String? = nil,
        faults: WebhookFaultBook
    ) throws -> String {
        let id = StripeIDs.event()
        try db.execute(
            sql: "INSERT INTO events(id, type, created, object, request_id, idempotency_key) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [id, type, now, object.text, requestId, idempotencyKey]
        )
        for endpoint in try endpoints(db) where endpoint.wants(type) {
            try owe(db, eventId: id, type: type, endpointId: endpoint.id, faults: faults)
        }
        return id
    }

    /// One delivery of an event to an endpoint, due now, shaped by the next armed webhook fault.
    static func owe(_ db: Database, eventId: String, type: String, endpointId: String, faults: WebhookFaultBook) throws {
        let realNow = Date().timeIntervalSince1970
        let fault = faults.take(eventType: type)
        var status = "pending"
        var nextAttempt = realNow
        var holdUntil: Double?
        switch fault?.kind {
        case .drop?: status = "dropped"
        case .delay?: nextAttempt += Double(fault?.delayMs ?? 0) / 1000
        case .outOfOrder?: holdUntil = realNow + WebhookFault.outOfOrderHoldSeconds
        default: break
        }
        try db.execute(
            sql: "INSERT INTO deliveries(event_id, endpoint_id, status, next_attempt_at, fault, hold_until, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [eventId, endpointId, status, nextAttempt, fault?.kind.rawValue, holdUntil, realNow]
        )
        if status == "dropped" {
            try db.execute(
                sql: """
                    INSERT INTO delivery_attempts(delivery_id, event_id, endpoint_id, attempt, status, error, fault, sent_at, duration_ms)
                    VALUES (?, ?, ?, 0, 'dropped', 'dropped by a webhook fault: never sent', 'drop', ?, 0)
                    """,
                arguments: [db.lastInsertedRowID, eventId, endpointId, realNow]
            )
        }
    }

    func event(_ id: String) throws -> EventRecord? {
        try db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM events WHERE id = ?", arguments: [id]).map { try Self.event(db, $0) }
        }
    }

    func eventSeq(_ id: String) throws -> Int64? {
        try db.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM events WHERE id = ?", arguments: [id]) }
    }

    struct EventFilter {
        /// Exact types or `prefix.*` patterns; empty means all.
        var types: [String] = []
        var deliverySuccess: Bool?
    }

    func events(_ filter: EventFilter, page: ListPage) throws -> (items: [EventRecord], hasMore: Bool) {
        try db.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if !filter.types.isEmpty {
                var alternatives: [String] = []
                for type in filter.types {
                    if type.hasSuffix(".*") {
                        alternatives.append("substr(type, 1, ?) = ?")
                        let prefix = String(type.dropLast(1))
                        arguments += [prefix.utf8.count, prefix]
                    } else {
                        alternatives.append("type = ?")
                        arguments += [type]
                    }
                }
                conditions.append("(" + alternatives.joined(separator: " OR ") + ")")
            }
            if let success = filter.deliverySuccess {
                let pending = "EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id AND d.status != 'succeeded')"
                conditions.append(success ? "NOT " + pending : pending)
            }
            let (rows, hasMore) = try page.fetch(db, table: "events", conditions: conditions, arguments: arguments)
            return (try rows.map { try Self.event(db, $0) }, hasMore)
        }
    }

    static func event(_ db: Database, _ row: Row) throws -> EventRecord {
        let id: String = row["id"]
        let pending = try Int.fetchOne(
            db, sql: "SELECT count(*) FROM deliveries WHERE event_id = ? AND status != 'succeeded'", arguments: [id]
        ) ?? 0
        return EventRecord(
            id: id, type: row["type"], created: row["created"], object: row["object"], requestId: row["request_id"],
            idempotencyKey: row["idempotency_key"], pendingWebhooks: pending
        )
    }
}
