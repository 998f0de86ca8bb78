import BlockingWork
import Foundation
import StackHTTP

/// Everything the Settings → Billing page shows, gathered before any HTML is written.
struct BillingPageView: Sendable {
    var identity: TAISIdentity
    /// nil for a caller with no billing role: the page shows a note instead of figures.
    var figures: Figures?
    var banner: Banner?
    /// nil when the caller may not buy (Developer): the page says who can.
    var buy: BuyForm?
    /// Why the last buy attempt failed (validation, role or Stripe); shown with or without the form.
    var buyError: String?

    struct Figures: Sendable {
        var balance: TAISStore.Balance
        var plan: String
        var hostedUsed: Int
        var hostedCap: Int
        var purchases: [LedgerEntry]
        var purchasesTotal: Int
        var usage: [LedgerEntry]
        var usageTotal: Int
    }

    /// The outcome of returning from Stripe's pay page (`?checkout=…`).
    struct Banner: Sendable, Equatable {
        enum Status: String, Sendable { case credited, pending, expired, cancelled, error }
        var status: Status
        var message: String
    }

    struct BuyForm: Sendable {
        var csrf: String
        /// As typed when the form is shown again after an error; the default otherwise.
        var amount: String
        var minUSD: Int
        var maxUSD: Int
        var creditsPerUSD: Double
    }

    /// How many ledger rows each table shows.
    static let rowLimit = 20

    /// The figures and tables of the caller's tenant; nil without a billing role (BillingRoutes' rule).
    static func figures(store: TAISStore, identity: TAISIdentity, now: Date) async throws -> Figures? {
        guard BillingRoutes.mayView(identity) else { return nil }
        let tenant = identity.tenant, limit = rowLimit
        return try await offCooperativePool {
            let plan = try store.tenantPlan(tenant)
            let purchases = try store.ledger(tenant: tenant, category: .purchase, page: 1, pageSize: limit)
            let usage = try store.ledger(tenant: tenant, category: .usage, page: 1, pageSize: limit)
            return Figures(
                balance: try store.balance(tenant: tenant), plan: plan.plan.rawValue,
                hostedUsed: try store.liveToolCount(tenant: tenant, now: now), hostedCap: plan.toolCap,
                purchases: purchases.items, purchasesTotal: purchases.total, usage: usage.items, usageTotal: usage.total
            )
        }
    }

    /// The banner for `?checkout=success&session_id=…` or `?checkout=cancelled`. A success is synced with
    /// Stripe first, so the figures read afterwards include a payment whose webhook has not arrived yet.
    /// Any failure (unknown or another tenant's session, Stripe down) becomes an error banner.
    static func banner(checkout: String?, sessionId: String?, identity: TAISIdentity, topUps: TopUpService) async -> Banner? {
        switch checkout {
        case "cancelled":
            return Banner(status: .cancelled, message: "Checkout cancelled; nothing was charged")
        case "success":
            guard let sessionId, !sessionId.isEmpty else {
                return Banner(status: .error, message: "The return from checkout did not say which payment it was (no session_id).")
            }
            do {
                switch try await topUps.sync(identity: identity, sessionId: sessionId) {
                case .credited:
                    let store = topUps.store
                    let credits = try await offCooperativePool { try store.checkout(sessionId: sessionId)?.credits }
                    return Banner(status: .credited, message: "Payment received: \(HTMLPage.credits(credits ?? 0)) credits added")
                case .pending:
                    return Banner(status: .pending, message: "Payment processing… The credits are added as soon as Stripe confirms it; reload this page to check.")
                case .expired:
                    return Banner(status: .expired, message: "Checkout expired; nothing was charged")
                }
            } catch let failure as HTTPFailure {
                return Banner(status: .error, message: "Could not confirm checkout \(sessionId): \(failure.detail)")
            } catch {
                return Banner(status: .error, message: "Could not confirm checkout \(sessionId): \(error)")
            }
        default:
            return nil
        }
    }
}
