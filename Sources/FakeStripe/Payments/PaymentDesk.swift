import BlockingWork
import Foundation
import StackStorage

/// Paying, cancelling and expiring a session as a customer would: shared by the hosted page and the
/// headless `/_fake/` controls, so both behave the same.
struct PaymentDesk: Sendable {
    let context: StripeContext

    enum Outcome: Sendable {
        case paid(CheckoutSessionRecord)
        case declined(CheckoutSessionRecord, TestCard.CardOutcome)
        case invalidCard(CheckoutSessionRecord)
        case notOpen(CheckoutSessionRecord)
        case missing
    }

    func pay(_ id: String, cardNumber: String) async throws -> Outcome {
        let store = context.store, now = context.now
        guard let card = TestCard(number: cardNumber) else {
            guard let session = try await offCooperativePool({ try store.session(id) }) else { return .missing }
            return .invalidCard(session)
        }
        let result = try await offCooperativePool { try store.pay(id, card: card, now: now) }
        switch result {
        case .missing: return .missing
        case .notOpen(let session):
            context.deliveries.wake()  // a lazily expired session owes its event
            return .notOpen(session)
        case .declined(let session, let outcome):
            context.deliveries.wake()
            context.logger.info("card declined", metadata: ["session": "\(id)", "decline_code": "\(outcome.declineCode)"])
            return .declined(session, outcome)
        case .paid(let session):
            context.deliveries.wake()
            context.logger.info("checkout session paid", metadata: ["session": "\(id)", "amount": "\(session.amountTotal) \(session.currency)"])
            return .paid(session)
        }
    }

    /// Where the customer goes after paying: `success_url` with the session id filled in.
    static func successRedirect(_ session: CheckoutSessionRecord) -> String? {
        session.successURL?.replacingOccurrences(of: "{CHECKOUT_SESSION_ID}", with: session.id)
    }
}
