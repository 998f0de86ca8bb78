import Foundation
import HTTPTypes
import StackClients
import StackConfig
import Testing
@testable import FakeTAIS

/// Prepaid top-ups: checkout sessions, the signed webhook and sync, and exactly-once crediting.
@Suite struct TopUpTests {
    static let secret = "whsec_credits_stack_dev"
    static let now = Int(testEpoch.timeIntervalSince1970)

    // MARK: Helpers

    func start(_ t: TAISTestClient, _ token: String, usd: String = "50", org: String = "acme") async throws -> TAISReply {
        try await t.send(.post, "/api/v1/organizations/\(org)/ai-credits/checkout-session", token: token, body: #"{"creditAmountUsd":\#(usd)}"#)
    }

    func startedSession(_ t: TAISTestClient, usd: Int = 50) async throws -> String {
        let reply = try await start(t, try t.token(), usd: String(usd))
        #expect(reply.status == .created, "\(reply.text)")
        return reply.json["sessionId"] as? String ?? ""
    }

    func sync(_ t: TAISTestClient, _ token: String, _ session: String, org: String = "acme") async throws -> TAISReply {
        try await t.send(.post, "/api/v1/organizations/\(org)/ai-credits/checkout-session/\(session)/sync", token: token)
    }

    func webhook(
        _ t: TAISTestClient, type: String, object: [String: Any], eventId: String = "evt_\(UUID().uuidString)",
        signedAt: Int = TopUpTests.now, secret: String = TopUpTests.secret, header: String?? = .none
    ) async throws -> TAISReply {
        let event: [String: Any] = [
            "id": eventId, "object": "event", "type": type, "created": signedAt, "livemode": false, "data": ["object": object],
        ]
        let body = String(decoding: try JSONSerialization.data(withJSONObject: event), as: UTF8.self)
        var headers: HTTPFields = [:]
        let signature = header ?? StripeSignature.header(payload: Array(body.utf8), secret: secret, timestamp: signedAt)
        if let signature { headers[HTTPField.Name("Stripe-Signature")!] = signature }
        return try await t.send(.post, "/api/v1/stripe/webhook", body: body, headers: headers)
    }

    func balance(_ t: TAISTestClient) async throws -> (balance: Double, purchased: Double) {
        let summary = try await t.summary(try t.token())
        return (summary["balanceCredits"] as? Double ?? -1, summary["purchasedCredits"] as? Double ?? -1)
    }

    func purchases(_ t: TAISTestClient) async throws -> TAISReply {
        try await t.send(.get, "/api/v1/organizations/acme/ai-credits/ledger?category=purchases", token: try t.token())
    }

    // MARK: Starting a checkout

    @Test func createAnswers201AndRecordsAPendingCheckout() async throws {
        try await withTopUps { t, stripe in
            let reply = try await start(t, try t.token())
            #expect(reply.status == .created, "\(reply.text)")
            let id = try #require(reply.json["sessionId"] as? String)
            #expect(id.hasPrefix("cs_test_"))
            #expect(reply.json["url"] as? String == "http://stripe.test/c/pay/\(id)")
            #expect(reply.json["expiresAt"] as? String == "2026-03-19T14:25:36Z")

            let form = try #require(stripe.forms.first)
            #expect(form["mode"] == "payment")
            #expect(form["line_items[0][price_data][currency]"] == "usd")
            #expect(form["line_items[0][price_data][unit_amount]"] == "5000")
            #expect(form["line_items[0][price_data][product_data][name]"] == "AI credits")
            #expect(form["line_items[0][price_data][product_data][description]"] == "5000 AI credits for acme")
            #expect(form["line_items[0][quantity]"] == "1")
            #expect(form["success_url"] == "http://127.0.0.1:5001/settings/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}")
            #expect(form["cancel_url"] == "http://127.0.0.1:5001/settings/billing?checkout=cancelled")
            #expect(form["client_reference_id"] == "acme")
            #expect(form["metadata[tenant]"] == "acme")
            #expect(form["metadata[user]"] == "ada")
            #expect(form["metadata[creditAmountUsd]"] == "50")
            #expect(form["metadata[credits]"] == "5000")
            #expect(form["customer_email"] == "ada@acme.example")

            let checkout = try #require(try t.app.store.checkout(sessionId: id))
            #expect(checkout.status == .pending)
            #expect(checkout.tenant == "acme" && checkout.userId == "ada")
            #expect(checkout.creditAmountUsd == 50 && checkout.credits == 5000 && checkout.amountCents == 5000)
            #expect(try await balance(t).balance == 0)
        }
    }

    @Test func successURLUsesTheConfiguredPublicURLAndCreditsPerUSD() async throws {
        try await withTopUps(configure: { $0.publicURL = "https://tais.example"; $0.creditsPerUSD = 2.5 }) { t, stripe in
            #expect(try await start(t, try t.token(), usd: "7").status == .created)
            let form = try #require(stripe.forms.first)
            #expect(form["success_url"] == "https://tais.example/settings/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}")
            #expect(form["metadata[credits]"] == "17.5")
        }
    }

    @Test func creditAmountMustBeAWholeNumberWithinTheBounds() async throws {
        try await withTopUps { t, stripe in
            let token = try t.token()
            for (usd, message) in [
                ("50.5", "creditAmountUsd must be a whole number of US dollars"), (#""50""#, "creditAmountUsd must be a whole number of US dollars"),
                ("true", "creditAmountUsd must be a whole number of US dollars"), ("null", "creditAmountUsd is required"),
                ("4", "between 5 and 10000"), ("10001", "between 5 and 10000"), ("-50", "between 5 and 10000"),
                ("1e300", "creditAmountUsd must be a whole number of US dollars"),
            ] {
                let reply = try await start(t, token, usd: usd)
                #expect(reply.status == .badRequest, "\(usd): \(reply.text)")
                #expect(reply.error == "invalid_request")
                #expect((reply.json["message"] as? String ?? "").contains(message), "\(usd): \(reply.text)")
            }
            for body in ["{}", "", "[50]"] {
                let reply = try await t.send(.post, "/api/v1/organizations/acme/ai-credits/checkout-session", token: token, body: body)
                #expect(reply.status == .badRequest, "\(body): \(reply.text)")
            }
            let missing = try await t.send(.post, "/api/v1/organizations/acme/ai-credits/checkout-session", token: token, body: "{}")
            #expect((missing.json["message"] as? String ?? "").hasPrefix("creditAmountUsd is required"))
            #expect(stripe.forms.isEmpty)
            #expect(try await start(t, token, usd: "5").status == .created)
            #expect(try await start(t, token, usd: "10000").status == .created)
        }
    }

    @Test func onlyOwnersAndAdminsOfTheirOwnOrgMayBuy() async throws {
        try await withTopUps { t, stripe in
            #expect(try await start(t, try t.token(roles: ["Admin"])).status == .created)
            for roles in [["Developer"], [], ["Viewer"]] {
                let reply = try await start(t, try t.token(roles: roles))
                #expect(reply.status == .forbidden, "\(roles): \(reply.text)")
                #expect(reply.error == "forbidden")
                #expect(reply.json["message"] as? String == "only an Owner or Admin may buy AI credits")
            }
            #expect(try await start(t, try t.token(), org: "globex").status == .notFound)
            #expect(try await t.send(.post, "/api/v1/organizations/acme/ai-credits/checkout-session", body: #"{"creditAmountUsd":50}"#).status == .unauthorized)
            #expect(stripe.forms.count == 1)
        }
    }

    @Test func aStripeFailureIs502StripeError() async throws {
        try await withTopUps { t, stripe in
            stripe.fail(with: StripeAPIError(status: 0, type: "api_connection_error", message: "cannot reach Stripe at http://127.0.0.1:1"))
            let reply = try await start(t, try t.token())
            #expect(reply.status == .badGateway)
            #expect(reply.error == "stripe_error")
            #expect((reply.json["message"] as? String ?? "").contains("cannot reach Stripe"))
        }
    }

    // MARK: Webhooks

    @Test func aSignedCompletedWebhookCreditsOnce() async throws {
        try await withTopUps { t, stripe in
            let id = try await startedSession(t)
            stripe.pay(id)
            let reply = try await webhook(t, type: "checkout.session.completed", object: stripe.json(id))
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.text == #"{"received":true}"#)
            #expect(try await balance(t) == (5000, 5000))
            let ledger = try await purchases(t)
            #expect(ledger.json["total"] as? Int == 1)
            #expect(ledger.items.first?["description"] as? String == "Stripe top-up: $50 (\(id))")
            #expect(ledger.items.first?["credits"] as? Double == 5000)
            #expect(ledger.items.first?["category"] as? String == "purchase")
            let checkout = try #require(try t.app.store.checkout(sessionId: id))
            #expect(checkout.status == .credited && checkout.creditedBy == "webhook")

            // Credited already: sync answers without asking Stripe.
            let synced = try await sync(t, try t.token(), id)
            #expect(synced.json["status"] as? String == "credited")
            #expect(stripe.retrieves == 0)
        }
    }

    @Test func theSameEventTwiceCreditsOnce() async throws {
        try await withTopUps { t, stripe in
            let id = try await startedSession(t)
            stripe.pay(id)
            let first = try await webhook(t, type: "checkout.session.completed", object: stripe.json(id), eventId: "evt_1")
            let second = try await webhook(t, type: "checkout.session.completed", object: stripe.json(id), eventId: "evt_1")
            #expect(first.text == #"{"received":true}"#)
            #expect(second.status == .ok)
            #expect(second.text == #"{"received":true,"duplicate":true}"#)
            #expect(try await balance(t) == (5000, 5000))
        }
    }

    @Test func twoEventsForOneSessionCreditOnce() async throws {
        try await withTopUps { t, stripe in
            let id = try await startedSession(t)
            stripe.pay(id)
            for (event, type) in [("evt_a", "checkout.session.completed"), ("evt_b", "checkout.session.completed"),
                                  ("evt_c", "checkout.session.async_payment_succeeded")] {
                let reply = try await webhook(t, type: type, object: stripe.json(id), eventId: event)
                #expect(reply.text == #"{"received":true}"#, "\(event): \(reply.text)")
            }
            #expect(try await balance(t) == (5000, 5000))
            #expect(try await purchases(t).json["total"] as? Int == 1)
        }
    }

    /// In memory and in a WAL file (a pool of readers beside the one writer).
    @Test(arguments: [false, true]) func concurrentWebhooksAndSyncsCreditExactlyOnce(onDisk: Bool) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fake-tais-topups-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = onDisk ? folder.appendingPathComponent("tais.sqlite").path : ":memory:"
        try await withTopUps(configure: { $0.dataPath = path }) { t, stripe in
            let id = try await startedSession(t)
            let other = try await startedSession(t, usd: 20)
            stripe.pay(id)
            stripe.pay(other)
            let token = try t.token(roles: ["Developer"])
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        switch index % 3 {
                        case 0: try await sync(t, token, index % 2 == 0 ? id : other).status
                        case 1: try await webhook(t, type: "checkout.session.completed", object: stripe.json(index % 2 == 0 ? id : other)).status
                        default: try await webhook(t, type: "checkout.session.completed", object: stripe.json(id), eventId: "evt_same").status
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok }, "\(statuses)")
            #expect(try await balance(t) == (7000, 7000))
            #expect(try await purchases(t).json["total"] as? Int == 2)
        }
    }

