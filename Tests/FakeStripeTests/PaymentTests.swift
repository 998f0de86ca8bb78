import Foundation
import HTTPTypes
import Testing
@testable import FakeStripe

/// Paying with test cards, headless (`/_fake/…/pay`) and on the hosted page; expiry on the fake clock.
@Suite struct PaymentTests {
    static let successPrefix = "https://merchant.test/billing?checkout=success&session_id="
    static let cancelURL = "https://merchant.test/billing?checkout=cancelled"

    func payOnPage(_ t: StripeTestClient, _ id: String, card: String, action: String = "pay") async throws -> StripeReply {
        try await t.send(.post, "/c/pay/\(id)", key: nil, form: formBody([("card", card), ("action", action)]).replacingOccurrences(of: "%20", with: "+"))
    }

    // MARK: Headless

    @Test func the4242CardPaysTheSession() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            let reply = try await t.pay(id, card: "4242 4242 4242 4242")
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.json.string("outcome") == "paid")
            #expect(reply.json.string("redirect") == Self.successPrefix + id)
            #expect(reply.json.object("session").string("status") == "complete")

            let session = try await t.session(id)
            #expect(session.string("status") == "complete")
            #expect(session.string("payment_status") == "paid")
            #expect(session.isNull("url"))
            let intentId = try #require(session.string("payment_intent"))
            #expect(intentId.hasPrefix("pi_"))

            let intent = try await t.get("/v1/payment_intents/\(intentId)")
            #expect(intent.status == .ok)
            #expect(intent.json.string("object") == "payment_intent")
            #expect(intent.json.string("status") == "succeeded")
            #expect(intent.json.int("amount") == 5000)
            #expect(intent.json.int("amount_received") == 5000)
            #expect(intent.json.string("currency") == "usd")
            #expect(intent.json.isNull("last_payment_error"))
            #expect(intent.json.string("latest_charge")?.hasPrefix("ch_") == true)
        }
    }

    @Test func declinedCardsLeaveTheSessionOpenUntilACardPays() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()

            let declined = try await t.pay(id, card: "4000000000000002")
            #expect(declined.status == .ok, "\(declined.text)")
            #expect(declined.json.string("outcome") == "declined")
            #expect(declined.json.string("declineCode") == "generic_decline")
            #expect(declined.json.string("message") == "Your card was declined.")
            var session = try await t.session(id)
            #expect(session.string("status") == "open")
            #expect(session.string("payment_status") == "unpaid")
            #expect(session.string("url") == "\(testPublicURL)/c/pay/\(id)")
            let intentId = try #require(session.string("payment_intent"))

            var intent = try await t.get("/v1/payment_intents/\(intentId)").json
            #expect(intent.string("status") == "requires_payment_method")
            #expect(intent.int("amount_received") == 0)
            var error = intent.object("last_payment_error")
            #expect(error.string("type") == "card_error")
            #expect(error.string("code") == "card_declined")
            #expect(error.string("decline_code") == "generic_decline")

            let poor = try await t.pay(id, card: "4000 0000 0000 9995")
            #expect(poor.json.string("outcome") == "declined")
            #expect(poor.json.string("declineCode") == "insufficient_funds")
            intent = try await t.get("/v1/payment_intents/\(intentId)").json
            error = intent.object("last_payment_error")
            #expect(error.string("decline_code") == "insufficient_funds")
            #expect(error.string("message") == "Your card has insufficient funds.")

            let paid = try await t.pay(id, card: "4242424242424242")
            #expect(paid.json.string("outcome") == "paid")
            session = try await t.session(id)
            #expect(session.string("status") == "complete")
            #expect(session.string("payment_intent") == intentId, "one PaymentIntent for every try")
            intent = try await t.get("/v1/payment_intents/\(intentId)").json
            #expect(intent.string("status") == "succeeded")
            #expect(intent.int("amount_received") == 5000)
            #expect(intent.isNull("last_payment_error"))
        }
    }

    @Test func anUnknownCardIs400AndChangesNothing() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            let reply = try await t.pay(id, card: "1234 5678 9012 3456")
            #expect(reply.status == .badRequest)
            #expect(reply.error.string("message")?.contains("is not a test card") == true, "\(reply.text)")
            let session = try await t.session(id)
            #expect(session.string("status") == "open")
            #expect(session.isNull("payment_intent"))
        }
    }

    @Test func payingASessionThatIsNotOpenIs409() async throws {
        try await withStripe { t in
            let expired = try await t.createdSession()
            #expect(try await t.post("/v1/checkout/sessions/\(expired)/expire").status == .ok)
            let late = try await t.pay(expired)
            #expect(late.status == .conflict)
            #expect(late.error.string("message")?.contains("expired") == true, "\(late.text)")

            let paid = try await t.createdSession()
            #expect(try await t.pay(paid).status == .ok)
            #expect(try await t.pay(paid).status == .conflict)

            let missing = try await t.pay("cs_test_nope")
            #expect(missing.status == .notFound)
            #expect(missing.error.string("message") == "no checkout session cs_test_nope", "\(missing.text)")
        }
    }

    @Test func cancelHeadlessAnswersTheCancelURLAndKeepsTheSessionOpen() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            let reply = try await t.send(.post, "/_fake/checkout/sessions/\(id)/cancel", key: nil)
            #expect(reply.status == .ok)
            #expect(reply.json.string("redirect") == Self.cancelURL)
            #expect(try await t.session(id).string("status") == "open")
        }
    }

    // MARK: The hosted page

    @Test func thePageShowsTheAmountAndTheCardForm() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            let url = try #require(try await t.session(id).string("url"))
            #expect(url.hasPrefix(testPublicURL))
            let page = try await t.get(String(url.dropFirst(testPublicURL.count)), key: nil)
            #expect(page.status == .ok)
            #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(page.text.contains("$50.00"))
            #expect(page.text.contains("AI credits"))
            #expect(page.text.contains(#"id="card-number""#))
            #expect(page.text.contains(#"id="pay-button""#))
            #expect(page.text.contains(#"id="cancel-button""#))
            #expect(page.text.contains(#"data-status="open""#))
            #expect(!page.text.contains("<script"))

            let eur = try await t.createdSession(sessionParams(unitAmount: 1999, currency: "eur"))
            #expect(try await t.get("/c/pay/\(eur)", key: nil).text.contains("19.99 EUR"))

            let missing = try await t.get("/c/pay/cs_test_nope", key: nil)
            #expect(missing.status == .notFound)
            #expect(missing.header("Content-Type")?.hasPrefix("text/html") == true)
        }
    }

    @Test func payingOnThePageRedirectsToTheSuccessURLWithTheId() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            let reply = try await payOnPage(t, id, card: "4242 4242 4242 4242")
            #expect(reply.status == .seeOther, "\(reply.text)")
            #expect(reply.header("Location") == Self.successPrefix + id)
            #expect(try await t.session(id).string("status") == "complete")

            let after = try await t.get("/c/pay/\(id)", key: nil)
            #expect(after.status == .ok)
            #expect(after.text.contains(#"data-status="complete""#))
            #expect(!after.text.contains(#"id="pay-button""#))
            // Posting again to a paid session shows the closed page, not a second payment.
            let again = try await payOnPage(t, id, card: "4242424242424242")
            #expect(again.status == .conflict)
        }
    }

    @Test func aDeclineOnThePageShowsItAgainWithTheReason() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            let reply = try await payOnPage(t, id, card: "4000 0000 0000 0002")
            #expect(reply.status.code == 402)
            #expect(reply.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(reply.text.contains(#"id="payment-error""#))
            #expect(reply.text.contains("Your card was declined."))
            #expect(reply.text.contains(#"id="pay-button""#))
            #expect(try await t.session(id).string("status") == "open")

            let poor = try await payOnPage(t, id, card: "4000000000009995")
            #expect(poor.status.code == 402)
            #expect(poor.text.contains("Your card has insufficient funds."))

            let unknown = try await payOnPage(t, id, card: "5555")
            #expect(unknown.status == .badRequest)
            #expect(unknown.text.contains("not a test card"))
            #expect(unknown.text.contains(#"value="5555""#), "the card typed is kept")

            let paid = try await payOnPage(t, id, card: "4242424242424242")
            #expect(paid.status == .seeOther)
        }
    }

    @Test func cancelOnThePageRedirectsToTheCancelURL() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            let reply = try await payOnPage(t, id, card: "", action: "cancel")
            #expect(reply.status == .seeOther)
            #expect(reply.header("Location") == Self.cancelURL)
            #expect(try await t.session(id).string("status") == "open")
        }
    }

    // MARK: Expiry

    @Test func aSessionExpiresWhenTheFakeClockPassesExpiresAt() async throws {
        try await withStripe { t in
            let reply = try await t.createSession(sessionParams(extra: [("expires_at", String(epochSeconds + 3600))]))
            let id = reply.id
            t.clock.advance(by: 3599)
            #expect(try await t.get("/c/pay/\(id)", key: nil).text.contains(#"data-status="open""#))
            #expect(try await t.events("?type=checkout.session.expired").isEmpty)

            t.clock.advance(by: 1)
            let page = try await t.get("/c/pay/\(id)", key: nil)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"data-status="expired""#))
            #expect(page.text.contains("has expired"))
            #expect(!page.text.contains(#"id="pay-button""#))

            let events = try await t.events("?type=checkout.session.expired")
            #expect(events.count == 1)
            #expect(events.first?.object("data").object("object").string("id") == id)
            #expect(events.first?.object("data").object("object").string("status") == "expired")

            let session = try await t.session(id)
            #expect(session.string("status") == "expired")
            #expect(session.isNull("url"))
            #expect(try await t.pay(id).status == .conflict)
            #expect(try await payOnPage(t, id, card: "4242424242424242").status == .conflict)
        }
    }

    @Test func payingAtTheExpiryInstantFindsItExpired() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            t.clock.advance(by: 24 * 3600)
            // The pay itself expires it (no read before): one expired event, no payment.
            #expect(try await t.pay(id).status == .conflict)
            #expect(try await t.events("?type=checkout.session.expired").count == 1)
            #expect(try await t.events("?type=payment_intent.succeeded").isEmpty)
        }
    }

    // MARK: Escaping

    @Test func aHostileProductNameIsEscapedOnThePage() async throws {
        try await withStripe { t in
            let hostile = #"<script>alert("pwned")</script> & Co's <b>"#
            let id = try await t.createdSession(sessionParams(name: hostile, description: "<img src=x onerror=alert(1)>"))
            let page = try await t.get("/c/pay/\(id)", key: nil).text
            #expect(!page.contains("<script"))
            #expect(!page.contains("<img"))
            #expect(!page.contains("<b>"))
            #expect(page.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; Co&#39;s &lt;b&gt;"))
            #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"))

            let declined = try await payOnPage(t, id, card: #""><script>x</script>"#)
            #expect(!declined.text.contains("<script"))
        }
    }
}
