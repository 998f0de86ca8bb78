import Testing

/// OpenMeter's problem+json error format on every endpoint.
@Suite struct ErrorFormatTests {
    @Test func unknownRouteIs404WithoutDetail() async throws {
        try await withFake { client in
            let reply = try await client.get("/api/v1/nothing-here")
            #expect(reply.status == .notFound)
            #expect(reply.contentType == "application/problem+json")
            #expect(reply.text.hasPrefix(#"{"type":"about:blank","title":"Not Found","status":404,"instance":"urn:request:"#))
            #expect(reply.text.hasSuffix("\"}\n"))
            #expect(reply.json.keys == ["type", "title", "status", "instance"])
        }
    }

    @Test func wrongMethodIs405WithoutDetailOrAllow() async throws {
        try await withFake { client in
            for (method, path) in [(HTTPMethod.delete, "/api/v1/events"), (.patch, "/api/v1/meters/ai_credits"), (.put, "/api/v1/meters")] {
                let reply = try await client.send(method, path)
                #expect(reply.status == .methodNotAllowed, "\(method) \(path)")
                #expect(reply.contentType == "application/problem+json")
                #expect(reply.text.hasPrefix(#"{"type":"about:blank","title":"Method Not Allowed","status":405,"instance":"urn:request:"#))
                #expect(reply.headers[.allow] == nil)
            }
        }
    }

    @Test func unknownMeterNamesWhatWasAsked() async throws {
        try await withFake { client in
            for path in ["/api/v1/meters/nope", "/api/v1/meters/nope/query", "/api/v1/meters/nope/subjects", "/api/v1/meters/nope/group-by/user/values"] {
                let reply = try await client.get(path)
                #expect(reply.status == .notFound, "\(path)")
                #expect(reply.contentType == "application/problem+json")
                #expect(reply.text.hasPrefix(#"{"type":"about:blank","title":"Not Found","status":404,"detail":"meter not found: nope","instance":"urn:request:"#), "\(path)")
            }
            let deleted = try await client.send(.delete, "/api/v1/meters/01ARZ3NDEKTSV4RRFFQ69G5FAV")
            #expect(deleted.detail == "meter not found: 01ARZ3NDEKTSV4RRFFQ69G5FAV")
        }
    }

    @Test func badRequestShape() async throws {
        try await withFake { client in
            let reply = try await client.get("/api/v1/events?limit=0")
            #expect(reply.status == .badRequest)
            #expect(reply.contentType == "application/problem+json")
            let json = reply.json
            #expect(json["type"] == .string("about:blank"))
            #expect(json["title"] == .string("Bad Request"))
            #expect(json["status"] == .number(400))
            #expect(json["detail"] == .string(#"parameter "limit" in query has an error: number must be at least 1"#))
            #expect(json["instance"]?.string?.hasPrefix("urn:request:") == true)
            #expect(reply.text.hasPrefix(#"{"type":"about:blank","title":"Bad Request","status":400,"detail":"#))
        }
    }

    @Test func slugNotMatchingThePatternIs400Not404() async throws {
        try await withFake { client in
            for slug in ["AI_CREDITS", "ai-credits", "_x", "x__y"] {
                let reply = try await client.get("/api/v1/meters/\(slug)")
                #expect(reply.status == .badRequest, "\(slug)")
                #expect(reply.detail?.hasPrefix(#"parameter "meterIdOrSlug" in path has an error: string doesn't match the regular expression"#) == true)
            }
        }
    }

    @Test func healthAnswersOk() async throws {
        try await withFake { client in
            let reply = try await client.get("/health")
            #expect(reply.status == .ok)
            #expect(reply.text == #"{"status":"ok"}"#)
            #expect(reply.contentType == "application/json")
        }
    }
}