    @Test func staleMissingAndBadSignaturesAreRefused() async throws {
        try await withTopUps { t, stripe in
            let id = try await startedSession(t)
            stripe.pay(id)
            let object = stripe.json(id)
            let cases: [(String, TAISReply)] = [
                ("stale", try await webhook(t, type: "checkout.session.completed", object: object, signedAt: Self.now - 301)),
                ("future", try await webhook(t, type: "checkout.session.completed", object: object, signedAt: Self.now + 301)),
                ("other secret", try await webhook(t, type: "checkout.session.completed", object: object, secret: "whsec_other")),
                ("missing", try await webhook(t, type: "checkout.session.completed", object: object, header: .some(nil))),
                ("malformed", try await webhook(t, type: "checkout.session.completed", object: object, header: "v1=abc")),
            ]
            for (name, reply) in cases {
                #expect(reply.status == .badRequest, "\(name): \(reply.text)")
                #expect(reply.error == "invalid_signature", "\(name)")
            }
            #expect(cases[0].1.json["message"] as? String == "the signature timestamp is 301 s away from now, more than the tolerance")
            #expect(cases[3].1.json["message"] as? String == "no Stripe-Signature header")
            #expect(try await balance(t) == (0, 0))

            // At the edge of the tolerance it is still accepted; the refused ones were not remembered.
            let edge = try await webhook(t, type: "checkout.session.completed", object: object, signedAt: Self.now - 300)
            #expect(edge.text == #"{"received":true}"#)
            #expect(try await balance(t) == (5000, 5000))
        }
    }

