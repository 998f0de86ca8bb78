import Foundation
import HTTPTypes
import Testing
@testable import FakeStripe

/// `/v1/checkout/sessions`: create, validation in Stripe's error shape, retrieve, list paging, expand, expire.
@Suite struct CheckoutSessionAPITests {
    // MARK: Create

    @Test func createAnswersAnOpenSessionWithItsAmountsURLsAndMetadata() async throws {
        try await withStripe { t in
            let reply = try await t.createSession(sessionParams(unitAmount: 2500, quantity: 2, extra: [
                ("metadata[tenant]", "acme"), ("metadata[credits]", "5000"), ("client_reference_id", "acme"),
                ("customer_email", "ada@acme.example"),
            ]))
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.header("Content-Type") == "application/json")
            let s = reply.json
            let id = try #require(s.string("id"))
            #expect(id.hasPrefix("cs_test_"))
            #expect(s.string("object") == "checkout.session")
            #expect(s.string("mode") == "payment")
            #expect(s.string("status") == "open")
            #expect(s.string("payment_status") == "unpaid")
            #expect(s.int("amount_subtotal") == 5000)
            #expect(s.int("amount_total") == 5000)
            #expect(s.string("currency") == "usd")
            #expect(s.object("metadata").count == 2)
            #expect(s.object("metadata").string("tenant") == "acme")
            #expect(s.object("metadata").string("credits") == "5000")
            #expect(s.string("client_reference_id") == "acme")
            #expect(s.string("customer_email") == "ada@acme.example")
            // The placeholder is kept as given: Stripe fills it in only when redirecting.
            #expect(s.string("success_url") == "https://merchant.test/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}")
            #expect(s.string("cancel_url") == "https://merchant.test/billing?checkout=cancelled")
            #expect(s.string("url") == "\(testPublicURL)/c/pay/\(id)")
            #expect(s.int("created") == epochSeconds)
            #expect(s.int("expires_at") == epochSeconds + 24 * 3600)
            #expect(s.isNull("payment_intent"))
            #expect(s["livemode"] as? Bool == false)
            #expect(s["payment_method_types"] as? [String] == ["card"])

            let again = try await t.session(id)
            #expect(again.string("id") == id)
            #expect(again.int("amount_total") == 5000)
            #expect(again.string("url") == "\(testPublicURL)/c/pay/\(id)")
        }
    }

    @Test func theURLFollowsTheHostAndPortWhenNoPublicURLIsConfigured() async throws {
        try await withStripe(configure: { $0.publicURL = nil; $0.port = 4242 }) { t in
            let reply = try await t.createSession()
            #expect(reply.json.string("url") == "http://127.0.0.1:4242/c/pay/\(reply.id)")
        }
    }

    @Test func expiresAtMustBeBetween30MinutesAnd24HoursFromNow() async throws {
        try await withStripe { t in
            let now = epochSeconds
            let early = try await t.createSession(sessionParams(extra: [("expires_at", String(now + 30 * 60 - 1))]))
            #expect(early.status == .badRequest)
            #expect(early.error.string("type") == "invalid_request_error")
            #expect(early.error.string("param") == "expires_at")
            #expect(early.error.string("message") == "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.")

            let late = try await t.createSession(sessionParams(extra: [("expires_at", String(now + 24 * 3600 + 1))]))
            #expect(late.status == .badRequest)
            #expect(late.error.string("param") == "expires_at")
            #expect(late.error.string("message") == "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.")

            for edge in [now + 30 * 60, now + 24 * 3600] {
                let ok = try await t.createSession(sessionParams(extra: [("expires_at", String(edge))]))
                #expect(ok.status == .ok, "\(ok.text)")
                #expect(ok.json.int("expires_at") == edge)
            }

            let notANumber = try await t.createSession(sessionParams(extra: [("expires_at", "soon")]))
            #expect(notANumber.status == .badRequest)
            #expect(notANumber.error.string("code") == "parameter_invalid_integer")
            #expect(notANumber.error.string("param") == "expires_at")
        }
    }

    @Test func currencyIsLowercasedAndMustBeTheSameOnEveryItem() async throws {
        try await withStripe { t in
            let upper = try await t.createSession(sessionParams(currency: "USD"))
            #expect(upper.json.string("currency") == "usd")

            let mixed = try await t.createSession(sessionParams(extra: [
                ("line_items[1][price_data][currency]", "eur"), ("line_items[1][price_data][unit_amount]", "100"),
                ("line_items[1][price_data][product_data][name]", "x"), ("line_items[1][quantity]", "1"),
            ]))
            #expect(mixed.status == .badRequest)
            #expect(mixed.error.string("param") == "line_items")

            let tooSmall = try await t.createSession(sessionParams(unitAmount: 49))
            #expect(tooSmall.status == .badRequest)
            #expect(tooSmall.error.string("code") == "amount_too_small")
        }
    }

    // MARK: Validation errors

    @Test func missingLineItemsIsParameterMissingInStripesShape() async throws {
        try await withStripe { t in
            let reply = try await t.createSession([("mode", "payment"), ("success_url", "https://merchant.test/ok")])
            #expect(reply.status == .badRequest)
            #expect(reply.requestId?.hasPrefix("req_") == true)
            #expect(reply.json.count == 1, "only `error` at the top: \(reply.text)")
            let error = reply.error
            #expect(error.string("type") == "invalid_request_error")
            #expect(error.string("code") == "parameter_missing")
            #expect(error.string("param") == "line_items")
            #expect(error.string("message") == "Missing required param: line_items.")
            #expect(error.string("doc_url") == "https://stripe.com/docs/error-codes/parameter-missing")

            let noMode = try await t.createSession(sessionParams().filter { $0.0 != "mode" })
            #expect(noMode.error.string("code") == "parameter_missing")
            #expect(noMode.error.string("param") == "mode")

            let noQuantity = try await t.createSession(sessionParams().filter { $0.0 != "line_items[0][quantity]" })
            #expect(noQuantity.error.string("code") == "parameter_missing")
            #expect(noQuantity.error.string("param") == "line_items[0][quantity]")
            #expect(noQuantity.error.string("message") == "Missing required param: line_items[0][quantity].")

            let noName = try await t.createSession(
                sessionParams(description: "credits").filter { $0.0 != "line_items[0][price_data][product_data][name]" }
            )
            #expect(noName.error.string("code") == "parameter_missing")
            #expect(noName.error.string("param") == "line_items[0][price_data][product_data][name]")

            let noProduct = try await t.createSession(sessionParams().filter { $0.0 != "line_items[0][price_data][product_data][name]" })
            #expect(noProduct.error.string("param") == "line_items[0][price_data][product_data]")
        }
    }

    @Test func anUnknownParameterIsParameterUnknownNamingIt() async throws {
        try await withStripe { t in
            let top = try await t.createSession(sessionParams(extra: [("colour", "red")]))
            #expect(top.status == .badRequest)
            #expect(top.error.string("type") == "invalid_request_error")
            #expect(top.error.string("code") == "parameter_unknown")
            #expect(top.error.string("param") == "colour")
            #expect(top.error.string("message") == "Received unknown parameter: colour")

            let nested = try await t.createSession(sessionParams(extra: [("line_items[0][price_data][product_data][colour]", "red")]))
            #expect(nested.status == .badRequest)
            #expect(nested.error.string("code") == "parameter_unknown")
            #expect(nested.error.string("param") == "line_items[0][price_data][product_data][colour]")

            // Nothing was created by the refused requests.
            #expect(try await t.get("/v1/checkout/sessions").data.isEmpty)
        }
    }

    @Test func otherModesAndBadURLsAreRefused() async throws {
        try await withStripe { t in
            let setup = try await t.createSession(sessionParams().map { $0.0 == "mode" ? ("mode", "subscription") : $0 })
            #expect(setup.status == .badRequest)
            #expect(setup.error.string("param") == "mode")

            let badURL = try await t.createSession(sessionParams().map { $0.0 == "success_url" ? ("success_url", "not a url") : $0 })
            #expect(badURL.status == .badRequest)
            #expect(badURL.error.string("param") == "success_url")
            #expect(badURL.error.string("code") == "url_invalid")
        }
    }

    // MARK: Retrieve

    @Test func retrievingAnUnknownSessionIsResourceMissing() async throws {
        try await withStripe { t in
            let reply = try await t.get("/v1/checkout/sessions/x")
            #expect(reply.status == .notFound)
            #expect(reply.error.string("type") == "invalid_request_error")
            #expect(reply.error.string("code") == "resource_missing")
            #expect(reply.error.string("message") == "No such checkout.session: 'x'")
        }
    }

    // MARK: List

    @Test func listIsNewestFirstAndPagesBothWays() async throws {
        try await withStripe { t in
            var ids: [String] = []
            for _ in 0..<5 { ids.append(try await t.createdSession()) }

            let all = try await t.get("/v1/checkout/sessions")
            #expect(all.json.string("object") == "list")
            #expect(all.json.string("url") == "/v1/checkout/sessions")
            #expect(all.json["has_more"] as? Bool == false)
            #expect(all.ids == Array(ids.reversed()))

            let first = try await t.get("/v1/checkout/sessions?limit=2")
            #expect(first.ids == [ids[4], ids[3]])
            #expect(first.json["has_more"] as? Bool == true)

            let second = try await t.get("/v1/checkout/sessions?limit=2&starting_after=\(ids[3])")
            #expect(second.ids == [ids[2], ids[1]])
            #expect(second.json["has_more"] as? Bool == true)

            let last = try await t.get("/v1/checkout/sessions?limit=2&starting_after=\(ids[1])")
            #expect(last.ids == [ids[0]])
            #expect(last.json["has_more"] as? Bool == false)

            // ending_before gives the `limit` items just newer than the cursor, still newest first.
            let back = try await t.get("/v1/checkout/sessions?limit=2&ending_before=\(ids[0])")
            #expect(back.ids == [ids[2], ids[1]])
            #expect(back.json["has_more"] as? Bool == true)

            let top = try await t.get("/v1/checkout/sessions?limit=10&ending_before=\(ids[2])")
            #expect(top.ids == [ids[4], ids[3]])
            #expect(top.json["has_more"] as? Bool == false)
        }
    }

    @Test func listRefusesBadLimitsCursorsAndParameters() async throws {
        try await withStripe { t in
            for limit in ["0", "101"] {
                let reply = try await t.get("/v1/checkout/sessions?limit=\(limit)")
                #expect(reply.status == .badRequest, "\(limit)")
                #expect(reply.error.string("param") == "limit")
            }
            let cursor = try await t.get("/v1/checkout/sessions?starting_after=cs_test_nope")
            #expect(cursor.error.string("code") == "resource_missing")
            #expect(cursor.error.string("param") == "starting_after")
            #expect(cursor.error.string("message") == "No such checkout.session: 'cs_test_nope'")

            let unknown = try await t.get("/v1/checkout/sessions?colour=red")
            #expect(unknown.status == .badRequest)
            #expect(unknown.error.string("code") == "parameter_unknown")
            #expect(unknown.error.string("param") == "colour")

            let status = try await t.get("/v1/checkout/sessions?status=paid")
            #expect(status.status == .badRequest)
            #expect(status.error.string("param") == "status")
        }
    }

    @Test func listFiltersByStatus() async throws {
        try await withStripe { t in
            let paid = try await t.createdSession()
            let expired = try await t.createdSession()
            let open = try await t.createdSession()
            #expect(try await t.pay(paid).status == .ok)
            #expect(try await t.post("/v1/checkout/sessions/\(expired)/expire").status == .ok)

            #expect(try await t.get("/v1/checkout/sessions?status=complete").ids == [paid])
            #expect(try await t.get("/v1/checkout/sessions?status=expired").ids == [expired])
            #expect(try await t.get("/v1/checkout/sessions?status=open").ids == [open])
            let intent = try #require(try await t.session(paid).string("payment_intent"))
            #expect(try await t.get("/v1/checkout/sessions?payment_intent=\(intent)").ids == [paid])
        }
    }

    // MARK: Expand

    @Test func expandPaymentIntentReplacesTheIdWithTheObject() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            // No card tried yet: nothing to expand.
            #expect(try await t.session(id, query: "?expand[]=payment_intent").isNull("payment_intent"))

            #expect(try await t.pay(id, card: "4000000000000002").status == .ok)
            let plain = try await t.session(id)
            let intentId = try #require(plain.string("payment_intent"))
            #expect(intentId.hasPrefix("pi_"))

            for query in ["?expand[]=payment_intent", "?expand%5B%5D=payment_intent", "?expand[0]=payment_intent"] {
                let expanded = try await t.session(id, query: query)
                let intent = expanded.object("payment_intent")
                #expect(intent.string("object") == "payment_intent", "\(query)")
                #expect(intent.string("id") == intentId, "\(query)")
                #expect(intent.int("amount") == 5000, "\(query)")
            }

            let items = try await t.session(id, query: "?expand[]=line_items").object("line_items")
            #expect(items.string("object") == "list")
            let item = try #require((items["data"] as? [[String: Any]])?.first)
            #expect(item.string("description") == "AI credits")
            #expect(item.int("amount_total") == 5000)

            let listed = try await t.get("/v1/checkout/sessions?expand[]=data.payment_intent")
            #expect(listed.data.first?.object("payment_intent").string("id") == intentId)
        }
    }

    // MARK: Expire

    @Test func expireThenExpireAgainIsStripesNotOpenError() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            let first = try await t.post("/v1/checkout/sessions/\(id)/expire")
            #expect(first.status == .ok, "\(first.text)")
            #expect(first.json.string("status") == "expired")
            #expect(first.json.isNull("url"))

            let again = try await t.post("/v1/checkout/sessions/\(id)/expire")
            #expect(again.status == .badRequest)
            #expect(again.error.string("type") == "invalid_request_error")
            #expect(again.error.string("message")
                == "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of `expired`.")

            let paid = try await t.createdSession()
            #expect(try await t.pay(paid).status == .ok)
            let complete = try await t.post("/v1/checkout/sessions/\(paid)/expire")
            #expect(complete.status == .badRequest)
            #expect(complete.error.string("message")
                == "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of `complete`.")

            let missing = try await t.post("/v1/checkout/sessions/cs_test_nope/expire")
            #expect(missing.status == .notFound)
            #expect(missing.error.string("message") == "No such checkout.session: 'cs_test_nope'")
        }
    }

    // MARK: Form bodies

    @Test func percentEncodedBracketsAndPlusSpacesReadLikeLiteralOnes() async throws {
        try await withStripe { t in
            let body = formBody(sessionParams(name: "AI credits", extra: [("metadata[order note]", "first one")]), encodeNames: true)
                .replacingOccurrences(of: "%20", with: "+")
            #expect(body.contains("line_items%5B0%5D%5Bprice_data%5D%5Bcurrency%5D=usd"))
            #expect(body.contains("AI+credits"))
            let reply = try await t.send(.post, "/v1/checkout/sessions", form: body)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.json.int("amount_total") == 5000)
            #expect(reply.json.object("metadata").string("order note") == "first one")
            #expect(reply.json.string("success_url") == "https://merchant.test/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}")
            let items = try await t.session(reply.id, query: "?expand%5B%5D=line_items").object("line_items")
            #expect((items["data"] as? [[String: Any]])?.first?.string("description") == "AI credits")
        }
    }

    @Test func lineItemsPerLineAndExpandOnCreate() async throws {
        try await withStripe { t in
            let reply = try await t.createSession(sessionParams(unitAmount: 700, quantity: 3, extra: [("expand[]", "line_items")]))
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.json.int("amount_total") == 2100)
            #expect(reply.json.object("line_items").string("object") == "list")

            let items = try await t.get("/v1/checkout/sessions/\(reply.id)/line_items")
            #expect(items.status == .ok)
            #expect(items.json.string("url") == "/v1/checkout/sessions/\(reply.id)/line_items")
            let item = try #require(items.data.first)
            #expect(item.string("object") == "item")
            #expect(item.int("quantity") == 3)
            #expect(item.object("price").int("unit_amount") == 700)
        }
    }
}
