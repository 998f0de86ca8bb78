import Foundation
import Testing
@testable import FakeTAIS

/// The money path of a chat message: balance and budget checks before anything is answered, one
/// debit per answered message (with its outbox event), idempotent retries, billing views by role.
/// The sessions here have no tool, so the agent answers without a network call.
@Suite struct ChatLedgerTests {
    @Test func anAnsweredMessageDebitsOnceAndQueuesOneEvent() async throws {
        try await withTAIS { tais in
            let token = try tais.token()
            try await tais.grant("acme", 3)
            let session = try await tais.createSession(token)
            let reply = try await tais.chat(token, session: session)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(reply.json["role"] as? String == "assistant")
            #expect(reply.json["creditsCharged"] as? Double == 1)
            #expect((reply.json["content"] as? String)?.contains("No tool is attached") == true)
            let summary = try await tais.summary(token)
            #expect(summary["balanceCredits"] as? Double == 2)
            #expect(summary["usedCredits"] as? Double == 1)
            let outbox = try await tais.send(.get, "/_fake/outbox").json
            #expect(outbox["pending"] as? Int == 1)
            let usage = try await tais.send(.get, "/api/v1/organizations/acme/ai-credits/ledger?category=usage", token: token)
            #expect(usage.items.count == 1)
            #expect(usage.items.first?["credits"] as? Double == 1)
            #expect(usage.items.first?["balanceAfter"] as? Double == 2)
            let all = try await tais.send(.get, "/api/v1/organizations/acme/ai-credits/ledger", token: token)
            #expect(all.json["total"] as? Int == 2)
            #expect(all.items.map { $0["category"] as? String } == ["usage", "grant"])
            let conversation = try await tais.send(.get, "/api/v2/sessions-service/\(session)/messages", token: token)
            #expect(conversation.items.map { $0["role"] as? String } == ["user", "assistant"])
        }
    }

    @Test func noCreditsLeftIs402AndNothingIsAnswered() async throws {
        try await withTAIS { tais in
            let token = try tais.token()
            try await tais.grant("acme", 1)
            let session = try await tais.createSession(token)
            #expect(try await tais.chat(token, session: session).status == .ok)
            let refused = try await tais.chat(token, session: session)
            #expect(refused.status.code == 402)
            #expect(refused.error == "credits_exhausted")
            #expect(try await tais.summary(token)["balanceCredits"] as? Double == 0)
            let conversation = try await tais.send(.get, "/api/v2/sessions-service/\(session)/messages", token: token)
            #expect(conversation.items.count == 2, "the refused question must not be stored")
            #expect(try await tais.send(.get, "/_fake/outbox").json["pending"] as? Int == 1)
        }
    }

