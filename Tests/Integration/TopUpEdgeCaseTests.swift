import Foundation
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// Top-ups at their edges: an expired checkout, a chat that ran out of credits and a top-up that restores it,
    /// and who may buy or sync what with which amounts.
    @Suite("Top-ups: edge cases")
    struct TopUpEdgeCases {
        @Test("A checkout left 25 h: checkout.session.expired is delivered, sync says expired, nothing credited, paying it is 409")
        func expiredCheckout() async throws {
            try await TopUpFixture.with { f in
                let start = try await f.checkout(15)
                // fake-tais first: fake-stripe signs the expiry event on its own moved clock, which fake-tais checks against its own.
                try await f.stack.tais.advanceClock(seconds: 25 * 3600)
                try await f.stripeControl.advanceClock(seconds: 25 * 3600)
                let event = try await f.requireEvent(TopUpFixture.expired, session: start.sessionId)
                let log = try await f.waitForDelivery(event)
                #expect(log.first?.status == "succeeded", "\(TopUpFixture.describe(log))")

                // The Owner's token expired on the moved clock too: a fresh one.
                let owner = try await f.caller(user: "olivia", roles: ["Owner"])
                #expect(try await owner.client.syncCheckout(org: TopUpFixture.tenant, sessionId: start.sessionId) == "expired")
                let session = try await f.stripeAPI.checkoutSession(start.sessionId)
                #expect(session.status == "expired" && session.url == nil, "\(session.json)")
                do {
                    let paid = try await f.stripeControl.pay(start.sessionId)
                    Issue.record("paying an expired session answered \(paid)")
                } catch StackClientError.unexpectedStatus(_, let status, let body) {
                    #expect(status == 409, "\(status) \(body)")
                }
                #expect(try await f.event(TopUpFixture.completed, session: start.sessionId) == nil)
                #expect(try await owner.client.syncCheckout(org: TopUpFixture.tenant, sessionId: start.sessionId) == "expired")
                let summary = try await owner.client.billingSummary(org: TopUpFixture.tenant)
                #expect(summary.balanceCredits == 0 && summary.purchasedCredits == 0, "\(summary)")
                #expect(try await owner.client.allLedgerEntries(org: TopUpFixture.tenant, category: "purchases").isEmpty)
            }
        }

        @Test("Credits run out mid-chat (402 credits_exhausted); a $5 top-up paid by card restores it and the next message is answered and debited")
        func exhaustedChatRestoredByTopUp() async throws {
            try await TopUpFixture.with { f in
                let setup = try await f.stack.chatSetup(credits: 2)
                _ = try await setup.chat("How many credits did we use?")
                _ = try await setup.chat("How many credits did we use?")
                await expectTAISFailure(402, "credits_exhausted", "third message with a balance of 0") {
                    try await setup.chat("How many credits did we use?")
                }

                let start = try await f.checkout(5)
                try await f.pay(start.sessionId)
                try await f.waitForPurchased(500)
                try await f.expectLedger(balance: 500, purchased: 500, purchases: [(start.sessionId, 5)])

                let answer = try await setup.chat("How many credits did we use?")
                #expect(answer.creditsCharged == 1 && answer.toolCalls.first?.isError == false, "\(answer)")
                try await f.expectLedger(balance: 499, purchased: 500, purchases: [(start.sessionId, 5)])
                let summary = try await f.client.billingSummary(org: TopUpFixture.tenant)
                #expect(summary.usedCredits == 3, "\(summary)")
                #expect(try await usageEntries(f.client, TopUpFixture.tenant).count == 3)
                let purchase = try #require(try await f.client.allLedgerEntries(org: TopUpFixture.tenant, category: "purchases").first)
                #expect(sameCredits(purchase.balanceAfter, 500), "\(purchase)")
            }
        }

        @Test("Another tenant's session is 404, a Developer may sync but not buy (403), bad amounts are 400 and reach no Stripe")
        func accessAndAmounts() async throws {
            try await TopUpFixture.with { f in
                let start = try await f.checkout(50)

                // Tenant B's Owner: neither tenant A's org nor tenant A's session, however it is asked.
                let foreign = try await f.caller(TAISStack.tenantB, user: "mallory", roles: ["Owner"])
                expectTAISReply(try await foreign.client.syncCheckoutReply(org: TAISStack.tenantA, sessionId: start.sessionId), 404, "not_found",
                                "B syncing A's session under A's org")
                expectTAISReply(try await foreign.client.syncCheckoutReply(org: TAISStack.tenantB, sessionId: start.sessionId), 404, "not_found",
                                "B syncing A's session under its own org")
                expectTAISReply(try await foreign.client.startCheckoutReply(org: TAISStack.tenantA, creditAmountUsd: .number(50)), 404, "not_found",
                                "B buying for A")
                expectTAISReply(try await f.client.syncCheckoutReply(org: TAISStack.tenantA, sessionId: "cs_test_unknown"), 404, "not_found",
                                "an unknown session")

                // A Developer of A views and syncs, but may not buy.
                let developer = try await f.caller(user: "dev", roles: ["Developer"])
                expectTAISReply(try await developer.client.startCheckoutReply(org: TopUpFixture.tenant, creditAmountUsd: .number(50)), 403, "forbidden",
                                "a Developer buying")
                #expect(try await developer.client.syncCheckout(org: TopUpFixture.tenant, sessionId: start.sessionId) == "pending")
                let unauthenticated = f.stack.tais
                let noToken = try await unauthenticated.syncCheckoutReply(org: TopUpFixture.tenant, sessionId: start.sessionId)
                #expect(noToken.status == 401, "no token: \(noToken.status) \(noToken.text)")

                // Amounts: whole dollars between 5 and 10000.
                let bad: [(String, JSONValue?)] = [
                    ("50.5", .number(50.5)), ("\"50\"", .string("50")), ("0", .number(0)), ("4 (below the minimum)", .number(4)),
                    ("10001 (above the maximum)", .number(10_001)), ("-50", .number(-50)), ("null", .null), ("missing", nil),
                    ("1e300", .number(1e300)),
                ]
                for (what, amount) in bad {
                    expectTAISReply(try await f.client.startCheckoutReply(org: TopUpFixture.tenant, creditAmountUsd: amount), 400, "invalid_request",
                                    "creditAmountUsd \(what)")
                }
                let above = try await f.client.startCheckoutReply(org: TopUpFixture.tenant, creditAmountUsd: .number(10_001))
                let message = TAISErrorBody(above)?.message ?? ""
                #expect(message.contains("5") && message.contains("10000"), "the bounds are not named: \(above.text)")

                // 50.0 reads as 50; the edges of the range are accepted.
                let whole = try await f.client.startCheckoutReply(org: TopUpFixture.tenant, creditAmountUsd: .number(50.0))
                #expect(whole.status == 201, "50.0: \(whole.status) \(whole.text)")
                _ = try await f.checkout(5)
                _ = try await f.checkout(10_000)

                // Only the accepted ones reached Stripe.
                let sessions = try await f.stripeAPI.call(.GET, "/v1/checkout/sessions?limit=100")
                guard case .array(let data)? = sessions["data"] else {
                    Issue.record("no data in \(sessions)")
                    return
                }
                let totals = data.compactMap { session -> Double? in
                    if case .number(let n)? = session["amount_total"] { return n }
                    return nil
                }
                #expect(totals.sorted() == [500, 5000, 5000, 1_000_000], "\(totals)")
                try await f.expectLedger(balance: 0, purchased: 0, purchases: [])
            }
        }
    }
}
