import Foundation
import HTTPTypes
import Testing
@testable import FakeStripe

/// `Idempotency-Key` on POSTs: replays, conflicts, what is not remembered, expiry on the fake clock, scope per API key.
@Suite struct IdempotencyTests {
    @Test func theSameKeyAndParametersReplayTheFirstAnswer() async throws {
        try await withStripe { t in
            let first = try await t.createSession(idempotencyKey: "order-1")
            #expect(first.status == .ok, "\(first.text)")
            #expect(first.header("Idempotent-Replayed") == nil)

            let second = try await t.createSession(idempotencyKey: "order-1")
            #expect(second.status == .ok)
            #expect(second.header("Idempotent-Replayed") == "true")
            #expect(second.body == first.body, "the same bytes, not a second session")
            #expect(second.header("Original-Request") == first.requestId)
            #expect(second.requestId != first.requestId)

            // The same parameters in another order and encoding are the same parameters.
            let shuffled = formBody(Array(sessionParams().reversed()), encodeNames: true)
            let third = try await t.send(.post, "/v1/checkout/sessions", form: shuffled, headers: [HTTPField.Name("Idempotency-Key")!: "order-1"])
            #expect(third.status == .ok, "\(third.text)")
            #expect(third.header("Idempotent-Replayed") == "true")
            #expect(third.body == first.body)

            #expect(try await t.get("/v1/checkout/sessions").ids == [first.id])
        }
    }

    @Test func theSameKeyWithOtherParametersIsAnIdempotencyError() async throws {
        try await withStripe { t in
            #expect(try await t.createSession(idempotencyKey: "order-2").status == .ok)
            let other = try await t.createSession(sessionParams(unitAmount: 6000), idempotencyKey: "order-2")
            #expect(other.status == .badRequest)
            #expect(other.error.string("type") == "idempotency_error")
            #expect(other.error.string("message")?.contains("same parameters") == true, "\(other.text)")
            #expect(other.error.string("message")?.contains("'order-2'") == true)
            #expect(other.requestId?.hasPrefix("req_") == true)
            #expect(try await t.get("/v1/checkout/sessions").data.count == 1)
        }
    }

    @Test func theSameKeyOnAnotherEndpointIsAnIdempotencyError() async throws {
        try await withStripe { t in
            let created = try await t.createSession(idempotencyKey: "shared-key")
            #expect(created.status == .ok)
            let expire = try await t.post("/v1/checkout/sessions/\(created.id)/expire", idempotencyKey: "shared-key")
            #expect(expire.status == .badRequest)
            #expect(expire.error.string("type") == "idempotency_error")
            #expect(expire.error.string("message")?.contains("same endpoint") == true, "\(expire.text)")
            // The session was not expired by the refused request.
            #expect(try await t.session(created.id).string("status") == "open")
        }
    }

    @Test func aRequestRefusedByValidationIsNotRemembered() async throws {
        try await withStripe { t in
            let refused = try await t.createSession([("mode", "payment")], idempotencyKey: "retry-me")
            #expect(refused.status == .badRequest)
            #expect(refused.error.string("code") == "parameter_missing")

            let corrected = try await t.createSession(idempotencyKey: "retry-me")
            #expect(corrected.status == .ok, "\(corrected.text)")
            #expect(corrected.header("Idempotent-Replayed") == nil)

            let replay = try await t.createSession(idempotencyKey: "retry-me")
            #expect(replay.header("Idempotent-Replayed") == "true")
            #expect(replay.body == corrected.body)
        }
    }

    @Test func anErrorFromRunningTheRequestIsReplayed() async throws {
        try await withStripe { t in
            let id = try await t.createdSession()
            #expect(try await t.post("/v1/checkout/sessions/\(id)/expire").status == .ok)
            let first = try await t.post("/v1/checkout/sessions/\(id)/expire", idempotencyKey: "expire-twice")
            #expect(first.status == .badRequest)
            let replay = try await t.post("/v1/checkout/sessions/\(id)/expire", idempotencyKey: "expire-twice")
            #expect(replay.status == .badRequest)
            #expect(replay.header("Idempotent-Replayed") == "true")
            #expect(replay.body == first.body)
        }
    }

    @Test func aKeyIsForgottenAfter24HoursOnTheFakeClock() async throws {
        try await withStripe { t in
            let first = try await t.createSession(idempotencyKey: "daily")
            #expect(first.status == .ok)

            t.clock.advance(by: 24 * 3600 - 60)
            let stillKept = try await t.createSession(sessionParams(unitAmount: 7000), idempotencyKey: "daily")
            #expect(stillKept.status == .badRequest)
            #expect(stillKept.error.string("type") == "idempotency_error")

            t.clock.advance(by: 61)
            let fresh = try await t.createSession(sessionParams(unitAmount: 7000), idempotencyKey: "daily")
            #expect(fresh.status == .ok, "\(fresh.text)")
            #expect(fresh.header("Idempotent-Replayed") == nil)
            #expect(fresh.json.int("amount_total") == 7000)
            #expect(fresh.id != first.id)
        }
    }

    @Test func keysArePerAPIKey() async throws {
        try await withStripe { t in
            let mine = try await t.post("/v1/checkout/sessions", sessionParams(), key: "sk_test_first_key", idempotencyKey: "k")
            #expect(mine.status == .ok)
            let theirs = try await t.post("/v1/checkout/sessions", sessionParams(unitAmount: 9000), key: "sk_test_second_key", idempotencyKey: "k")
            #expect(theirs.status == .ok, "\(theirs.text)")
            #expect(theirs.header("Idempotent-Replayed") == nil)
            #expect(theirs.id != mine.id)

            let mineAgain = try await t.post("/v1/checkout/sessions", sessionParams(), key: "sk_test_first_key", idempotencyKey: "k")
            #expect(mineAgain.header("Idempotent-Replayed") == "true")
            #expect(mineAgain.body == mine.body)
        }
    }

    @Test func aKeyLongerThan255CharactersIsRefused() async throws {
        try await withStripe { t in
            let reply = try await t.createSession(idempotencyKey: String(repeating: "k", count: 256))
            #expect(reply.status == .badRequest)
            #expect(reply.error.string("type") == "invalid_request_error")
            #expect(try await t.createSession(idempotencyKey: String(repeating: "k", count: 255)).status == .ok)
        }
    }
}