    @Test func aSignedBodyThatIsNotAnEventIs400() async throws {
        try await withTopUps { t, _ in
            let body = "not json"
            let header = StripeSignature.header(payload: Array(body.utf8), secret: Self.secret, timestamp: Self.now)
            let reply = try await t.send(.post, "/api/v1/stripe/webhook", body: body, headers: [HTTPField.Name("Stripe-Signature")!: header])
            #expect(reply.status == .badRequest)
            #expect(reply.error == "invalid_request")
        }
    }

    @Test func expiredEventCreditsNothingAndSyncSaysExpired() async throws {
        try await withTopUps { t, stripe in
            let id = try await startedSession(t)
            stripe.expire(id)
            let reply = try await webhook(t, type: "checkout.session.expired", object: stripe.json(id))
            #expect(reply.text == #"{"received":true}"#)
            #expect(try t.app.store.checkout(sessionId: id)?.status == .expired)
            #expect(try await balance(t) == (0, 0))
            #expect(try await sync(t, try t.token(), id).json["status"] as? String == "expired")
        }
    }

    @Test func anExpiredEventNeverUndoesACredit() async throws {
        try await withTopUps { t, stripe in
            let id = try await startedSession(t)
            stripe.pay(id)
            let paid = stripe.json(id)
            var expired = paid
            expired["status"] = "expired"
            _ = try await webhook(t, type: "checkout.session.completed", object: paid)
            _ = try await webhook(t, type: "checkout.session.expired", object: expired)
            #expect(try t.app.store.checkout(sessionId: id)?.status == .credited)
            #expect(try await balance(t) == (5000, 5000))
        }
    }

