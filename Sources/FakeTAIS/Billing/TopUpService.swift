import BlockingWork
import FakeControls
import Foundation
import Logging
import StackClients
import StackHTTP

/// Prepaid top-ups: a buyer starts a Stripe Checkout Session, pays on Stripe's page, and the tenant's
/// ledger is credited once, by the webhook (`TopUpService+Webhook.swift`) or by a sync, whichever comes
/// first. Used by the API routes and the Settings → Billing page alike; failures are `HTTPFailure`s.
struct TopUpService: Sendable {
    let store: TAISStore
    let sessions: any CheckoutSessions
    let clock: FakeClock
    let publicURL: PublicBaseURL
    let creditsPerUSD: Double
    /// The whole US dollars one top-up may be (`TOPUP_MIN_USD...TOPUP_MAX_USD`).
    let usdRange: ClosedRange<Int>
    let webhookSecret: String
    let logger: Logger

    static let buyerRoles: Set<String> = ["Owner", "Admin"]

    /// Owner and Admin may buy; Developer may only view and sync.
    static func mayBuy(_ identity: TAISIdentity) -> Bool {
        identity.roles.contains { buyerRoles.contains($0) }
    }

    func credits(forUSD usd: Int) -> Double {
        Double(usd) * creditsPerUSD
    }

    /// Creates a Checkout Session for `creditAmountUsd` dollars of credits and records it as pending.
    /// 403 for a caller who may not buy, 400 outside `usdRange`, 502 `stripe_error` when Stripe fails.
    func startCheckout(identity: TAISIdentity, creditAmountUsd: Int) async throws -> CheckoutStart {
        guard Self.mayBuy(identity) else {
            throw HTTPFailure(.forbidden, "only an Owner or Admin may buy AI credits", code: "forbidden")
        }
        guard usdRange.contains(creditAmountUsd) else {
            throw HTTPFailure(
                .badRequest, "creditAmountUsd must be between \(usdRange.lowerBound) and \(usdRange.upperBound) US dollars, got \(creditAmountUsd)",
                code: "invalid_request"
            )
        }
        let credits = credits(forUSD: creditAmountUsd)
        let cents = creditAmountUsd * 100
        let session: StripeCheckoutSession
        do {
            session = try await sessions.create(parameters(identity: identity, usd: creditAmountUsd, credits: credits))
        } catch {
            throw Self.stripeFailure(error)
        }
        guard let url = session.url else { throw Self.stripeFailure("Stripe created session \(session.id) without a url") }
        if let total = session.amountTotal, total != cents {
            throw Self.stripeFailure("Stripe created session \(session.id) for \(total) cents, not \(cents)")
        }
        let expiresAt = Date(timeIntervalSince1970: TimeInterval(session.expiresAt))
        let checkout = TAISStore.TopUpCheckout(
            sessionId: session.id, tenant: identity.tenant, userId: identity.user, creditAmountUsd: creditAmountUsd, credits: credits,
            amountCents: cents, status: .pending, url: url, expiresAt: expiresAt, createdAt: clock.now()
        )
        let store = self.store
        try await offCooperativePool { try store.recordPendingCheckout(checkout) }
        logger.info("top-up checkout started", metadata: [
            "tenant": "\(identity.tenant)", "session": "\(session.id)", "usd": "\(creditAmountUsd)", "credits": "\(Self.format(credits))",
        ])
        return CheckoutStart(sessionId: session.id, url: url, expiresAt: expiresAt)
    }

    /// Asks Stripe where one of the caller tenant's sessions stands and credits it if it was paid.
    /// 404 for an unknown or another tenant's session (Stripe is not asked), 403 without a billing role.
    func sync(identity: TAISIdentity, sessionId: String) async throws -> TopUpStatus {
        guard BillingRoutes.mayView(identity) else {
            throw HTTPFailure(.forbidden, "only an Owner, Admin or Developer may check a top-up", code: "forbidden")
        }
        let store = self.store
        guard let checkout = try await offCooperativePool({ try store.checkout(sessionId: sessionId) }), checkout.tenant == identity.tenant else {
            throw HTTPFailure(.notFound, "checkout session \(sessionId) not found", code: "not_found")
        }
        if checkout.status == .credited { return .credited }
        let session: StripeCheckoutSession
        do {
            session = try await sessions.retrieve(sessionId)
        } catch {
            throw Self.stripeFailure(error)
        }
        switch try await settle(session, checkout, by: "sync") {
        case .credited, .alreadyCredited: return .credited
        case .expired: return .expired
        case .unpaid: return .pending
        case .amountMismatch(let total):
            throw Self.stripeFailure("Stripe session \(sessionId) totals \(total.map(String.init) ?? "nothing") cents, expected \(checkout.amountCents)")
        }
    }

