import FakeControls
import Foundation
import HTTPTypes
import StackClients
import Testing
@testable import FakeStripe

/// Signed webhook delivery to a real HTTP endpoint: retries, and every webhook fault of `/_fake/webhook_faults`.
/// Every wait polls with a generous deadline; nothing asserts tight timing.
@Suite struct WebhookDeliveryTests {
    /// A receiver that answers 200 to a correctly signed, fresh delivery and 400 to anything else, as a
    /// webhook handler using the SDK's `construct_event` would.
    static func verifyingReceiver(_ clock: FakeClock) -> WebhookReceiver {
        WebhookReceiver { hit, _ in
            let now = Int(clock.now().timeIntervalSince1970)
            return (try? StripeSignature.verify(payload: hit.body, header: hit.signature, secret: WebhookStack.secret, now: now)) != nil ? 200 : 400
        }
    }

    @Test func aPaidSessionDeliversBothEventsSignedWithTheEndpointSecret() async throws {
        try await withWebhookStack { w in
            let id = try await w.stripe.createdSession()
            #expect(try await w.stripe.pay(id).status == .ok)
            try await waitUntil("both events are delivered") { w.receiver.hits.count >= 2 }
            let hits = w.receiver.hits
            #expect(Set(hits.map(\.type)) == ["payment_intent.succeeded", "checkout.session.completed"])
            for hit in hits {
                #expect(hit.path == "/webhook")
                #expect(hit.contentType?.hasPrefix("application/json") == true)
                let signedAt = try w.verify(hit)
                #expect(signedAt == epochSeconds, "signed at the fake clock's now")
                #expect(hit.signature == StripeSignature.header(payload: hit.body, secret: WebhookStack.secret, timestamp: signedAt))
                #expect(throws: StripeSignature.Rejection.noSignatureMatches) {
                    try w.verify(hit, secret: "whsec_some_other_secret")
                }
            }
            let completed = try #require(w.receiver.hits(type: "checkout.session.completed").first)
            #expect(completed.object.string("id") == id)
            #expect(completed.object.string("payment_status") == "paid")
            let succeeded = try #require(w.receiver.hits(type: "payment_intent.succeeded").first)
            #expect(succeeded.object.int("amount_received") == 5000)
            #expect(completed.object.string("payment_intent") == succeeded.object.string("id"))

            // The body is the event as the API shows it.
            let event = try await w.stripe.get("/v1/events/\(completed.eventId)")
            #expect(event.status == .ok)
            #expect(event.json.string("type") == "checkout.session.completed")
            try await waitUntil("the deliveries are recorded as succeeded") {
                try await w.stripe.get("/v1/events/\(completed.eventId)").json.int("pending_webhooks") == 0
            }
        }
    }

    @Test func endpointsAddedThroughFakeGetOnlyTheTypesTheyWant() async throws {
        try await withWebhookStack(configEndpoint: false) { w in
            let added = try await w.stripe.send(.post, "/_fake/webhook_endpoints", key: nil, json: """
                {"url":"\(w.receiverURL)/only-completed","secret":"whsec_only_completed_1234","enabledEvents":["checkout.session.*"]}
                """)
            #expect(added.status == .created, "\(added.text)")
            #expect(added.json.string("id")?.hasPrefix("we_") == true)
            #expect(added.json.string("secret") == "whsec_only_completed_1234")

            let declined = try await w.stripe.createdSession()
            #expect(try await w.stripe.pay(declined, card: "4000000000000002").status == .ok)
            let id = try await w.stripe.createdSession()
            #expect(try await w.stripe.pay(id).status == .ok)
            try await waitUntil("the completed event is delivered") { !w.receiver.hits(type: "checkout.session.completed").isEmpty }
            let hit = try #require(w.receiver.hits.last)
            #expect(hit.path == "/only-completed")
            #expect(try w.verify(hit, secret: "whsec_only_completed_1234") == epochSeconds)
            // Only session events were owed to it: the intents' events never got a delivery.
            for type in ["payment_intent.succeeded", "payment_intent.payment_failed"] {
                let event = try #require(try await w.stripe.events("?type=\(type)").first)
                #expect(try await w.attempts(event: event.string("id") ?? "").isEmpty, "\(type)")
            }
            #expect(w.receiver.hits.allSatisfy { $0.type.hasPrefix("checkout.session.") })
        }
    }

    @Test func aFailingEndpointIsRetriedUntilItAnswers2xxEachAttemptSignedAfresh() async throws {
        let clock = FakeClock(mode: .frozen(testEpoch))
        // 500 twice, moving the fake clock 100 s each time, then 200.
        let receiver = WebhookReceiver { _, earlier in
            guard earlier < 2 else { return 200 }
            clock.advance(by: 100)
            return 500
        }
        try await withWebhookStack(receiver: receiver, clock: clock) { w in
            let event = try await w.expireEvent()
            try await waitUntil("the third attempt succeeds") {
                try await w.attempts(event: event).contains { $0.string("status") == "succeeded" }
            }
            let attempts = try await w.attempts(event: event)
            #expect(attempts.map { $0.int("attempt") ?? -1 } == [1, 2, 3])
            #expect(attempts.map { $0.string("status") ?? "" } == ["failed", "failed", "succeeded"])
            #expect(attempts.map { $0.int("responseStatus") ?? -1 } == [500, 500, 200])
            #expect(attempts[0].string("error")?.hasPrefix("HTTP 500") == true)
            #expect(attempts.allSatisfy { $0.string("eventType") == "checkout.session.expired" && $0.string("endpointId") == "we_config" })
            // Signed at the fake clock's time of each attempt, over the same bytes.
            #expect(attempts.map { $0.int("signedAt") ?? 0 } == [epochSeconds, epochSeconds + 100, epochSeconds + 200])
            let hits = w.receiver.hits(event: event)
            #expect(hits.count == 3)
            #expect(hits.map { (try? w.verify($0)) ?? 0 } == [epochSeconds, epochSeconds + 100, epochSeconds + 200])
            #expect(Set(hits.map(\.body)).count == 1)
            #expect(try await w.stripe.get("/v1/events/\(event)").json.int("pending_webhooks") == 0)
        }
    }

    @Test func aDeliveryFailsAfterTheLastRetry() async throws {
        let receiver = WebhookReceiver { _, _ in 503 }
        try await withWebhookStack(receiver: receiver, retrySchedule: [0.05, 0.05]) { w in
            let event = try await w.expireEvent()
            try await waitUntil("three attempts have failed") { try await w.attempts(event: event).count >= 3 }
            // The delivery is done with after its last attempt: still owed in pending_webhooks, listed as unsuccessful.
            try await waitUntil("the event counts as undelivered") {
                try await w.stripe.events("?delivery_success=false").contains { $0.string("id") == event }
            }
            let attempts = try await w.attempts(event: event)
            #expect(attempts.map { $0.int("attempt") ?? -1 } == [1, 2, 3])
            #expect(attempts.allSatisfy { $0.string("status") == "failed" && $0.int("responseStatus") == 503 })
            #expect(try await w.stripe.get("/v1/events/\(event)").json.int("pending_webhooks") == 1)
            #expect(try await w.stripe.events("?delivery_success=true").isEmpty)

            // A resend is one more delivery, now.
            let resend = try await w.stripe.send(.post, "/_fake/events/\(event)/resend", key: nil)
            #expect(resend.status == .ok)
            #expect(resend.json.int("queued") == 1)
            try await waitUntil("the resend is attempted") { w.receiver.hits(event: event).count >= 4 }
        }
    }

    // MARK: Faults

    @Test func duplicateSendsTheEventTwiceEachSigned() async throws {
        try await withWebhookStack { w in
            try await w.armFault(#"{"kind":"duplicate"}"#)
            let event = try await w.expireEvent()
            try await waitUntil("both copies arrive and are logged") {
                guard w.receiver.hits(event: event).count >= 2 else { return false }
                return try await w.attempts(event: event).count >= 2
            }
            let hits = w.receiver.hits(event: event)
            #expect(hits.count == 2)
            #expect(hits[0].body == hits[1].body)
            for hit in hits { #expect(try w.verify(hit) == epochSeconds) }
            let attempts = try await w.attempts(event: event)
            #expect(attempts.map { $0.string("fault") ?? "" } == ["duplicate", "duplicate"])
            #expect(attempts.allSatisfy { $0.int("attempt") == 1 && $0.string("status") == "succeeded" })

            // The fault was spent on that delivery: the next event goes once.
            let next = try await w.expireEvent()
            try await waitUntil("the next event is logged") { !(try await w.attempts(event: next).isEmpty) }
            #expect(try await w.attempts(event: next).count == 1)
            #expect(w.receiver.hits(event: next).count == 1)
        }
    }

    @Test func dropSendsNothingUntilResent() async throws {
        try await withWebhookStack { w in
            try await w.armFault(#"{"kind":"drop"}"#)
            let dropped = try await w.expireEvent()
            let log = try await w.attempts(event: dropped)
            #expect(log.count == 1)
            #expect(log.first?.string("status") == "dropped")
            #expect(log.first?.string("fault") == "drop")
            #expect(log.first?.int("attempt") == 0)

            // A later event goes through; the dropped one never does on its own.
            let later = try await w.expireEvent()
            try await waitUntil("the later event arrives") { !w.receiver.hits(event: later).isEmpty }
            try await waitUntil("the later delivery is logged") {
                try await w.attempts(event: later).contains { $0.string("status") == "succeeded" }
            }
            #expect(w.receiver.hits(event: dropped).isEmpty)
            #expect(try await w.attempts(event: dropped).count == 1)

            let resend = try await w.stripe.send(.post, "/_fake/events/\(dropped)/resend", key: nil, json: #"{"endpoint":"we_config"}"#)
            #expect(resend.status == .ok, "\(resend.text)")
            #expect(resend.json.int("queued") == 1)
            try await waitUntil("the resent event arrives") { !w.receiver.hits(event: dropped).isEmpty }
            let hit = try #require(w.receiver.hits(event: dropped).first)
            #expect(try w.verify(hit) == epochSeconds)
            try await waitUntil("the resend is logged") {
                try await w.attempts(event: dropped).contains { $0.string("status") == "succeeded" }
            }

            let missing = try await w.stripe.send(.post, "/_fake/events/evt_nope/resend", key: nil)
            #expect(missing.status == .notFound)
            #expect(missing.error.string("message") == "no event evt_nope", "\(missing.text)")
        }
    }

    @Test func staleTimestampIsRejectedThenRetriedFresh() async throws {
        let clock = FakeClock(mode: .frozen(testEpoch))
        try await withWebhookStack(receiver: Self.verifyingReceiver(clock), clock: clock) { w in
            try await w.armFault(#"{"kind":"stale_timestamp"}"#)
            let event = try await w.expireEvent()
            try await waitUntil("a fresh attempt is accepted") {
                try await w.attempts(event: event).contains { $0.string("status") == "succeeded" }
            }
            let hits = w.receiver.hits(event: event)
            #expect(hits.count == 2)
            #expect(throws: StripeSignature.Rejection.timestampOutsideTolerance(age: 600)) { try w.verify(hits[0]) }
            #expect(hits[0].answered == 400)
            #expect(try w.verify(hits[1]) == epochSeconds)
            #expect(hits[1].answered == 200)
            // The stale attempt is otherwise a correct signature, only old.
            #expect(hits[0].signature == StripeSignature.header(payload: hits[0].body, secret: WebhookStack.secret, timestamp: epochSeconds - 600))

            let attempts = try await w.attempts(event: event)
            #expect(attempts.map { $0.string("fault") ?? "-" } == ["stale_timestamp", "-"])
            #expect(attempts.map { $0.int("signedAt") ?? 0 } == [epochSeconds - 600, epochSeconds])
            #expect(attempts.map { $0.int("responseStatus") ?? 0 } == [400, 200])
        }
    }

    @Test func badSignatureIsRejectedThenRetriedCorrectlySigned() async throws {
        let clock = FakeClock(mode: .frozen(testEpoch))
        try await withWebhookStack(receiver: Self.verifyingReceiver(clock), clock: clock) { w in
            try await w.armFault(#"{"kind":"bad_signature"}"#)
            let event = try await w.expireEvent()
            try await waitUntil("a correctly signed attempt is accepted") {
                try await w.attempts(event: event).contains { $0.string("status") == "succeeded" }
            }
            let hits = w.receiver.hits(event: event)
            #expect(hits.count == 2)
            #expect(throws: StripeSignature.Rejection.noSignatureMatches) { try w.verify(hits[0]) }
            #expect(try w.verify(hits[1]) == epochSeconds)
            let attempts = try await w.attempts(event: event)
            #expect(attempts.map { $0.string("fault") ?? "-" } == ["bad_signature", "-"])
            #expect(attempts.map { $0.string("status") ?? "" } == ["failed", "succeeded"])
        }
    }

    @Test func faultsCanBeNarrowedToOneEventType() async throws {
        let clock = FakeClock(mode: .frozen(testEpoch))
        try await withWebhookStack(receiver: Self.verifyingReceiver(clock), clock: clock) { w in
            try await w.armFault(#"{"kind":"bad_signature","eventType":"checkout.session.completed"}"#)
            let id = try await w.stripe.createdSession()
            #expect(try await w.stripe.pay(id).status == .ok)
            try await waitUntil("both events are accepted") { w.receiver.hits.filter { $0.answered == 200 }.count >= 2 }
            #expect(w.receiver.hits(type: "payment_intent.succeeded").count == 1)
            #expect(w.receiver.hits(type: "checkout.session.completed").count == 2)
            #expect(w.receiver.hits(type: "checkout.session.completed").first?.answered == 400)
        }
    }

    @Test func outOfOrderHoldsTheEventUntilTheNextHasGone() async throws {
        try await withWebhookStack { w in
            try await w.armFault(#"{"kind":"out_of_order"}"#)
            let held = try await w.expireEvent()
            let next = try await w.expireEvent()
            try await waitUntil("both events arrive") {
                !w.receiver.hits(event: held).isEmpty && !w.receiver.hits(event: next).isEmpty
            }
            let order = w.receiver.hits.map(\.eventId)
            let heldIndex = try #require(order.firstIndex(of: held))
            let nextIndex = try #require(order.firstIndex(of: next))
            #expect(nextIndex < heldIndex, "the held event comes after the next one")
            for hit in w.receiver.hits { #expect(try w.verify(hit) == epochSeconds) }
            try await waitUntil("the held delivery is logged") { !(try await w.attempts(event: held).isEmpty) }
            #expect(try await w.attempts(event: held).first?.string("fault") == "out_of_order")
        }
    }

    @Test func delayHoldsTheFirstAttemptBack() async throws {
        try await withWebhookStack { w in
            try await w.armFault(#"{"kind":"delay","delayMs":400}"#)
            let start = ContinuousClock.now
            let event = try await w.expireEvent()
            try await waitUntil("the delayed event arrives") { !w.receiver.hits(event: event).isEmpty }
            // Only a lower bound: the delay is a promise not to send sooner.
            #expect(ContinuousClock.now - start >= .milliseconds(400))
            #expect(try w.verify(try #require(w.receiver.hits(event: event).first)) == epochSeconds)
            try await waitUntil("the delivery is logged") { !(try await w.attempts(event: event).isEmpty) }
            #expect(try await w.attempts(event: event).first?.string("fault") == "delay")

            let refused = try await w.stripe.send(.post, "/_fake/webhook_faults", key: nil, json: #"{"kind":"delay"}"#)
            #expect(refused.status == .badRequest, "a delay needs delayMs")
        }
    }

    @Test func faultsAreListedAndCleared() async throws {
        try await withWebhookStack { w in
            try await w.armFault(#"{"kind":"drop","count":3}"#)
            let listed = try await w.stripe.get("/_fake/webhook_faults", key: nil)
            let faults = listed.json["faults"] as? [[String: Any]] ?? []
            #expect(faults.count == 1)
            #expect(faults.first?.string("kind") == "drop")
            #expect(faults.first?.int("count") == 3)
            #expect(try await w.stripe.send(.delete, "/_fake/webhook_faults", key: nil).status == .noContent)
            #expect((try await w.stripe.get("/_fake/webhook_faults", key: nil).json["faults"] as? [Any])?.isEmpty == true)

            let unknown = try await w.stripe.send(.post, "/_fake/webhook_faults", key: nil, json: #"{"kind":"explode"}"#)
            #expect(unknown.status == .badRequest)

            // Cleared: the next event is delivered.
            let event = try await w.expireEvent()
            try await waitUntil("the event arrives") { !w.receiver.hits(event: event).isEmpty }
        }
    }
}
