import Foundation
import Testing

/// `GET /api/v1/meters/{m}/subjects` and `…/group-by/{key}/values`.
@Suite struct MeterSubjectsTests {
    static func seed(_ client: Client) async throws -> Int64 {
        let now = nowSeconds()
        try await client.ingest([
            event(id: "1", subject: "zeta", time: rfc3339(now - 3600), data: #"{"credits":1,"user":"bob","module":"chat"}"#),
            event(id: "2", subject: "alpha", time: rfc3339(now - 7200), data: #"{"credits":1,"user":"alice","module":"chat"}"#),
            event(id: "3", subject: "alpha", time: rfc3339(now - 7200), data: #"{"credits":1,"user":"bob"}"#),
            event(id: "4", subject: "old", time: rfc3339(now - 3 * 86400), data: #"{"credits":1,"user":"carol","module":"image"}"#),
            event(id: "5", type: "page_view", subject: "other-type", time: rfc3339(now - 60), data: #"{"user":"dave"}"#),
        ])
        return now
    }

    @Test func subjectsAreDistinctSortedAndOfTheMetersEventType() async throws {
        try await withFake { client in
            let now = try await Self.seed(client)
            let all = try await client.get("/api/v1/meters/ai_credits/subjects")
            #expect(all.status == .ok)
            #expect(all.json == .array([.string("alpha"), .string("old"), .string("zeta")]))
            let recent = try await client.get("/api/v1/meters/ai_credits/subjects?" + query([("from", rfc3339(now - 86400))]))
            #expect(recent.json == .array([.string("alpha"), .string("zeta")]))
            let inclusiveTo = try await client.get("/api/v1/meters/ai_credits/subjects?" + query([("to", rfc3339(now - 7200))]))
            #expect(inclusiveTo.json == .array([.string("alpha"), .string("old")]))
        }
    }

    @Test func groupByValuesDefaultToTheLast24Hours() async throws {
        try await withFake { client in
            let now = try await Self.seed(client)
            let users = try await client.get("/api/v1/meters/ai_credits/group-by/user/values")
            #expect(users.status == .ok)
            #expect(users.json == .array([.string("alice"), .string("bob")]))
            let modules = try await client.get("/api/v1/meters/ai_credits/group-by/module/values")
            #expect(modules.json == .array([.string("chat")]))
            let older = try await client.get("/api/v1/meters/ai_credits/group-by/module/values?" + query([("from", rfc3339(now - 4 * 86400))]))
            #expect(older.json == .array([.string("chat"), .string("image")]))
            let window = try await client.get(
                "/api/v1/meters/ai_credits/group-by/user/values?" + query([("from", rfc3339(now - 4 * 86400)), ("to", rfc3339(now - 7200))])
            )
            #expect(window.json == .array([.string("alice"), .string("bob"), .string("carol")]))
        }
    }

    @Test func unknownGroupByKeyIs400() async throws {
        try await withFake { client in
            let reply = try await client.get("/api/v1/meters/ai_credits/group-by/color/values")
            #expect(reply.status == .badRequest)
            #expect(reply.detail == "invalid group by: color")
        }
    }
}
