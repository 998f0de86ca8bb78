import Foundation
import GRDB

/// Paying a session with a test card: one transaction makes or updates its PaymentIntent, completes the
/// session when the card pays, and records the events.
extension StripeStore {
    enum PayResult {
        case paid(CheckoutSessionRecord)
        case declined(CheckoutSessionRecord, TestCard.CardOutcome)
        case notOpen(CheckoutSessionRecord)
        case missing
    }

    func pay(_ id: String, card: TestCard, now: Int) throws -> PayResult {
        try db.write { db in
            guard var s = try Self.session(db, id) else { return .missing }
            if s.status == "open", s.expiresAt <= now {
                try Self.markExpired(db, &s, now: now, requestId: nil, idempotencyKey: nil, faults: faults)
            }
            guard s.status == "open" else { return .notOpen(s) }
            var intent = try s.paymentIntentId.flatMap { try Self.paymentIntent(db, $0) } ?? PaymentIntentRecord(
                id: StripeIDs.paymentIntent(), sessionId: s.id, created: now, amount: s.amountTotal, currency: s.currency,
                status: "requires_payment_method", clientSecret: "", lastPaymentError: nil, latestCharge: nil,
                paymentMethod: nil, receiptEmail: s.customerEmail, metadata: [:]
            )
            if intent.clientSecret.isEmpty { intent.clientSecret = intent.id + StripeIDs.make("_secret_", length: 25) }
            let method = StripeIDs.paymentMethod()
            intent.paymentMethod = method
            s.paymentIntentId = intent.id
            switch card {
            case .declines(let outcome):
                intent.status = "requires_payment_method"
                intent.lastPaymentError = CardDecline(code: outcome.code, declineCode: outcome.declineCode, message: outcome.message, paymentMethod: method)
                try Self.save(db, intent)
                try db.execute(sql: "UPDATE checkout_sessions SET payment_intent = ? WHERE id = ?", arguments: [intent.id, s.id])
                try Self.recordEvent(db, type: "payment_intent.payment_failed", object: PaymentIntentJSON.render(intent), now: now, faults: faults)
                return .declined(s, outcome)
            case .pays:
                intent.status = "succeeded"
                intent.lastPaymentError = nil
                intent.latestCharge = StripeIDs.charge()
                try Self.save(db, intent)
                s.status = "complete"
                s.paymentStatus = "paid"
                s.completedAt = now
                try db.execute(
                    sql: "UPDATE checkout_sessions SET status = 'complete', payment_status = 'paid', payment_intent = ?, completed_at = ? WHERE id = ?",
                    arguments: [intent.id, now, s.id]
                )
                try Self.recordEvent(db, type: "payment_intent.succeeded", object: PaymentIntentJSON.render(intent), now: now, faults: faults)
                try Self.recordEvent(db, type: "checkout.session.completed", object: CheckoutSessionJSON.render(s, payURL: nil), now: now, faults: faults)
                return .paid(s)
            }
        }
    }

    func paymentIntent(_ id: String) throws -> PaymentIntentRecord? {
        try db.read { db in try Self.paymentIntent(db, id) }
    }

    static func paymentIntent(_ db: Database, _ id: String) throws -> PaymentIntentRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM payment_intents WHERE id = ?", arguments: [id]) else { return nil }
        return PaymentIntentRecord(
            id: row["id"], sessionId: row["session_id"], created: row["created"], amount: row["amount"], currency: row["currency"],
            status: row["status"], clientSecret: row["client_secret"], lastPaymentError: decode(CardDecline.self, row["last_payment_error"]),
            latestCharge: row["latest_charge"], paymentMethod: row["payment_method"], receiptEmail: row["receipt_email"],
            metadata: decode([String: String].self, row["metadata"]) ?? [:]
        )
    }

    static func save(_ db: Database, _ p: PaymentIntentRecord) throws {
        try db.execute(
            sql: """
                INSERT INTO payment_intents(id, session_id, created, amount, currency, status, client_secret, last_payment_error,
                latest_charge, payment_method, receipt_email, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET status = excluded.status, last_payment_error = excluded.last_payment_error,
                latest_charge = excluded.latest_charge, payment_method = excluded.payment_method
                """,
            arguments: [
                p.id, p.sessionId, p.created, p.amount, p.currency, p.status, p.clientSecret,
                p.lastPaymentError.map { encode($0) }, p.latestCharge, p.paymentMethod, p.receiptEmail, encode(p.metadata),
            ]
        )
    }
}
