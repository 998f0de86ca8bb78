import Foundation
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// fake-stripe's webhook faults against fake-tais's `/api/v1/stripe/webhook`: duplicates, an endpoint that is
    /// down, events out of order, stale and bad signatures, and hand-forged deliveries. Every case ends with the
    /// ledger's exact outcome.
    @Suite("Top-ups: webhook delivery")
    struct TopUpWebhooks {
        @Test("Every delivery sent twice at once, and the completion resent 5 times: exactly one credit")
        func duplicateDeliveries() async throws {
            try await TopUpFixture.with { f in
                try await f.stripeControl.addWebhookFault("duplicate", count: 0)
                let start = try await f.checkout(50)
                try await f.pay(start.sessionId)
                let event = try await f.requireEvent(TopUpFixture.completed, session: start.sessionId)
                try await f.waitForDelivery(event, succeeded: 2)
                for _ in 0..<5 {
                    #expect(try await f.stripeControl.resend(eventId: event) == 1)
                }
                // 6 deliveries, each of 2 concurrent copies, every one answered 2xx.
                let log = try await f.waitForDelivery(event, succeeded: 12)
                #expect(log.count == 12 && log.allSatisfy { $0.status == "succeeded" && $0.fault == "duplicate" }, "\(TopUpFixture.describe(log))")
                try await f.stripeControl.clearWebhookFaults()

                #expect(try await f.sync(start.sessionId) == "credited")
                try await f.expectLedger(balance: 5000, purchased: 5000, purchases: [(start.sessionId, 50)])
            }
        }

        @Test("fake-tais down while the session is paid: the attempts fail, and the retried delivery credits exactly once after it is back on the same port")
        func endpointDownThenRecovered() async throws {
            var options = TAISStack.Options()
            // Room for a restart on a busy machine: about 25 s of retries instead of 6.
            options.stripeRetrySeconds = "0.2,0.4,0.8,1.6,3.2,6.4,12.8"
            try await TopUpFixture.with(options) { f in
                let start = try await f.checkout(40)
                let port = f.stack.taisProcessNow.port
                f.stack.killTAIS()

                try await f.pay(start.sessionId)
                let event = try await f.requireEvent(TopUpFixture.completed, session: start.sessionId)
                let failed = try await f.waitForAttempts(event, "two failed attempts while fake-tais is down") { log in
                    log.filter { $0.status == "failed" }.count >= 2
                }
                #expect(failed.allSatisfy { $0.status == "failed" && $0.responseStatus == nil }, "\(TopUpFixture.describe(failed))")

                try await f.stack.startTAISAgain()
                try #require(f.stack.taisProcessNow.port == port, "fake-tais came back on port \(f.stack.taisProcessNow.port), not \(port)")
                try await f.waitForPurchased(4000, timeout: .seconds(60))
                let log = try await f.waitForDelivery(event, timeout: .seconds(60))
                let succeeded = log.filter { $0.status == "succeeded" }
                #expect(succeeded.count == 1 && log.last?.status == "succeeded" && log.dropLast().allSatisfy { $0.status == "failed" },
                        "\(TopUpFixture.describe(log))")
                #expect(log.map(\.attempt) == Array(1...log.count), "\(TopUpFixture.describe(log))")

                #expect(try await f.sync(start.sessionId) == "credited")
                try await f.expectLedger(balance: 4000, purchased: 4000, purchases: [(start.sessionId, 40)])
            }
        }

        @Test("A's completion held until B's events went first: both credited exactly once, B's before A's")
        func outOfOrder() async throws {
            try await TopUpFixture.with { f in
                let a = try await f.checkout(10)
                let b = try await f.checkout(20)
                try await f.stripeControl.addWebhookFault("out_of_order", count: 1, eventType: TopUpFixture.completed)
                try await f.pay(a.sessionId)
                try await f.pay(b.sessionId)
                let eventA = try await f.requireEvent(TopUpFixture.completed, session: a.sessionId)
                let eventB = try await f.requireEvent(TopUpFixture.completed, session: b.sessionId)
                try await f.waitForPurchased(3000)
                let logA = try await f.waitForDelivery(eventA)
                let logB = try await f.waitForDelivery(eventB)

                let firstA = try #require(logA.first), firstB = try #require(logB.first)
                #expect(firstA.fault == "out_of_order" && firstA.status == "succeeded", "\(TopUpFixture.describe(logA))")
                #expect(firstB.fault == nil && firstB.status == "succeeded", "\(TopUpFixture.describe(logB))")
                let everyAttempt = try await f.stripeControl.attempts()
                #expect(firstA.id > firstB.id, "A's completion was delivered before B's:\n\(TopUpFixture.describe(everyAttempt))")

                // B was credited first: the ledger (newest first) shows A's purchase on top of B's.
                try await f.expectLedger(balance: 3000, purchased: 3000, purchases: [(a.sessionId, 10), (b.sessionId, 20)], ordered: true)
                let entries = try await f.client.allLedgerEntries(org: TopUpFixture.tenant, category: "purchases")
                #expect(entries.map(\.balanceAfter) == [3000, 2000], "\(entries)")
                #expect(try await f.sync(a.sessionId) == "credited")
                #expect(try await f.sync(b.sessionId) == "credited")
            }
        }

        @Test("A stale or badly signed attempt is refused with 400, the correctly signed retry credits exactly once", arguments: ["stale_timestamp", "bad_signature"])
        func refusedSignatureThenRetry(kind: String) async throws {
            try await TopUpFixture.with { f in
                try await f.stripeControl.addWebhookFault(kind, count: 1, eventType: TopUpFixture.completed)
                let start = try await f.checkout(25)
                try await f.pay(start.sessionId)
                let event = try await f.requireEvent(TopUpFixture.completed, session: start.sessionId)
                try await f.waitForPurchased(2500)
                let log = try await f.waitForDelivery(event)

                let first = try #require(log.first)
                #expect(first.attempt == 1 && first.fault == kind && first.status == "failed" && first.responseStatus == 400
                        && (first.error ?? "").contains("invalid_signature"), "\(TopUpFixture.describe(log))")
                if kind == "stale_timestamp" {
                    #expect(first.signedAt.map { Double($0) <= first.sentAt - 590 } == true, "not signed 10 minutes early: \(first)")
                }
                let later = log.dropFirst()
                #expect(later.filter { $0.status == "succeeded" }.count == 1 && later.allSatisfy { $0.fault == nil }, "\(TopUpFixture.describe(log))")
                #expect(f.stack.taisProcessNow.log.contains("refused a Stripe webhook"), "fake-tais did not log the refusal:\n\(f.stack.logTail())")

                #expect(try await f.sync(start.sessionId) == "credited")
                try await f.expectLedger(balance: 2500, purchased: 2500, purchases: [(start.sessionId, 25)])
            }
        }

        @Test("Hand-posted events: a wrong secret, no signature, a stale one or a changed body are 400 invalid_signature and credit nothing; the genuine bytes credit once")
        func handSignedEvents() async throws {
            try await TopUpFixture.with { f in
                // Every delivery dropped: the event reaches fake-tais only by hand.
                try await f.stripeControl.addWebhookFault("drop", count: 0)
                let start = try await f.checkout(30)
                try await f.pay(start.sessionId)
                let eventId = try await f.requireEvent(TopUpFixture.completed, session: start.sessionId)
                try await f.stripeControl.clearWebhookFaults()
                var writer = JSONWriter()
                writer.value(try await f.stripeAPI.call(.GET, "/v1/events/\(eventId)"))
                let body = writer.bytes
                let url = f.stack.taisProcessNow.baseURL + TAISStack.webhookPath
                func post(_ bytes: [UInt8], signature: String?) async throws -> HTTPReply {
                    var headers = [("Content-Type", "application/json")]
                    if let signature { headers.append(("Stripe-Signature", signature)) }
                    return try await f.stack.http.send(.POST, url, headers: headers, body: bytes)
                }
                let now = Int(Date().timeIntervalSince1970)
                let secret = TAISStack.stripeWebhookSecret

                let refusals: [(String, [UInt8], String?)] = [
                    ("a wrong secret", body, StripeSignature.header(payload: body, secret: "whsec_wrong_secret_9999", timestamp: now)),
                    ("no Stripe-Signature", body, nil),
                    ("signed 10 minutes ago", body, StripeSignature.header(payload: body, secret: secret, timestamp: now - 600)),
                    ("signed 10 minutes ahead", body, StripeSignature.header(payload: body, secret: secret, timestamp: now + 600)),
                    ("a body changed after signing", body + Array(" ".utf8), StripeSignature.header(payload: body, secret: secret, timestamp: now)),
                    ("a malformed header", body, "v1=deadbeef"),
                ]
                for (what, bytes, signature) in refusals {
                    expectTAISReply(try await post(bytes, signature: signature), 400, "invalid_signature", what)
                }
                let notAnEvent = Array(#"{"hello":"world"}"#.utf8)
                expectTAISReply(
                    try await post(notAnEvent, signature: StripeSignature.header(payload: notAnEvent, secret: secret, timestamp: now)),
                    400, "invalid_request", "a signed body that is not an event"
                )
                try await f.expectLedger(balance: 0, purchased: 0, purchases: [])

                // The genuine bytes, signed with the endpoint's secret: credited, then a duplicate.
                let genuine = try await post(body, signature: StripeSignature.header(payload: body, secret: secret, timestamp: Int(Date().timeIntervalSince1970)))
                #expect(genuine.status == 200 && genuine.text == #"{"received":true}"#, "\(genuine.status) \(genuine.text)")
                try await f.expectLedger(balance: 3000, purchased: 3000, purchases: [(start.sessionId, 30)])
                let again = try await post(body, signature: StripeSignature.header(payload: body, secret: secret, timestamp: Int(Date().timeIntervalSince1970)))
                #expect(again.status == 200 && again.text == #"{"received":true,"duplicate":true}"#, "\(again.status) \(again.text)")
                try await f.expectLedger(balance: 3000, purchased: 3000, purchases: [(start.sessionId, 30)])
            }
        }
    }
}