    @Test func eventsForUnknownSessionsAndOtherTypesAreAcknowledged() async throws {
        try await withTopUps { t, stripe in
            let id = try await startedSession(t)
            stripe.pay(id)
            var unknown = stripe.json(id)
            unknown["id"] = "cs_test_somebody_else"
            #expect(try await webhook(t, type: "checkout.session.completed", object: unknown).text == #"{"received":true}"#)
            #expect(try await webhook(t, type: "payment_intent.succeeded", object: ["id": "pi_1", "object": "payment_intent"]).status == .ok)
            #expect(try await balance(t) == (0, 0))
        }
    }

    // MARK: Sync

    @Test func syncCreditsAPaidSessionOnceThenTheWebhookFindsItCredited() async throws {
        try await withTopUps { t, stripe in
            let id = try await startedSession(t)
            let developer = try t.token(roles: ["Developer"])
            #expect(try await sync(t, developer, id).json["status"] as? String == "pending")
            stripe.pay(id)
            #expect(try await sync(t, developer, id).json["status"] as? String == "credited")
            #expect(try t.app.store.checkout(sessionId: id)?.creditedBy == "sync")
            let late = try await webhook(t, type: "checkout.session.completed", object: stripe.json(id))
            #expect(late.text == #"{"received":true}"#)
            #expect(try await balance(t) == (5000, 5000))
        }
    }

