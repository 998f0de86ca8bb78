import Foundation
import HTTPTypes
import Testing
@testable import FakeStripe

/// `/v1/events`: what is emitted, the type filters, retrieve, snapshots and `request`.
@Suite struct EventsTests {
    /// A paid session, a declined try on a second one, and a third expired through the API, in that order.
    struct History {
        var paid: String
        var declined: String
        var expired: String
        var expireRequestId: String?
    }

    func makeHistory(_ t: StripeTestClient) async throws -> History {
        let paid = try await t.createdSession()
        let declined = try await t.createdSession()
        let expired = try await t.createdSession()
        #expect(try await t.pay(paid).json.string("outcome") == "paid")
        #expect(try await t.pay(declined, card: "4000000000000002").json.string("outcome") == "declined")
        let expire = try await t.post("/v1/checkout/sessions/\(expired)/expire", idempotencyKey: "expire-\(expired)")
        #expect(expire.status == .ok)
        return History(paid: paid, declined: declined, expired: expired, expireRequestId: expire.requestId)
    }

    static func types(_ events: [[String: Any]]) -> [String] { events.compactMap { $0.string("type") } }
    static func object(_ event: [String: Any]) -> [String: Any] { event.object("data").object("object") }

    @Test func everyChangeEmitsItsEventNewestFirst() async throws {
        try await withStripe { t in
            _ = try await makeHistory(t)
            let reply = try await t.get("/v1/events")
            #expect(reply.json.string("object") == "list")
            #expect(reply.json.string("url") == "/v1/events")
            #expect(reply.json["has_more"] as? Bool == false)
            #expect(Self.types(reply.data) == [
                "checkout.session.expired", "payment_intent.payment_failed", "checkout.session.completed", "payment_intent.succeeded",
            ])
            for event in reply.data {
                #expect(event.string("id")?.hasPrefix("evt_") == true)
                #expect(event.string("object") == "event")
                #expect(event["livemode"] as? Bool == false)
                #expect(event.int("created") == epochSeconds)
                #expect(event.string("api_version")?.isEmpty == false)
                #expect(event.int("pending_webhooks") == 0, "no endpoints")
            }
            let page = try await t.get("/v1/events?limit=2")
            #expect(Self.types(page.data) == ["checkout.session.expired", "payment_intent.payment_failed"])
            #expect(page.json["has_more"] as? Bool == true)
            let next = try await t.get("/v1/events?limit=2&starting_after=\(page.ids[1])")
            #expect(Self.types(next.data) == ["checkout.session.completed", "payment_intent.succeeded"])
            #expect(next.json["has_more"] as? Bool == false)
        }
    }

    @Test func typeFiltersIncludingWildcards() async throws {
        try await withStripe { t in
            let h = try await makeHistory(t)
            let completed = try await t.events("?type=checkout.session.completed")
            #expect(Self.types(completed) == ["checkout.session.completed"])
            #expect(Self.object(completed[0]).string("id") == h.paid)

            let sessions = try await t.events("?type=checkout.session.*")
            #expect(Self.types(sessions) == ["checkout.session.expired", "checkout.session.completed"])

            let intents = try await t.events("?type=payment_intent.*")
            #expect(Self.types(intents) == ["payment_intent.payment_failed", "payment_intent.succeeded"])

            let several = try await t.events("?types[]=checkout.session.expired&types[]=payment_intent.succeeded")
            #expect(Self.types(several) == ["checkout.session.expired", "payment_intent.succeeded"])

            #expect(try await t.events("?type=charge.refunded").isEmpty)
            // `checkout.*` is a prefix of the type, not of a word inside it.
            #expect(try await t.events("?type=checkout.sess.*").isEmpty)

            let both = try await t.get("/v1/events?type=a&types[]=b")
            #expect(both.status == .badRequest)
            #expect(both.error.string("param") == "types")
        }
    }

    @Test func retrieveAnEventById() async throws {
        try await withStripe { t in
            _ = try await makeHistory(t)
            let listed = try await t.events()
            for event in listed {
                let id = try #require(event.string("id"))
                let one = try await t.get("/v1/events/\(id)")
                #expect(one.status == .ok)
                #expect(one.json.string("id") == id)
                #expect(one.json.string("type") == event.string("type"))
                #expect(Self.object(one.json).string("id") == Self.object(event).string("id"))
            }
            let missing = try await t.get("/v1/events/evt_nope")
            #expect(missing.status == .notFound)
            #expect(missing.error.string("code") == "resource_missing")
            #expect(missing.error.string("message") == "No such event: 'evt_nope'")
        }
    }

    @Test func dataObjectIsTheObjectAsItWasWhenTheEventHappened() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            #expect(try await t.pay(id, card: "4000000000000002").status == .ok)
            #expect(try await t.pay(id, card: "4242424242424242").status == .ok)

            let failed = try #require(try await t.events("?type=payment_intent.payment_failed").first)
            let failedIntent = Self.object(failed)
            #expect(failedIntent.string("object") == "payment_intent")
            #expect(failedIntent.string("status") == "requires_payment_method")
            #expect(failedIntent.object("last_payment_error").string("decline_code") == "generic_decline")
            #expect(failedIntent.int("amount_received") == 0)

            let succeeded = try #require(try await t.events("?type=payment_intent.succeeded").first)
            #expect(Self.object(succeeded).string("id") == failedIntent.string("id"))
            #expect(Self.object(succeeded).string("status") == "succeeded")
            #expect(Self.object(succeeded).int("amount_received") == 5000)

            let completed = Self.object(try #require(try await t.events("?type=checkout.session.completed").first))
            #expect(completed.string("object") == "checkout.session")
            #expect(completed.string("id") == id)
            #expect(completed.string("status") == "complete")
            #expect(completed.string("payment_status") == "paid")
            #expect(completed.string("payment_intent") == failedIntent.string("id"))
            #expect(completed.int("amount_total") == 5000)
            #expect(completed.string("success_url")?.hasSuffix("{CHECKOUT_SESSION_ID}") == true)

            // The earlier event still shows the declined intent, though it has since succeeded.
            let again = try await t.get("/v1/events/\(failed.string("id") ?? "")").json
            #expect(Self.object(again).string("status") == "requires_payment_method")
        }
    }

    @Test func anAPIExpireRecordsItsRequestIdAndIdempotencyKey() async throws {
        try await withStripe { t in
            let h = try await makeHistory(t)
            let expired = try #require(try await t.events("?type=checkout.session.expired").first)
            #expect(Self.object(expired).string("id") == h.expired)
            let request = expired.object("request")
            #expect(h.expireRequestId?.hasPrefix("req_") == true)
            #expect(request.string("id") == h.expireRequestId)
            #expect(request.string("idempotency_key") == "expire-\(h.expired)")

            // Events of what the customer did on the page come from no API request.
            let completed = try #require(try await t.events("?type=checkout.session.completed").first)
            #expect(completed.object("request").isNull("id"))
        }
    }

    @Test func anExpiryByTheClockHasNoRequest() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            t.clock.advance(by: 24 * 3600 + 1)
            let expired = try #require(try await t.events("?type=checkout.session.expired").first)
            #expect(Self.object(expired).string("id") == id)
            #expect(expired.int("created") == epochSeconds + 24 * 3600 + 1)
            #expect(expired.object("request").isNull("id"))
        }
    }
}
