import FakeOpenMeter
import Foundation
import Testing

/// Deterministic demo data (`fake-openmeter seed`, `POST /_fake/seed`) and `/_fake/reset`.
@Suite struct SeederTests {
    static let end: Int64 = 1_769_817_600  // 2026-01-31T00:00:00Z

    @Test func sameSeedSameEvents() {
        let plan = SeedPlan(tenants: 3, events: 200, days: 5, seed: 42, end: Self.end)
        let a = Array(DemoDataGenerator(plan: plan))
        let b = Array(DemoDataGenerator(plan: plan))
        #expect(a == b)
        #expect(a.count == 200)
        let other = Array(DemoDataGenerator(plan: SeedPlan(tenants: 3, events: 200, days: 5, seed: 43, end: Self.end)))
        #expect(other != a)
    }

    @Test func eventsFollowThePlan() throws {
        let plan = SeedPlan(tenants: 4, events: 500, days: 7, seed: 9, end: Self.end)
        #expect(plan.tenantIDs == ["tenant-01", "tenant-02", "tenant-03", "tenant-04"])
        var previous = Self.end - 7 * 86400
        for (i, event) in DemoDataGenerator(plan: plan).enumerated() {
            #expect(event.id == "seed-9-\(i)")
            #expect(event.source == "fake-openmeter-seed")
            #expect(event.type == "ai_credits")
            #expect(plan.tenantIDs.contains(event.subject))
            #expect(event.time >= Self.end - 7 * 86400 && event.time < Self.end)
            #expect(event.time >= previous - 7 * 86400 / 500)
            previous = event.time
            let data = try JSONSerialization.jsonObject(with: Data((event.data ?? "").utf8)) as? [String: Any]
            let credits = try #require(data?["credits"] as? Double)
            #expect(credits >= 0.01)
            #expect(data?["tenant"] as? String == event.subject)
            #expect((data?["user"] as? String)?.hasSuffix("@\(event.subject).example") == true)
            for key in ["module", "product", "skill"] { #expect(data?[key] is String) }
        }
    }

    @Test(arguments: [
        (SeedPlan(tenants: 0, events: 1, days: 1, seed: 1, end: 0), "tenants must be between 1 and 1000"),
        (SeedPlan(tenants: 1001, events: 1, days: 1, seed: 1, end: 0), "tenants must be between 1 and 1000"),
        (SeedPlan(tenants: 1, events: -1, days: 1, seed: 1, end: 0), "events must be between 0 and 20000000"),
        (SeedPlan(tenants: 1, events: 1, days: 0, seed: 1, end: 0), "days must be between 1 and 3660"),
        (SeedPlan(tenants: 1, events: 1, days: 1, seed: 1, end: 0), nil),
    ])
    func planProblems(plan: SeedPlan, problem: String?) {
        #expect(plan.problem == problem)
    }

    @Test func defaultEndIsTheLastWholeHour() {
        // Never in the future: the hour that has begun, not the next one.
        #expect(SeedPlan.lastWholeHour(now: Date(timeIntervalSince1970: 7200)) == 7200)
        #expect(SeedPlan.lastWholeHour(now: Date(timeIntervalSince1970: 7201)) == 7200)
        #expect(SeedPlan.lastWholeHour(now: Date(timeIntervalSince1970: 10799.9)) == 7200)
        let plan = SeedPlan()
        #expect(plan.end % 3600 == 0)
        #expect(plan.end <= Int64(Date().timeIntervalSince1970), "seeded events must not lie in the future")
    }

    @Test func seederWritesOnceAndQueriesAddUp() async throws {
        let om = try OpenMeterApp(configuration: OpenMeterConfiguration(dataPath: ":memory:", metersFile: builtInMetersFile))
        let plan = SeedPlan(tenants: 2, events: 25_000, days: 3, seed: 7, end: Self.end)
        var progress: [Int] = []
        #expect(try Seeder.seed(plan, into: om.store) { progress.append($0) } == 25_000)
        #expect(progress == [10_000, 20_000])
        #expect(try Seeder.seed(plan, into: om.store) == 0)
        #expect(try om.store.eventCount() == 25_000)
    }

    @Test func seedRouteAndQueryTotalsMatchTheGenerator() async throws {
        try await withFake { client in
            let reply = try await client.post("/_fake/seed", json: #"{"tenants":2,"events":300,"days":3,"seed":5,"end":"2026-01-31T00:00:00Z"}"#)
            #expect(reply.status == .ok)
            #expect(reply.json["inserted"] == .number(300))
            #expect(reply.json["tenants"] == .array([.string("tenant-01"), .string("tenant-02")]))
            #expect(reply.json["plan"]?["end"] == .number(Double(Self.end)))
            #expect(try await client.eventCount() == 300)

            var expected: [String: Double] = [:]
            for event in DemoDataGenerator(plan: SeedPlan(tenants: 2, events: 300, days: 3, seed: 5, end: Self.end)) {
                let data = try JSONSerialization.jsonObject(with: Data((event.data ?? "").utf8)) as? [String: Any]
                expected[event.subject, default: 0] += data?["credits"] as? Double ?? 0
            }
            let totals = try await client.get("/api/v1/meters/ai_credits/query?groupBy=subject")
            for row in totals.json["data"]?.array ?? [] {
                let subject = row["subject"]?.string ?? "?"
                let value = row["value"]?.number ?? -1
                #expect(abs(value - (expected[subject] ?? 0)) < 1e-6, "\(subject)")
            }
            #expect(totals.json["data"]?.count == 2)
            let again = try await client.post("/_fake/seed", json: #"{"tenants":2,"events":300,"days":3,"seed":5,"end":"2026-01-31T00:00:00Z"}"#)
            #expect(again.json["inserted"] == .number(0))
        }
    }

    @Test(arguments: [
        (#"{"tenants":0}"#, "tenants must be between 1 and 1000"),
        (#"{"end":"tomorrow"}"#, "end must be an RFC 3339 date-time"),
        (#"{"tenants":"two"}"#, #"seed body must be JSON like {"tenants":3,"events":2000,"days":30,"seed":42,"end":"2026-01-31T00:00:00Z"}"#),
    ])
    func badSeedBodiesAre400(body: String, detail: String) async throws {
        try await withFake { client in
            let reply = try await client.post("/_fake/seed", json: body)
            #expect(reply.status == .badRequest)
            #expect(reply.detail == detail)
        }
    }

    @Test func resetRemovesEventsAndRestoresTheCatalog() async throws {
        try await withFake { client in
            try await client.ingest([event(id: "a", data: #"{"credits":1}"#)])
            try await client.createMeter(slug: "extra", aggregation: "COUNT", eventType: "x")
            _ = try await client.send(.delete, "/api/v1/meters/ai_credits")
            _ = try await client.post("/_fake/faults", json: #"{"path":"/api/v1/meters","status":503}"#)
            let reply = try await client.send(.post, "/_fake/reset")
            #expect(reply.status == .noContent)
            #expect(try await client.eventCount() == 0)
            let meters = try await client.get("/api/v1/meters")
            #expect(meters.status == .ok)
            #expect((meters.json.array ?? []).compactMap { $0["slug"]?.string } == ["ai_credits"])
            #expect(try await client.get("/_fake/stats").json == .object(["events": .number(0), "meters": .number(1)]))
        }
    }
}
