import Foundation
import Testing

/// With an API key configured, the OpenMeter API needs `Authorization: Bearer <key>`.
@Suite struct AuthTests {
    static let key = "om_test_secret"

    @Test func missingBearerIs401Problem() async throws {
        try await withFake(apiKey: Self.key) { authed in
            var client = authed
            client.bearer = nil
            let reply = try await client.get("/api/v1/meters")
            #expect(reply.status == .unauthorized)
            #expect(reply.contentType == "application/problem+json")
            #expect(reply.text.hasPrefix(#"{"type":"about:blank","title":"Unauthorized","status":401,"detail":"missing bearer token: send Authorization: Bearer <api key>","instance":"urn:request:"#))
        }
    }

    @Test(arguments: ["Bearer wrong", "Bearer om_test_secre", "Bearer om_test_secret2", "Basic b206dGVzdA==", "om_test_secret", "Bearer ", "Bearer  om_test_secret"])
    func wrongCredentialsAre401(header: String) async throws {
        try await withFake(apiKey: Self.key) { client in
            let reply = try await client.send(.get, "/api/v1/meters", headers: [.authorization: header])
            #expect(reply.status == .unauthorized)
            #expect(reply.detail == "invalid API key")
        }
    }

    @Test func rightBearerIsServed() async throws {
        try await withFake(apiKey: Self.key) { client in
            #expect(try await client.get("/api/v1/meters").status == .ok)
            let ingest = try await client.post("/api/v1/events", json: event(id: "a", data: #"{"credits":1}"#), contentType: "application/cloudevents+json")
            #expect(ingest.status == .noContent)
            #expect(try await client.get("/api/v1/meters/ai_credits/query").status == .ok)
            #expect(try await client.get("/api/v2/events").status == .ok)
        }
    }

    @Test func everyAPIRouteIsProtected() async throws {
        try await withFake(apiKey: Self.key) { authed in
            var client = authed
            client.bearer = nil
            for (method, path) in [(HTTPMethod.post, "/api/v1/events"), (.get, "/api/v1/events"), (.get, "/api/v2/events"), (.post, "/api/v1/meters"),
                                   (.get, "/api/v1/meters/ai_credits/query"), (.delete, "/api/v1/meters/ai_credits"), (.get, "/api/v1/unknown")] {
                let reply = try await client.send(method, path)
                #expect(reply.status == .unauthorized, "\(method) \(path)")
            }
            #expect(try await authed.get("/api/v1/meters/ai_credits").status == .ok)
        }
    }

    @Test func healthAndFakeRoutesStayOpen() async throws {
        try await withFake(apiKey: Self.key) { authed in
            var client = authed
            client.bearer = nil
            let health = try await client.get("/health")
            #expect(health.status == .ok)
            #expect(health.text == #"{"status":"ok"}"#)
            #expect(try await client.get("/_fake/stats").status == .ok)
        }
    }

    @Test func noKeyConfiguredNeedsNoAuthorization() async throws {
        try await withFake { client in
            #expect(try await client.get("/api/v1/meters").status == .ok)
            let ignored = try await client.send(.get, "/api/v1/meters", headers: [.authorization: "Bearer anything"])
            #expect(ignored.status == .ok)
        }
    }
}
