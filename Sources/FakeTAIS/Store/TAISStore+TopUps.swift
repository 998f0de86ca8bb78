import Foundation
import GRDB

/// Prepaid top-ups: the Stripe Checkout Sessions fake-tais created and the webhook events it processed.
/// A session credits the ledger once, whether the webhook or a sync gets there first.
extension TAISStore {
    struct TopUpCheckout: Sendable, Equatable {
        enum Status: String, Sendable { case pending, credited, expired }
        var sessionId: String
        var tenant: String
        var userId: String
        var creditAmountUsd: Int
        var credits: Double
        var amountCents: Int
        var status: Status
        var url: String?
        var expiresAt: Date
        var createdAt: Date
        var creditedAt: Date?
        /// `webhook` or `sync`, once credited.
        var creditedBy: String?
    }

    func recordPendingCheckout(_ checkout: TopUpCheckout) throws {
        try db.write { db in
            try db.execute(
                sql: """
                    INSERT INTO stripe_checkouts(session_id, tenant, user_id, credit_amount_usd, credits, amount_cents, status, url, expires_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
                    """,
                arguments: [checkout.sessionId, checkout.tenant, checkout.userId, checkout.creditAmountUsd, checkout.credits,
                            checkout.amountCents, checkout.url, checkout.expiresAt.timeIntervalSince1970, checkout.createdAt.timeIntervalSince1970]
            )
        }
    }

    func checkout(sessionId: String) throws -> TopUpCheckout? {
        try db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM stripe_checkouts WHERE session_id = ?", arguments: [sessionId]).map(Self.checkout)
        }
    }

    /// Marks the session credited and adds its credits to the ledger, in one transaction; false when
    /// it was credited already (or is unknown). The conditional UPDATE is the guard: SQLite runs one
    /// writer at a time, so of any number of racing callers exactly one sees a changed row.
    /// An `expired` session is credited too: Stripe said it was paid, so the money was taken.
    func creditCheckoutOnce(sessionId: String, by: String, now: Date) throws -> Bool {
        try db.write { db in
            try db.execute(
                sql: """
                    UPDATE stripe_checkouts SET status = 'credited', credited_at = ?, credited_by = ?
                    WHERE session_id = ? AND status IN ('pending', 'expired')
                    """,
                arguments: [now.timeIntervalSince1970, by, sessionId]
            )
            guard db.changesCount == 1,
                  let row = try Row.fetchOne(db, sql: "SELECT * FROM stripe_checkouts WHERE session_id = ?", arguments: [sessionId])
            else { return false }
            let checkout = Self.checkout(row)
            try Self.adjust(db, checkout.tenant, balance: checkout.credits, purchased: checkout.credits)
            let entry = LedgerEntry(
                id: TAISID.make("led"), category: .purchase, credits: checkout.credits, balanceAfter: try Self.balance(db, checkout.tenant).balance,
                description: "Stripe top-up: $\(checkout.creditAmountUsd) (\(sessionId))", sessionId: nil, messageId: nil, createdAt: now
            )
            try Self.insert(db, entry, tenant: checkout.tenant, status: "settled")
            return true
        }
    }

    /// A pending session becomes expired; a credited one stays credited. True when it changed.
    @discardableResult
    func markExpired(sessionId: String) throws -> Bool {
        try db.write { db in
            try db.execute(sql: "UPDATE stripe_checkouts SET status = 'expired' WHERE session_id = ? AND status = 'pending'", arguments: [sessionId])
            return db.changesCount == 1
        }
    }

    /// Whether a webhook event was processed already.
    func eventSeen(eventId: String) throws -> Bool {
        try db.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM stripe_events WHERE event_id = ?", arguments: [eventId]) ?? false
        }
    }

    /// Remembers a processed webhook event; false when it was remembered already.
    func recordEventOnce(eventId: String, type: String, outcome: String, now: Date) throws -> Bool {
        try db.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO stripe_events(event_id, type, received_at, outcome) VALUES (?, ?, ?, ?)",
                arguments: [eventId, type, now.timeIntervalSince1970, outcome]
            )
            return db.changesCount == 1
        }
    }

    static func checkout(_ row: Row) -> TopUpCheckout {
        TopUpCheckout(
            sessionId: row["session_id"], tenant: row["tenant"], userId: row["user_id"], creditAmountUsd: row["credit_amount_usd"],
            credits: row["credits"], amountCents: row["amount_cents"],
            status: TopUpCheckout.Status(rawValue: row["status"]) ?? .pending, url: row["url"],
            expiresAt: Date(timeIntervalSince1970: row["expires_at"]), createdAt: Date(timeIntervalSince1970: row["created_at"]),
            creditedAt: (row["credited_at"] as Double?).map(Date.init(timeIntervalSince1970:)), creditedBy: row["credited_by"]
        )
    }
}