    @Test func syncOfAnotherTenantsOrUnknownSessionIs404WithoutAskingStripe() async throws {
        try await withTopUps { t, stripe in
            let id = try await startedSession(t)
            stripe.pay(id)
            let globex = try t.token(tenant: "globex")
            let foreign = try await sync(t, globex, id, org: "globex")
            #expect(foreign.status == .notFound)
            #expect(foreign.error == "not_found")
            #expect(try await sync(t, try t.token(), "cs_test_unknown").status == .notFound)
            #expect(try await sync(t, globex, id).status == .notFound)  // acme's org, globex's token
            #expect(stripe.retrieves == 0)
            #expect(try await balance(t) == (0, 0))
        }
    }

    @Test func syncNeedsABillingRole() async throws {
        try await withTopUps { t, stripe in
            let id = try await startedSession(t)
            let reply = try await sync(t, try t.token(roles: []), id)
            #expect(reply.status == .forbidden)
            #expect(reply.error == "forbidden")
            #expect(stripe.retrieves == 0)
        }
    }

    @Test func syncRefusesToCreditAnAmountThatDiffers() async throws {
        try await withTopUps { t, stripe in
            let id = try await startedSession(t)
            stripe.pay(id)
            stripe.setAmount(id, cents: 100)
            let reply = try await sync(t, try t.token(), id)
            #expect(reply.status == .badGateway)
            #expect(reply.error == "stripe_error")
            _ = try await webhook(t, type: "checkout.session.completed", object: stripe.json(id))
            #expect(try await balance(t) == (0, 0))
            #expect(try t.app.store.checkout(sessionId: id)?.status == .pending)
        }
    }

    @Test func resetForgetsTopUps() async throws {
        try await withTopUps { t, _ in
            let id = try await startedSession(t)
            #expect(try await t.send(.post, "/_fake/reset").status == .noContent)
            #expect(try t.app.store.checkout(sessionId: id) == nil)
        }
    }

    // MARK: Configuration

    @Test func configurationDefaultsAndValidation() throws {
        let defaults = try TAISConfiguration.resolve(settings: Settings(values: [:]))
        #expect(defaults.stripeURL == "http://127.0.0.1:12111")
        #expect(defaults.stripeSecretKey == "sk_test_credits_stack_dev")
        #expect(defaults.stripeWebhookSecret == "whsec_credits_stack_dev")
        #expect(defaults.publicURL == nil)
        #expect(defaults.topUpMinUSD == 5 && defaults.topUpMaxUSD == 10_000)
        #expect(try TAISConfiguration.resolve(settings: Settings(values: ["STRIPE_SECRET_KEY": ""])).stripeSecretKey == "sk_test_credits_stack_dev")
        let set = try TAISConfiguration.resolve(settings: Settings(values: [
            "STRIPE_URL": "http://stripe.local:9999/", "TAIS_PUBLIC_URL": "https://tais.example/", "TOPUP_MIN_USD": "10", "TOPUP_MAX_USD": "10",
        ]))
        #expect(set.stripeURL == "http://stripe.local:9999")
        #expect(set.publicURL == "https://tais.example")
        #expect(set.topUpMinUSD == 10 && set.topUpMaxUSD == 10)
        for values in [["STRIPE_URL": "stripe.local"], ["TAIS_PUBLIC_URL": "ftp://x"], ["TOPUP_MIN_USD": "0"],
                       ["TOPUP_MIN_USD": "20", "TOPUP_MAX_USD": "10"], ["TOPUP_MAX_USD": "1000000"]] {
            #expect(throws: StartupFailure.self, "\(values)") { try TAISConfiguration.resolve(settings: Settings(values: values)) }
        }
    }

    @Test func publicBaseURLLearnsTheBoundPortUnlessConfigured() {
        let learned = PublicBaseURL(configured: nil, host: "0.0.0.0", port: 0)
        learned.serverBound(port: 40123)
        #expect(learned.url == "http://127.0.0.1:40123")
        let fixed = PublicBaseURL(configured: "https://tais.example", host: "127.0.0.1", port: 5001)
        fixed.serverBound(port: 40123)
        #expect(fixed.url == "https://tais.example")
        #expect(PublicBaseURL(configured: nil, host: "::1", port: 5001).url == "http://[::1]:5001")
    }
}
