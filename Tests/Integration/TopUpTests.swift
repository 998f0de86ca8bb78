import Foundation
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// Prepaid top-ups on real processes: fake-tais starts a Stripe Checkout Session on fake-stripe, the buyer pays
    /// with a test card, and the tenant's ledger is credited exactly once, by fake-stripe's signed webhook or by a
    /// sync, whichever comes first (docs/fake-tais.md "Top-ups").
    @Suite("Top-ups: checkout, webhook and sync")
    struct TopUps {
        @Test("Checkout of $50, paid with 4242: the webhook credits exactly 5000, and sync then says credited")
        func happyPath() async throws {
            try await TopUpFixture.with { f in
                let start = try await f.checkout(50)
                #expect(start.sessionId.hasPrefix("cs_test_"), "\(start)")
                #expect(start.url == f.stripe.baseURL + "/c/pay/" + start.sessionId, "\(start)")
                let page = try await f.stack.http.get(start.url)
                #expect(page.status == 200 && page.text.contains("50.00"), "the pay page: \(page.status) \(page.text.prefix(300))")

                // What Stripe holds: one line of $50 with the tenant and the credits in its metadata.
                let session = try await f.stripeAPI.checkoutSession(start.sessionId)
                #expect(session.status == "open" && session.amountTotal == 5000 && session.clientReferenceId == TopUpFixture.tenant, "\(session.json)")
                #expect(session.metadata["tenant"] == TopUpFixture.tenant && session.metadata["credits"] == "5000"
                        && session.metadata["creditAmountUsd"] == "50", "\(session.metadata)")

                // Not paid yet: pending, nothing credited.
                #expect(try await f.sync(start.sessionId) == "pending")
                try await f.expectLedger(balance: 0, purchased: 0, purchases: [])

                try await f.pay(start.sessionId)
                let event = try await f.requireEvent(TopUpFixture.completed, session: start.sessionId)
                try await f.waitForPurchased(5000)
                try await f.waitForDelivery(event)
                #expect(f.stack.taisProcessNow.log.contains("by=webhook") || f.stack.taisProcessNow.log.contains("\"by\":\"webhook\""),
                        "fake-tais did not log a credit by the webhook:\n\(f.stack.logTail())")

                #expect(try await f.sync(start.sessionId) == "credited")
                try await f.expectLedger(balance: 5000, purchased: 5000, purchases: [(start.sessionId, 50)])
                let entry = try #require(try await f.client.allLedgerEntries(org: TopUpFixture.tenant, category: "purchases").first)
                #expect(sameCredits(entry.balanceAfter, 5000) && entry.sessionId == nil && entry.messageId == nil, "\(entry)")
                let summary = try await f.client.billingSummary(org: TopUpFixture.tenant)
                #expect(summary.usedCredits == 0 && summary.creditsPerUsd == 100, "\(summary)")
            }
        }

        @Test("Sync before the webhook: the completion is dropped, sync credits; the resent event is then delivered and credits nothing more")
        func syncBeforeWebhook() async throws {
            try await TopUpFixture.with { f in
                try await f.stripeControl.addWebhookFault("drop", count: 1, eventType: TopUpFixture.completed)
                let start = try await f.checkout(20)
                try await f.pay(start.sessionId)
                let event = try await f.requireEvent(TopUpFixture.completed, session: start.sessionId)
                let dropped = try await f.attempts(event)
                #expect(dropped.map(\.status) == ["dropped"], "\(TopUpFixture.describe(dropped))")
                try await f.expectLedger(balance: 0, purchased: 0, purchases: [])

                #expect(try await f.sync(start.sessionId) == "credited")
                try await f.expectLedger(balance: 2000, purchased: 2000, purchases: [(start.sessionId, 20)])
                #expect(f.stack.taisProcessNow.log.contains("by=sync") || f.stack.taisProcessNow.log.contains("\"by\":\"sync\""),
                        "fake-tais did not log a credit by sync:\n\(f.stack.logTail())")

                #expect(try await f.stripeControl.resend(eventId: event) == 1)
                let log = try await f.waitForDelivery(event)
                #expect(log.filter { $0.status == "succeeded" }.count == 1 && log.allSatisfy { $0.status != "failed" }, "\(TopUpFixture.describe(log))")
                #expect(try await f.sync(start.sessionId) == "credited")
                try await f.expectLedger(balance: 2000, purchased: 2000, purchases: [(start.sessionId, 20)])
            }
        }

        @Test("Sync after the webhook: credited without asking Stripe again, still one credit")
        func syncAfterWebhook() async throws {
            try await TopUpFixture.with { f in
                let start = try await f.checkout(25)
                try await f.pay(start.sessionId)
                let event = try await f.requireEvent(TopUpFixture.completed, session: start.sessionId)
                try await f.waitForPurchased(2500)
                try await f.waitForDelivery(event)

                let readsBefore = try await f.stripeReads(of: start.sessionId)
                for _ in 0..<3 {
                    #expect(try await f.sync(start.sessionId) == "credited")
                }
                #expect(try await f.stripeReads(of: start.sessionId) == readsBefore, "sync of a credited session asked Stripe")
                try await f.expectLedger(balance: 2500, purchased: 2500, purchases: [(start.sessionId, 25)])
            }
        }

        @Test("20 concurrent syncs racing the webhook: all say credited, exactly one credit")
        func concurrentSyncsRaceTheWebhook() async throws {
            try await TopUpFixture.with { f in
                let start = try await f.checkout(30)
                try await f.pay(start.sessionId)
                let statuses = try await withThrowingTaskGroup(of: String.self) { group in
                    for _ in 0..<20 {
                        group.addTask { try await f.sync(start.sessionId) }
                    }
                    var all: [String] = []
                    for try await status in group { all.append(status) }
                    return all
                }
                #expect(statuses == Array(repeating: "credited", count: 20), "\(statuses)")

                // The webhook has been processed too (it found the session credited) before the ledger is read.
                let event = try await f.requireEvent(TopUpFixture.completed, session: start.sessionId)
                try await f.waitForDelivery(event)
                try await f.expectLedger(balance: 3000, purchased: 3000, purchases: [(start.sessionId, 30)])
            }
        }

        @Test("A declined card leaves the session open and nothing credited; 4242 then pays it and credits once")
        func declinedThenPaid() async throws {
            try await TopUpFixture.with { f in
                let start = try await f.checkout(10)
                let declined = try await f.pay(start.sessionId, card: TopUpFixture.declinedCard, expecting: "declined")
                #expect(declined["declineCode"]?.stringValue == "generic_decline", "\(declined)")
                #expect(declined["session"]?["status"]?.stringValue == "open", "\(declined)")
                #expect(try await f.sync(start.sessionId) == "pending")
                // payment_intent.payment_failed reached fake-tais, which ignores it.
                let list = try await f.stripeAPI.call(.GET, "/v1/events?type=payment_intent.payment_failed")
                guard case .array(let failed)? = list["data"], let failedEvent = failed.first?["id"]?.stringValue else {
                    Issue.record("no payment_intent.payment_failed event: \(list)")
                    return
                }
                try await f.waitForDelivery(failedEvent)
                try await f.expectLedger(balance: 0, purchased: 0, purchases: [])

                try await f.pay(start.sessionId)
                try await f.waitForPurchased(1000)
                let event = try await f.requireEvent(TopUpFixture.completed, session: start.sessionId)
                try await f.waitForDelivery(event)
                #expect(try await f.sync(start.sessionId) == "credited")
                try await f.expectLedger(balance: 1000, purchased: 1000, purchases: [(start.sessionId, 10)])
            }
        }
    }
}
