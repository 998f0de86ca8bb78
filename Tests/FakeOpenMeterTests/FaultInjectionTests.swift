import Foundation
import Testing

/// `/_fake/faults` and `/_fake/requests` on fake-openmeter.
@Suite struct FaultInjectionTests {
    @Test func faultFailsTheNextMatchingRequestsNativelyAndHonoursCount() async throws {
        try await withFake { client in
            let created = try await client.post("/_fake/faults", json: #"{"path":"/api/v1/meters","status":503,"count":2}"#)
            #expect(created.status == .created)
            #expect(created.json["id"] == .string("fault_1"))
            #expect(created.json["path"] == .string("/api/v1/meters"))
            #expect(created.json["status"] == .number(503))
            #expect(created.json["count"] == .number(2))
            #expect(created.json["hits"] == .number(0))
            // Another path is untouched.
            #expect(try await client.get("/api/v1/events").status == .ok)
            for _ in 0..<2 {
                let failed = try await client.get("/api/v1/meters")
                #expect(failed.status == .serviceUnavailable)
                #expect(failed.contentType == "application/problem+json")
                #expect(failed.text.hasPrefix(#"{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"fault injected by /_fake/faults (status 503)","instance":"urn:request:"#))
            }
            #expect(try await client.get("/api/v1/meters").status == .ok)
            let listed = try await client.get("/_fake/faults")
            #expect(listed.json["faults"]?[0]?["hits"] == .number(2))
        }
    }

    @Test func faultOnIngestStoresNothing() async throws {
        try await withFake { client in
            _ = try await client.post("/_fake/faults", json: #"{"path":"/api/v1/events","method":"POST","status":500,"count":1}"#)
            let failed = try await client.post("/api/v1/events", json: event(id: "a", data: #"{"credits":1}"#), contentType: "application/cloudevents+json")
            #expect(failed.status == .internalServerError)
            #expect(failed.text.hasPrefix(#"{"type":"about:blank","title":"Internal Server Error","status":500,"instance":"urn:request:"#))
            #expect(try await client.eventCount() == 0)
            // The method filter leaves GET alone; the count is spent for POST.
            #expect(try await client.get("/api/v1/events").status == .ok)
            let retried = try await client.post("/api/v1/events", json: event(id: "a", data: #"{"credits":1}"#), contentType: "application/cloudevents+json")
            #expect(retried.status == .noContent)
            #expect(try await client.eventCount() == 1)
        }
    }

    @Test func globPatterns() async throws {
        try await withFake { client in
            _ = try await client.post("/_fake/faults", json: #"{"path":"/api/v1/meters/*/query","status":429}"#)
            #expect(try await client.get("/api/v1/meters/ai_credits/query").status == .tooManyRequests)
            #expect(try await client.get("/api/v1/meters/ai_credits").status == .ok)
            #expect(try await client.get("/api/v1/meters/ai_credits/subjects").status == .ok)
            // Without a count it stays until removed.
            #expect(try await client.get("/api/v1/meters/ai_credits/query").status == .tooManyRequests)
            let removed = try await client.send(.delete, "/_fake/faults/fault_1")
            #expect(removed.status == .noContent)
            #expect(try await client.get("/api/v1/meters/ai_credits/query").status == .ok)
            let again = try await client.send(.delete, "/_fake/faults/fault_1")
            #expect(again.status == .notFound)
            #expect(again.detail == "no fault fault_1")

            _ = try await client.post("/_fake/faults", json: #"{"path":"/api/**","status":502}"#)
            #expect(try await client.get("/api/v1/meters/ai_credits/query").status == .badGateway)
            #expect(try await client.get("/health").status == .ok)
            #expect(try await client.send(.delete, "/_fake/faults").status == .noContent)
            #expect(try await client.get("/_fake/faults").json["faults"] == .array([]))
            #expect(try await client.get("/api/v1/meters").status == .ok)
        }
    }

    @Test func latencyDelaysButAnswers() async throws {
        try await withFake { client in
            _ = try await client.post("/_fake/faults", json: #"{"path":"/api/v1/meters","latencyMs":150,"count":1}"#)
            let clock = ContinuousClock()
            let start = clock.now
            let slow = try await client.get("/api/v1/meters")
            let elapsed = clock.now - start
            #expect(slow.status == .ok)
            #expect(elapsed >= .milliseconds(150))
        }
    }

    @Test(arguments: [
        (#"{"status":503}"#, #"path is required and must start with /, e.g. "/api/v1/meters/*/query""#),
        (#"{"path":"api","status":503}"#, #"path is required and must start with /, e.g. "/api/v1/meters/*/query""#),
        (#"{"path":"/x","status":700}"#, "status must be an HTTP status code (100..599)"),
        (#"{"path":"/x","latencyMs":-1}"#, "latencyMs must be between 0 and 120000"),
        (#"{"path":"/x","status":500,"probability":2}"#, "probability must be between 0 and 1"),
        (#"{"path":"/x","status":500,"count":0}"#, "count must be at least 1"),
        (#"{"path":"/x"}"#, "a fault needs a status, a latencyMs, or both"),
        ("not json", #"fault body must be JSON like {"path":"/api/v1/events","status":503,"latencyMs":0,"probability":1,"count":1}"#),
    ])
    func badFaultsAre400(body: String, detail: String) async throws {
        try await withFake { client in
            let reply = try await client.post("/_fake/faults", json: body)
            #expect(reply.status == .badRequest)
            #expect(reply.detail == detail)
        }
    }

    @Test func requestJournal() async throws {
        try await withFake { client in
            _ = try await client.get("/health")
            _ = try await client.get("/api/v1/meters/ai_credits/query?windowSize=DAY")
            _ = try await client.get("/api/v1/meters/nope")
            _ = try await client.post("/api/v1/events", json: event(id: "a", data: #"{"credits":1}"#), contentType: "application/cloudevents+json")
            let journal = try await client.get("/_fake/requests")
            #expect(journal.status == .ok)
            #expect(journal.json["total"] == .number(3))
            let entries = journal.json["requests"]?.array ?? []
            #expect(entries.map { "\($0["method"]?.string ?? "") \($0["path"]?.string ?? "") \($0["status"]?.number ?? 0)" } == [
                "GET /api/v1/meters/ai_credits/query 200.0",
                "GET /api/v1/meters/nope 404.0",
                "POST /api/v1/events 204.0",
            ])
            #expect(entries.first?["query"] == .string("windowSize=DAY"))
            let filtered = try await client.get("/_fake/requests?path=/api/v1/meters/**")
            #expect(filtered.json["requests"]?.count == 2)
            #expect(try await client.send(.delete, "/_fake/requests").status == .noContent)
            let cleared = try await client.get("/_fake/requests")
            #expect(cleared.json["total"] == .number(0))
            #expect(cleared.json["requests"] == .array([]))
        }
    }

    @Test func journalRecordsInjectedFaults() async throws {
        try await withFake { client in
            _ = try await client.post("/_fake/faults", json: #"{"path":"/api/v1/events","status":503,"count":1}"#)
            _ = try await client.get("/api/v1/events")
            let entries = try await client.get("/_fake/requests").json["requests"]?.array ?? []
            #expect(entries.map { $0["status"]?.number } == [503])
        }
    }
}
