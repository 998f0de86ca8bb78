import Foundation
import ProcessSupport
import StackClients
import Testing
import WireFormats

/// Prepaid top-ups on real processes: a `TAISStack` with fake-stripe (fake-tais's webhook registered there), an
/// Owner of tenant A who buys, and helpers to pay, find Stripe's events, read the webhook attempt log and check
/// the ledger's exact outcome.
struct TopUpFixture: Sendable {
    static let tenant = TAISStack.tenantA
    static let paysCard = "4242424242424242"
    static let declinedCard = "4000000000000002"
    static let completed = "checkout.session.completed"
    static let expired = "checkout.session.expired"

    let stack: TAISStack
    let stripe: ServiceProcess
    let stripeControl: FakeStripeControl
    /// Stripe's v1 API on fake-stripe, with the key fake-tais uses.
    let stripeAPI: StripeClient
    /// An Owner of tenant A (may buy).
    let owner: TAISStack.Caller

    var client: TAISClient { owner.client }

    /// Runs `body` on a fresh stack with fake-stripe (the options' `stripe` is forced on).
    static func with(_ options: TAISStack.Options = TAISStack.Options(), _ body: (TopUpFixture) async throws -> Void) async throws {
        var options = options
        options.stripe = true
        try await TAISStack.with(options) { stack in
            let stripe = try #require(stack.stripe), control = try #require(stack.stripeControl)
            let token = try await stack.tais.mint(tenant: tenant, user: "olivia", groups: TAISStack.admins, roles: ["Owner"])
            let owner = TAISStack.Caller(tenant: tenant, user: "olivia", token: token, client: stack.tais.withToken(token))
            let fixture = TopUpFixture(
                stack: stack, stripe: stripe, stripeControl: control,
                stripeAPI: StripeClient(baseURL: stripe.baseURL, secretKey: TAISStack.stripeSecretKey), owner: owner
            )
            try await body(fixture)
        }
    }

    /// A caller of tenant A (or another) with `roles`.
    func caller(_ tenant: String = TopUpFixture.tenant, user: String, roles: [String]) async throws -> TAISStack.Caller {
        let token = try await stack.tais.mint(tenant: tenant, user: user, groups: TAISStack.admins, roles: roles)
        return TAISStack.Caller(tenant: tenant, user: user, token: token, client: stack.tais.withToken(token))
    }

    // MARK: - Buying

    /// The Owner starts a checkout of `usd` dollars (requires 201).
    func checkout(_ usd: Int) async throws -> TAISCheckoutStart {
        try await client.startCheckout(org: Self.tenant, creditAmountUsd: usd)
    }

    /// Pays `sessionId` on fake-stripe with `card` as the hosted page would, requiring `outcome`.
    @discardableResult
    func pay(
        _ sessionId: String, card: String = TopUpFixture.paysCard, expecting outcome: String = "paid",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let answer = try await stripeControl.pay(sessionId, card: card)
        try #require(answer["outcome"]?.stringValue == outcome, "pay \(sessionId) with \(card): \(answer)", sourceLocation: sourceLocation)
        return answer
    }

    /// The Owner syncs `sessionId` (requires 200) → `credited`, `pending` or `expired`.
    func sync(_ sessionId: String) async throws -> String {
        try await client.syncCheckout(org: Self.tenant, sessionId: sessionId)
    }

    // MARK: - Stripe's events and the attempt log

    /// The id of fake-stripe's `type` event about Checkout Session `sessionId`, nil while there is none.
    func event(_ type: String, session sessionId: String) async throws -> String? {
        let list = try await stripeAPI.call(.GET, "/v1/events?type=\(type)&limit=100")
        guard case .array(let data)? = list["data"] else { return nil }
        return data.first { $0["data"]?["object"]?["id"]?.stringValue == sessionId }?["id"]?.stringValue
    }

    /// Waits for the `type` event of `sessionId` (events come with the change, or with the expiry sweep).
    func requireEvent(
        _ type: String, session sessionId: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        var found: String?
        _ = try await waitUntil(timeout: timeout) {
            found = try await event(type, session: sessionId)
            return found != nil
        }
        return try #require(found, "no \(type) event for \(sessionId)\n\(stack.logTail())", sourceLocation: sourceLocation)
    }

