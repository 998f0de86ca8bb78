import Foundation
import GRDB

/// Checkout Sessions: create, read, list, expire, and the expiry sweep.
extension StripeStore {
    func insert(_ s: CheckoutSessionRecord) throws {
        try db.write { db in
            try db.execute(
                sql: """
                    INSERT INTO checkout_sessions(id, created, expires_at, status, payment_status, currency, amount_subtotal,
                    amount_total, success_url, cancel_url, client_reference_id, customer_email, metadata, line_items,
                    payment_intent, locale, submit_type, payment_method_types, completed_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    s.id, s.created, s.expiresAt, s.status, s.paymentStatus, s.currency, s.amountSubtotal, s.amountTotal,
                    s.successURL, s.cancelURL, s.clientReferenceId, s.customerEmail, Self.encode(s.metadata), Self.encode(s.lineItems),
                    s.paymentIntentId, s.locale, s.submitType, Self.encode(s.paymentMethodTypes), s.completedAt,
                ]
            )
        }
    }

    func session(_ id: String) throws -> CheckoutSessionRecord? {
        try db.read { db in try Self.session(db, id) }
    }

    static func session(_ db: Database, _ id: String) throws -> CheckoutSessionRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM checkout_sessions WHERE id = ?", arguments: [id]).map(session)
    }

    /// The `seq` of a session, for paging from it.
    func sessionSeq(_ id: String) throws -> Int64? {
        try db.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM checkout_sessions WHERE id = ?", arguments: [id]) }
    }

    struct SessionFilter {
        var status: String?
        var paymentIntent: String?
    }

    func sessions(_ filter: SessionFilter, page: ListPage) throws -> (items: [CheckoutSessionRecord], hasMore: Bool) {
        try db.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let status = filter.status { conditions.append("status = ?"); arguments += [status] }
            if let intent = filter.paymentIntent { conditions.append("payment_intent = ?"); arguments += [intent] }
            let (rows, hasMore) = try page.fetch(db, table: "checkout_sessions", conditions: conditions, arguments: arguments)
            return (rows.map(Self.session), hasMore)
        }
    }

    enum ExpireResult {
        case expired(CheckoutSessionRecord)
        case notOpen(String)
        case missing
    }

    /// Expires an open session now (the API's `expire`, or the fake's), emitting `checkout.session.expired`.
    func expire(_ id: String, now: Int, requestId: String?, idempotencyKey: String?) throws -> ExpireResult {
        try db.write { db in
            guard var s = try Self.session(db, id) else { return .missing }
            guard s.status == "open" else { return .notOpen(s.status) }
            try Self.markExpired(db, &s, now: now, requestId: requestId, idempotencyKey: idempotencyKey, faults: faults)
            return .expired(s)
        }
    }

    /// Expires every open session whose `expires_at` has come (the sweep and every read call this).
    @discardableResult
    func expireDue(now: Int) throws -> Int {
        // A read first: the sweep runs every second and almost always finds nothing.
        let due = try db.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM checkout_sessions WHERE status = 'open' AND expires_at <= ?", arguments: [now])
        }
        guard !due.isEmpty else { return 0 }
        return try db.write { db in
            var count = 0
            for id in due {
                guard var s = try Self.session(db, id), s.status == "open", s.expiresAt <= now else { continue }
                try Self.markExpired(db, &s, now: now, requestId: nil, idempotencyKey: nil, faults: faults)
                count += 1
            }
            return count
        }
    }

    static func markExpired(
        _ db: Database, _ s: inout CheckoutSessionRecord, now: Int, requestId: String?, idempotencyKey: String?, faults: WebhookFaultBook
    ) throws {
        s.status = "expired"
        try db.execute(sql: "UPDATE checkout_sessions SET status = 'expired' WHERE id = ?", arguments: [s.id])
        try recordEvent(
            db, type: "checkout.session.expired", object: CheckoutSessionJSON.render(s, payURL: nil), now: now,
            requestId: requestId, idempotencyKey: idempotencyKey, faults: faults
        )
    }

    static func session(_ row: Row) -> CheckoutSessionRecord {
        CheckoutSessionRecord(
            id: row["id"], created: row["created"], expiresAt: row["expires_at"], status: row["status"],
            paymentStatus: row["payment_status"], currency: row["currency"], amountSubtotal: row["amount_subtotal"],
            amountTotal: row["amount_total"], successURL: row["success_url"], cancelURL: row["cancel_url"],
            clientReferenceId: row["client_reference_id"], customerEmail: row["customer_email"],
            metadata: decode([String: String].self, row["metadata"]) ?? [:],
            lineItems: decode([LineItemRecord].self, row["line_items"]) ?? [],
            paymentIntentId: row["payment_intent"], locale: row["locale"], submitType: row["submit_type"],
            paymentMethodTypes: decode([String].self, row["payment_method_types"]) ?? ["card"], completedAt: row["completed_at"]
        )
    }
}
