import BlockingWork
import Foundation
import StackClients
import StackHTTP
import WireFormats

/// `POST /api/v1/stripe/webhook`: Stripe's signed events. Delivery is at least once and in any order,
/// so an event is processed idempotently first and remembered after: a crash in between makes the
/// redelivery process it again, which credits nothing twice.
extension TopUpService {
    static let signatureTolerance = 300
    static let sessionEvents: Set<String> = [
        "checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.expired",
    ]

    /// 400 `invalid_signature` for a missing, wrong or stale signature, 400 `invalid_request` for a body
    /// that is not an event; otherwise what was done (an already processed event id is a duplicate).
    func handleWebhook(payload: [UInt8], signatureHeader: String?) async throws -> WebhookOutcome {
        let now = clock.now()
        do {
            try StripeSignature.verify(
                payload: payload, header: signatureHeader, secret: webhookSecret, tolerance: Self.signatureTolerance,
                now: Int(now.timeIntervalSince1970)
            )
        } catch {
            logger.warning("refused a Stripe webhook", metadata: ["reason": "\(error)"])
            throw HTTPFailure(.badRequest, String(describing: error), code: "invalid_signature")
        }
        guard let event = try? JSONParser.parse(payload), let eventId = event["id"]?.stringValue, let type = event["type"]?.stringValue else {
            throw HTTPFailure(.badRequest, "the body is not a Stripe event (a JSON object with id and type)", code: "invalid_request")
        }
        let store = self.store
        if try await offCooperativePool({ try store.eventSeen(eventId: eventId) }) {
            logger.debug("duplicate Stripe event", metadata: ["event": "\(eventId)", "type": "\(type)"])
            return WebhookOutcome(duplicate: true, outcome: "duplicate")
        }
        let outcome = try await process(type: type, event: event, eventId: eventId)
        let fresh = try await offCooperativePool { try store.recordEventOnce(eventId: eventId, type: type, outcome: outcome, now: now) }
        logger.debug("Stripe event processed", metadata: ["event": "\(eventId)", "type": "\(type)", "outcome": "\(outcome)"])
        // A concurrent delivery of the same id got there first; both processed it idempotently.
        return WebhookOutcome(duplicate: !fresh, outcome: outcome)
    }

    /// What the event did: `credited`, `already_credited`, `expired`, `unpaid`, `amount_mismatch` or `ignored`.
    private func process(type: String, event: JSONValue, eventId: String) async throws -> String {
        guard Self.sessionEvents.contains(type) else { return "ignored" }
        guard let object = event["data"]?["object"], let session = try? StripeCheckoutSession(json: object) else {
            throw HTTPFailure(.badRequest, "data.object of a \(type) event must be a checkout.session", code: "invalid_request")
        }
        let store = self.store
        guard let checkout = try await offCooperativePool({ try store.checkout(sessionId: session.id) }) else {
            logger.warning("Stripe event for a checkout session fake-tais did not create", metadata: [
                "event": "\(eventId)", "type": "\(type)", "session": "\(session.id)",
            ])
            return "ignored"
        }
        return try await settle(session, checkout, by: "webhook").name
    }
}