    /// fake-stripe's attempt log of one event, oldest first.
    func attempts(_ eventId: String) async throws -> [FakeStripeControl.Attempt] {
        try await stripeControl.attempts(event: eventId)
    }

    /// Polls the attempt log of `eventId` until `condition` holds; records an issue (with the log) when it never does.
    @discardableResult
    func waitForAttempts(
        _ eventId: String, timeout: Duration = .seconds(30), _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: @escaping @Sendable ([FakeStripeControl.Attempt]) -> Bool
    ) async throws -> [FakeStripeControl.Attempt] {
        var log: [FakeStripeControl.Attempt] = []
        let held = try await waitUntil(timeout: timeout) {
            log = try await attempts(eventId)
            return condition(log)
        }
        #expect(held, "\(what): attempt log of \(eventId):\n\(Self.describe(log))\n\(stack.logTail())", sourceLocation: sourceLocation)
        return log
    }

    /// Waits until a delivery of `eventId` succeeded.
    @discardableResult
    func waitForDelivery(
        _ eventId: String, succeeded count: Int = 1, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [FakeStripeControl.Attempt] {
        try await waitForAttempts(eventId, timeout: timeout, "\(count) delivered attempt(s)", sourceLocation: sourceLocation) { log in
            log.filter { $0.status == "succeeded" }.count >= count
        }
    }

    static func describe(_ log: [FakeStripeControl.Attempt]) -> String {
        log.map { a in
            "#\(a.id) \(a.eventType) attempt \(a.attempt) \(a.status) \(a.responseStatus.map(String.init) ?? "-") fault=\(a.fault ?? "-") \(a.error ?? "")"
        }.joined(separator: "\n")
    }

    /// How many `GET /v1/checkout/sessions/{id}` fake-stripe answered (its `/_fake/requests` journal): how often
    /// fake-tais asked Stripe about the session.
    func stripeReads(of sessionId: String) async throws -> Int {
        let reply = try await stack.http.get(stripe.baseURL + "/_fake/requests")
        try #require(reply.status == 200, "fake-stripe /_fake/requests: \(reply.status) \(reply.text.prefix(300))")
        guard case .array(let entries)? = try reply.json()["requests"] else { throw StackTestError("no requests in \(reply.text.prefix(300))") }
        return entries.filter { $0["method"]?.stringValue == "GET" && $0["path"]?.stringValue == "/v1/checkout/sessions/\(sessionId)" }.count
    }

    // MARK: - The ledger

    /// Waits until tenant A's purchased credits are `credits` (a credit by webhook comes on its own).
    func waitForPurchased(_ credits: Double, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var last: TAISBillingSummary?
        let reached = try await waitUntil(timeout: timeout) {
            last = try await client.billingSummary(org: Self.tenant)
            return sameCredits(last?.purchasedCredits, credits)
        }
        #expect(reached, "purchased credits never reached \(credits): \(String(describing: last))\n\(stack.logTail())", sourceLocation: sourceLocation)
    }

    /// The exact ledger outcome of tenant A: balance and purchased credits, and one `purchase` entry per paid
    /// session (`usd` × 100 credits, "Stripe top-up: $<usd> (<session>)"), newest first when `ordered`.
    func expectLedger(
        balance: Double, purchased: Double, purchases: [(session: String, usd: Int)], ordered: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let summary = try await client.billingSummary(org: Self.tenant)
        #expect(
            sameCredits(summary.balanceCredits, balance) && sameCredits(summary.purchasedCredits, purchased),
            "expected balance \(balance), purchased \(purchased); got \(summary)", sourceLocation: sourceLocation
        )
        let entries = try await client.allLedgerEntries(org: Self.tenant, category: "purchases")
        let expected = purchases.map { "Stripe top-up: $\($0.usd) (\($0.session))" }
        let got = entries.map { $0.description ?? "" }
        if ordered {
            #expect(got == expected, "purchase entries (newest first): \(entries)", sourceLocation: sourceLocation)
        } else {
            #expect(got.sorted() == expected.sorted(), "purchase entries: \(entries)", sourceLocation: sourceLocation)
        }
        for entry in entries {
            let usd = purchases.first { "Stripe top-up: $\($0.usd) (\($0.session))" == entry.description }?.usd
            #expect(entry.category == "purchase" && usd.map { sameCredits(entry.credits, Double($0 * 100)) } == true,
                    "\(entry)", sourceLocation: sourceLocation)
        }
    }
}