    @Test func aSpentSessionBudgetIs402WhileTheTenantStillHasCredits() async throws {
        try await withTAIS { tais in
            let token = try tais.token()
            try await tais.grant("acme", 100)
            let session = try await tais.createSession(token, body: #"{"title":"capped","budgetCredits":2}"#)
            #expect(try await tais.chat(token, session: session).status == .ok)
            #expect(try await tais.chat(token, session: session).status == .ok)
            let refused = try await tais.chat(token, session: session)
            #expect(refused.status.code == 402)
            #expect(refused.error == "credits_exhausted")
            #expect(try await tais.summary(token)["balanceCredits"] as? Double == 98)
            let spent = try await tais.send(.get, "/api/v2/sessions-service/\(session)", token: token)
            #expect(spent.json["spentCredits"] as? Double == 2)
            // Another session of the same tenant is not capped by it.
            #expect(try await tais.chat(token, session: try await tais.createSession(token)).status == .ok)
        }
    }

    @Test func aRetryWithTheSameIdempotencyKeyReturnsTheFirstAnswerAndDebitsOnce() async throws {
        try await withTAIS { tais in
            let token = try tais.token()
            try await tais.grant("acme", 10)
            let session = try await tais.createSession(token)
            let first = try await tais.chat(token, session: session, key: "retry-1")
            let again = try await tais.chat(token, session: session, key: "retry-1")
            #expect(again.status == .ok)
            #expect(again.text == first.text)
            #expect(again.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(try await tais.summary(token)["usedCredits"] as? Double == 1)
            let other = try await tais.chat(token, session: session, "something else", key: "retry-1")
            #expect(other.status == .badRequest)
            // Concurrent duplicates: one debit in all, whatever order they land in.
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 { group.addTask { Int(try await tais.chat(token, session: session, key: "storm").status.code) } }
                for try await status in group { #expect(status == 200 || status == 409) }
            }
            #expect(try await tais.summary(token)["usedCredits"] as? Double == 2)
        }
    }

    @Test func rolesDecideWhatBillingShows() async throws {
        try await withTAIS { tais in
            try await tais.grant("acme", 10)
            let developer = try tais.token(roles: ["Developer"])
            #expect(try await tais.summary(developer)["balanceCredits"] as? Double == 10)
            let nobody = try tais.token(roles: [])
            let summary = try await tais.summary(nobody)
            #expect(summary["balanceCredits"] as? Double == 0)
            let ledger = try await tais.send(.get, "/api/v1/organizations/acme/ai-credits/ledger", token: nobody)
            #expect(ledger.status == .ok)
            #expect(ledger.items.isEmpty)
            #expect(ledger.json["total"] as? Int == 0)
            // Another org: 404.
            #expect(try await tais.send(.get, "/api/v1/organizations/globex/ai-credits/summary", token: developer).status == .notFound)
            #expect(try await tais.send(.get, "/api/v1/organizations/acme/ai-credits/ledger?category=refunds", token: developer).status == .badRequest)
            let grants = try await tais.send(.get, "/api/v1/organizations/acme/ai-credits/ledger?category=grants", token: developer)
            #expect(grants.items.map { $0["category"] as? String } == ["grant"])
        }
    }

    @Test func aHoldLeftByACrashIsReleasedAtTheNextStart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tais-hold-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try TAISStore(path: path)
        _ = try store.grant(tenant: "acme", credits: 5, description: "seed", now: testEpoch)
        let session = try store.createSession(tenant: "acme", user: "ada", title: "t", budget: nil, toolIds: [], now: testEpoch)
        guard case .started = try store.beginChat(sessionID: session.id, tenant: "acme", content: "q", cost: 1, idempotencyKey: "k", now: testEpoch) else {
            Issue.record("the chat did not start")
            return
        }
        #expect(try store.balance(tenant: "acme").balance == 4)
        // The process dies here; the next start releases the hold.
        let restarted = try TAISStore(path: path)
        #expect(try restarted.releaseAbandonedHolds() == 1)
        #expect(try restarted.balance(tenant: "acme").balance == 5)
        #expect(try restarted.messages(sessionID: session.id).isEmpty)
        #expect(try restarted.session(id: session.id, tenant: "acme")?.spentCredits == 0)
        // The key is free again.
        guard case .started = try restarted.beginChat(sessionID: session.id, tenant: "acme", content: "q", cost: 1, idempotencyKey: "k", now: testEpoch) else {
            Issue.record("the retried chat did not start")
            return
        }
    }

    @Test func releasingAHoldCorrectsTheBalanceOfLaterEntries() throws {
        let store = try TAISStore(path: ":memory:")
        _ = try store.grant(tenant: "acme", credits: 5, description: "seed", now: testEpoch)
        let session = try store.createSession(tenant: "acme", user: "ada", title: "t", budget: nil, toolIds: [], now: testEpoch)
        guard case .started(let first) = try store.beginChat(sessionID: session.id, tenant: "acme", content: "a", cost: 1, idempotencyKey: nil, now: testEpoch),
              case .started(let second) = try store.beginChat(sessionID: session.id, tenant: "acme", content: "b", cost: 1, idempotencyKey: nil, now: testEpoch)
        else {
            Issue.record("the chats did not start")
            return
        }
        try store.abortChat(first)
        let answer = ChatMessage(id: "msg_answer", role: "assistant", content: "ok", toolCalls: [], creditsCharged: 1, createdAt: testEpoch)
        try store.finishChat(second, answer: answer, eventID: "chat-msg_answer", eventBody: "{}", response: "{}")
        let usage = try store.ledger(tenant: "acme", category: .usage, page: 1, pageSize: 10).items
        #expect(usage.map(\.balanceAfter) == [4], "the surviving charge must read the real balance after it")
        #expect(try store.balance(tenant: "acme").balance == 4)
    }
}
