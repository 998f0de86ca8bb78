import Foundation
import HTTPTypes
import Testing
@testable import FakeStripe

/// The secret-key check of `/v1`, `Request-Id` on every answer, and Stripe's 404 for unknown routes.
@Suite struct AuthAndHeadersTests {
    func send(_ t: StripeTestClient, authorization: String?) async throws -> StripeReply {
        var headers: HTTPFields = [:]
        if let authorization { headers[.authorization] = authorization }
        return try await t.send(.get, "/v1/checkout/sessions", key: nil, headers: headers)
    }

    static func basic(_ user: String) -> String {
        "Basic " + Data((user + ":").utf8).base64EncodedString()
    }

    // MARK: Keys

    @Test func noKeyIs401() async throws {
        try await withStripe { t in
            let reply = try await send(t, authorization: nil)
            #expect(reply.status == .unauthorized)
            #expect(reply.error.string("type") == "invalid_request_error")
            #expect(reply.error.string("message")?.hasPrefix("You did not provide an API key.") == true)
            #expect(reply.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(reply.requestId?.hasPrefix("req_") == true)

            // Every /v1 route, POST included.
            let create = try await t.createSession(sessionParams()).status
            #expect(create == .ok)
            let anonymous = try await t.send(.post, "/v1/checkout/sessions", key: nil, form: formBody(sessionParams()))
            #expect(anonymous.status == .unauthorized)
            #expect(try await t.get("/v1/events", key: nil).status == .unauthorized)
            #expect(try await t.get("/v1/payment_intents/pi_x", key: nil).status == .unauthorized)
        }
    }

    @Test func bearerAndBasicTestKeysAreAccepted() async throws {
        try await withStripe { t in
            // curl -u sk_test_x: sends the key as the user name and an empty password.
            for authorization in [
                "Bearer sk_test_abc123", "bearer sk_test_abc123", Self.basic("sk_test_x"), Self.basic("sk_test_4eC39HqLyjWDarjtT1zdp7dc"),
            ] {
                let reply = try await send(t, authorization: authorization)
                #expect(reply.status == .ok, "\(authorization): \(reply.text)")
            }
        }
    }

    @Test func liveKeysAreRefusedWithoutEchoingThem() async throws {
        try await withStripe { t in
            for authorization in ["Bearer sk_live_secret0000wxyz", Self.basic("sk_live_secret0000wxyz")] {
                let reply = try await send(t, authorization: authorization)
                #expect(reply.status == .unauthorized, "\(authorization)")
                let message = reply.error.string("message") ?? ""
                #expect(message.hasPrefix("Invalid API Key provided: sk_live_****wxyz"), "\(message)")
                #expect(!message.contains("secret0000"))
            }
        }
    }

    @Test func keysThatAreNotSecretTestKeysAre401() async throws {
        try await withStripe { t in
            for authorization in [
                "Bearer pk_test_publishable1234", "Bearer rk_live_restricted1234", "Bearer sk_test_", "Bearer ", "Token sk_test_abc",
                "Basic !!!not-base64", Self.basic(""),
            ] {
                let reply = try await send(t, authorization: authorization)
                #expect(reply.status == .unauthorized, "\(authorization): \(reply.text)")
                #expect(reply.error.string("type") == "invalid_request_error")
            }
            let publishable = try await send(t, authorization: "Bearer pk_test_publishable1234")
            #expect(publishable.error.string("message")?.hasPrefix("Invalid API Key provided: ") == true)
            #expect(publishable.error.string("message")?.contains("publishable") == false)
        }
    }

    @Test func aConfiguredKeyIsTheOnlyOneAccepted() async throws {
        try await withStripe(configure: { $0.apiKey = "sk_test_only_this_one" }) { t in
            #expect(try await send(t, authorization: "Bearer sk_test_only_this_one").status == .ok)
            #expect(try await send(t, authorization: Self.basic("sk_test_only_this_one")).status == .ok)
            let other = try await send(t, authorization: "Bearer sk_test_another_key")
            #expect(other.status == .unauthorized)
            #expect(other.error.string("message")?.hasPrefix("Invalid API Key provided: sk_test_****_key") == true)
        }
    }

    // MARK: Request-Id

    @Test func everyAnswerCarriesARequestId() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            var seen: Set<String> = []
            let replies: [(String, StripeReply)] = [
                ("create", try await t.createSession()),
                ("retrieve", try await t.get("/v1/checkout/sessions/\(id)")),
                ("401", try await t.get("/v1/checkout/sessions", key: nil)),
                ("404 missing session", try await t.get("/v1/checkout/sessions/cs_test_nope")),
                ("400 validation", try await t.createSession([("mode", "payment")])),
                ("404 route", try await t.get("/v1/nope")),
                ("/_fake/ clock", try await t.get("/_fake/clock", key: nil)),
                ("/_fake/ endpoints", try await t.get("/_fake/webhook_endpoints", key: nil)),
                ("/_fake/ error", try await t.pay("cs_test_nope")),
                ("pay page", try await t.get("/c/pay/\(id)", key: nil)),
                ("pay page 404", try await t.get("/c/pay/cs_test_nope", key: nil)),
                ("health", try await t.get("/health", key: nil)),
            ]
            for (what, reply) in replies {
                let requestId = reply.requestId ?? ""
                #expect(requestId.hasPrefix("req_") && requestId.count == 18, "\(what): \(requestId)")
                seen.insert(requestId)
            }
            #expect(seen.count == replies.count, "a fresh id per request")
        }
    }

    // MARK: Unknown routes

    @Test func anUnknownRouteIsStripesUnrecognizedURL() async throws {
        try await withStripe { t in
            let reply = try await t.get("/v1/nope")
            #expect(reply.status == .notFound)
            #expect(reply.error.string("type") == "invalid_request_error")
            #expect(reply.error.string("message")
                == "Unrecognized request URL (GET: /v1/nope). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.")
            #expect(reply.requestId?.hasPrefix("req_") == true)
        }
    }

    @Test func aKnownPathWithAnotherMethodIsAlsoUnrecognized() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            for (method, path) in [
                (HTTPRequest.Method.delete, "/v1/checkout/sessions"), (.put, "/v1/checkout/sessions/\(id)"),
                (.get, "/v1/checkout/sessions/\(id)/expire"), (.post, "/v1/events"), (.patch, "/v1/payment_intents/pi_x"),
            ] {
                let reply = try await t.send(method, path)
                #expect(reply.status == .notFound, "\(method) \(path): \(reply.text)")
                #expect(reply.error.string("type") == "invalid_request_error")
                #expect(reply.error.string("message")?.hasPrefix("Unrecognized request URL (\(method.rawValue): \(path)).") == true, "\(reply.text)")
                #expect(reply.header("Allow") == nil)
            }
        }
    }
}