    /// Acts on what Stripe says of one of our sessions: paid credits it (once), expired marks it so
    /// (never undoing a credit), anything else leaves it pending.
    func settle(_ session: StripeCheckoutSession, _ checkout: TAISStore.TopUpCheckout, by: String) async throws -> SettleResult {
        let store = self.store, now = clock.now(), id = checkout.sessionId
        if session.status == "complete" && session.paymentStatus == "paid" {
            guard session.amountTotal == checkout.amountCents else {
                logger.error("refused to credit a top-up whose amount differs", metadata: [
                    "tenant": "\(checkout.tenant)", "session": "\(id)", "expectedCents": "\(checkout.amountCents)",
                    "stripeCents": "\(session.amountTotal.map(String.init) ?? "none")",
                ])
                return .amountMismatch(session.amountTotal)
            }
            guard try await offCooperativePool({ try store.creditCheckoutOnce(sessionId: id, by: by, now: now) }) else { return .alreadyCredited }
            logger.info("credited top-up", metadata: [
                "tenant": "\(checkout.tenant)", "session": "\(id)", "credits": "\(Self.format(checkout.credits))", "by": "\(by)",
            ])
            return .credited
        }
        if session.status == "expired" {
            _ = try await offCooperativePool { try store.markExpired(sessionId: id) }
            return .expired
        }
        return .unpaid
    }

    enum SettleResult: Sendable, Equatable {
        case credited, alreadyCredited, expired, unpaid
        case amountMismatch(Int?)

        var name: String {
            switch self {
            case .credited: "credited"
            case .alreadyCredited: "already_credited"
            case .expired: "expired"
            case .unpaid: "unpaid"
            case .amountMismatch: "amount_mismatch"
            }
        }
    }

    /// The Checkout Session's parameters, as Stripe's form encoding nests them.
    func parameters(identity: TAISIdentity, usd: Int, credits: Double) -> [(String, StripeFormEncoder.Value)] {
        let base = publicURL.url
        var parameters: [(String, StripeFormEncoder.Value)] = [
            ("mode", "payment"),
            ("line_items", .list([.map([
                ("price_data", .map([
                    ("currency", "usd"),
                    ("unit_amount", .text(String(usd * 100))),
                    ("product_data", .map([
                        ("name", "AI credits"),
                        ("description", .text("\(Self.format(credits)) AI credits for \(identity.tenant)")),
                    ])),
                ])),
                ("quantity", "1"),
            ])])),
            // Stripe puts the session's id in place of {CHECKOUT_SESSION_ID}.
            ("success_url", .text("\(base)/settings/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}")),
            ("cancel_url", .text("\(base)/settings/billing?checkout=cancelled")),
            ("client_reference_id", .text(identity.tenant)),
            ("metadata", .map([
                ("tenant", .text(identity.tenant)),
                ("user", .text(identity.user)),
                ("creditAmountUsd", .text(String(usd))),
                ("credits", .text(Self.format(credits))),
            ])),
        ]
        if !identity.email.isEmpty { parameters.append(("customer_email", .text(identity.email))) }
        return parameters
    }

    /// `5000`, not `5000.0`; fractions only where there are some.
    static func format(_ credits: Double) -> String {
        credits == credits.rounded() && abs(credits) < 1e15 ? String(Int64(credits)) : String(credits)
    }

    static func stripeFailure(_ error: any Error) -> HTTPFailure {
        HTTPFailure(.badGateway, String(describing: error), code: "stripe_error")
    }

    static func stripeFailure(_ message: String) -> HTTPFailure {
        HTTPFailure(.badGateway, message, code: "stripe_error")
    }
}
