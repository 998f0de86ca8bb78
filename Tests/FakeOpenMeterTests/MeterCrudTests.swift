import Foundation
import Testing

/// Meter CRUD: list, get by slug or id, create, update, delete.
@Suite struct MeterCrudTests {
    @Test func listIsABareArrayWithTheSeededMeter() async throws {
        try await withFake { client in
            let reply = try await client.get("/api/v1/meters")
            #expect(reply.status == .ok)
            #expect(reply.contentType == "application/json")
            let meters = try #require(reply.json.array)
            #expect(meters.count == 1)
            let meter = meters[0]
            #expect(meter["slug"] == .string("ai_credits"))
            #expect(meter["name"] == .string("AI credits"))
            #expect(meter["aggregation"] == .string("SUM"))
            #expect(meter["eventType"] == .string("ai_credits"))
            #expect(meter["valueProperty"] == .string("$.credits"))
            #expect(meter["groupBy"] == .object([
                "user": .string("$.user"), "module": .string("$.module"), "product": .string("$.product"),
                "tenant": .string("$.tenant"), "skill": .string("$.skill"),
            ]))
            #expect(meter["id"]?.string?.count == 26)
            #expect(instant(meter["createdAt"]?.string) != nil)
            #expect(meter["updatedAt"] == meter["createdAt"])
            #expect(meter["deletedAt"] == nil)
        }
    }

    @Test func getBySlugAndById() async throws {
        try await withFake { client in
            let bySlug = try await client.get("/api/v1/meters/ai_credits")
            #expect(bySlug.status == .ok)
            let id = try #require(bySlug.json["id"]?.string)
            let byID = try await client.get("/api/v1/meters/\(id)")
            #expect(byID.status == .ok)
            #expect(byID.json == bySlug.json)
        }
    }

    @Test func createAnswers201WithTheMeter() async throws {
        try await withFake { client in
            let body = #"{"slug":"api_tokens","name":"API tokens","description":"Tokens used","aggregation":"MAX","eventType":"llm","valueProperty":"$.tokens","groupBy":{"model":"$.model","region":"$.meta.region"},"metadata":{"team":"core"}}"#
            let reply = try await client.post("/api/v1/meters", json: body)
            #expect(reply.status == .created)
            #expect(reply.contentType == "application/json")
            let meter = reply.json
            #expect(meter["slug"] == .string("api_tokens"))
            #expect(meter["name"] == .string("API tokens"))
            #expect(meter["description"] == .string("Tokens used"))
            #expect(meter["aggregation"] == .string("MAX"))
            #expect(meter["eventType"] == .string("llm"))
            #expect(meter["valueProperty"] == .string("$.tokens"))
            #expect(meter["groupBy"] == .object(["model": .string("$.model"), "region": .string("$.meta.region")]))
            #expect(meter["metadata"] == .object(["team": .string("core")]))
            let id = try #require(meter["id"]?.string)
            #expect(id.count == 26)
            let fetched = try await client.get("/api/v1/meters/\(id)")
            #expect(fetched.json == meter)
            let slugs = (try await client.get("/api/v1/meters").json.array ?? []).compactMap { $0["slug"]?.string }
            #expect(slugs == ["ai_credits", "api_tokens"])
        }
    }

    @Test func nameDefaultsToTheSlugAndCountNeedsNoValueProperty() async throws {
        try await withFake { client in
            let meter = try await client.createMeter(slug: "calls", aggregation: "COUNT", eventType: "api_call")
            #expect(meter["name"] == .string("calls"))
            #expect(meter["valueProperty"] == nil)
            // The spec: "For COUNT aggregation the valueProperty is ignored."
            let ignored = try await client.createMeter(slug: "calls_2", aggregation: "COUNT", eventType: "api_call", valueProperty: "$.n")
            #expect(ignored["valueProperty"] == nil)
        }
    }

    @Test(arguments: [
        (#"{"aggregation":"SUM","eventType":"e","valueProperty":"$.v"}"#, "slug is required"),
        (#"{"slug":"","aggregation":"SUM","eventType":"e","valueProperty":"$.v"}"#, "slug is required"),
        (#"{"slug":"Bad-Slug","aggregation":"SUM","eventType":"e","valueProperty":"$.v"}"#,
         "invalid meter slug: Bad-Slug: must consist only of lowercase alphanumeric and underscore characters, and start with a letter or digit"),
        (#"{"slug":"m","eventType":"e","valueProperty":"$.v"}"#, "aggregation is required"),
        (#"{"slug":"m","aggregation":"MEDIAN","eventType":"e","valueProperty":"$.v"}"#,
         "invalid meter aggregation: MEDIAN: must be one of SUM, COUNT, UNIQUE_COUNT, AVG, MIN, MAX, LATEST"),
        (#"{"slug":"m","aggregation":"sum","eventType":"e","valueProperty":"$.v"}"#,
         "invalid meter aggregation: sum: must be one of SUM, COUNT, UNIQUE_COUNT, AVG, MIN, MAX, LATEST"),
        (#"{"slug":"m","aggregation":"SUM","valueProperty":"$.v"}"#, "eventType is required"),
        (#"{"slug":"m","aggregation":"SUM","eventType":"e"}"#, "valueProperty is required for SUM aggregation"),
        (#"{"slug":"m","aggregation":"LATEST","eventType":"e","valueProperty":""}"#, "valueProperty is required for LATEST aggregation"),
        (#"{"slug":"m","aggregation":"SUM","eventType":"e","valueProperty":"tokens"}"#,
         "invalid meter value property: tokens: must be a JSONPath starting with $"),
        (#"{"slug":"m","aggregation":"SUM","eventType":"e","valueProperty":"$.v","groupBy":{"bad-key":"$.k"}}"#,
         "invalid meter group by key: bad-key: must consist only of alphanumeric and underscore characters"),
        (#"{"slug":"m","aggregation":"SUM","eventType":"e","valueProperty":"$.v","groupBy":{"k":"k"}}"#,
         "invalid meter group by: k: invalid JSONPath: k"),
        (#"{"slug":"m","aggregation":"SUM","eventType":"e","valueProperty":"$.v","groupBy":{"k":"$.v"}}"#,
         "invalid meter group by: k: cannot be the same as value property: $.v"),
        (#"{"slug":"m","aggregation":"SUM","eventType":"e","valueProperty":"$.v","eventFrom":"soon"}"#,
         "invalid eventFrom: soon: must be an RFC 3339 date-time"),
        (#"{"slug":"m","aggregation":"SUM","eventType":"e","valueProperty":"$.v","name":""}"#, "name must be between 1 and 256 characters"),
        (#"{"slug":5,"aggregation":"SUM","eventType":"e"}"#,
         #"request body has an error: doesn't match schema: Error at "/slug": Expected to decode String but found number instead."#),
    ])
    func createValidationErrors(body: String, detail: String) async throws {
        try await withFake { client in
            let reply = try await client.post("/api/v1/meters", json: body)
            #expect(reply.status == .badRequest)
            #expect(reply.detail == detail)
            #expect(try await client.get("/api/v1/meters").json.count == 1)
        }
    }

    @Test func createWithBodyThatIsNotJSONIs400() async throws {
        try await withFake { client in
            let reply = try await client.post("/api/v1/meters", json: "{slug")
            #expect(reply.status == .badRequest)
            #expect(reply.detail?.hasPrefix("request body has an error: doesn't match schema: ") == true)
        }
    }

    @Test func duplicateSlugIs409() async throws {
        try await withFake { client in
            let reply = try await client.post("/api/v1/meters", json: #"{"slug":"ai_credits","aggregation":"COUNT","eventType":"x"}"#)
            #expect(reply.status == .conflict)
            #expect(reply.contentType == "application/problem+json")
            #expect(reply.text.hasPrefix(#"{"type":"about:blank","title":"Conflict","status":409,"detail":"meter with the same slug already exists","instance":"#))
        }
    }

    @Test func updateChangesOnlyTheUpdatableFields() async throws {
        try await withFake { client in
            let original = try await client.get("/api/v1/meters/ai_credits").json
            let body = #"{"name":"Credits","description":"new","metadata":{"a":"b"},"groupBy":{"user":"$.user","team":"$.team"},"aggregation":"MAX","slug":"other","eventType":"x"}"#
            let reply = try await client.send(.put, "/api/v1/meters/ai_credits", headers: [.contentType: "application/json"], body: body)
            #expect(reply.status == .ok)
            let updated = reply.json
            #expect(updated["name"] == .string("Credits"))
            #expect(updated["description"] == .string("new"))
            #expect(updated["metadata"] == .object(["a": .string("b")]))
            #expect(updated["groupBy"] == .object(["user": .string("$.user"), "team": .string("$.team")]))
            for field in ["id", "slug", "aggregation", "eventType", "valueProperty", "createdAt"] {
                #expect(updated[field] == original[field], "\(field)")
            }
            #expect(try await client.get("/api/v1/meters/ai_credits").json == updated)
        }
    }

    @Test func updateValidatesAndUnknownMeterIs404() async throws {
        try await withFake { client in
            let bad = try await client.send(.put, "/api/v1/meters/ai_credits", body: #"{"groupBy":{"x":"$.credits"}}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.detail == "invalid meter group by: x: cannot be the same as value property: $.credits")
            let name = try await client.send(.put, "/api/v1/meters/ai_credits", body: #"{"name":""}"#)
            #expect(name.detail == "name must be between 1 and 256 characters")
            let missing = try await client.send(.put, "/api/v1/meters/nope", body: #"{"name":"n"}"#)
            #expect(missing.status == .notFound)
            #expect(missing.detail == "meter not found: nope")
        }
    }

    @Test func deleteIs204ThenTheMeterIsGone() async throws {
        try await withFake { client in
            let id = try #require(try await client.get("/api/v1/meters/ai_credits").json["id"]?.string)
            let reply = try await client.send(.delete, "/api/v1/meters/ai_credits")
            #expect(reply.status == .noContent)
            #expect(reply.text == "")
            for path in ["/api/v1/meters/ai_credits", "/api/v1/meters/\(id)", "/api/v1/meters/ai_credits/query"] {
                let gone = try await client.get(path)
                #expect(gone.status == .notFound)
                #expect(gone.detail == "meter not found: \(path.split(separator: "/")[3])")
            }
            let again = try await client.send(.delete, "/api/v1/meters/ai_credits")
            #expect(again.status == .notFound)
            #expect(try await client.get("/api/v1/meters").json == .array([]))
            let withDeleted = try await client.get("/api/v1/meters?includeDeleted=true").json
            #expect(withDeleted.count == 1)
            #expect(instant(withDeleted[0]?["deletedAt"]?.string) != nil)
            // The slug is free again.
            let recreated = try await client.createMeter(slug: "ai_credits", aggregation: "COUNT", eventType: "ai_credits")
            #expect(recreated["id"]?.string != id)
        }
    }

    @Test func listPagingAndOrdering() async throws {
        try await withFake { client in
            try await client.createMeter(slug: "b_meter", aggregation: "COUNT", eventType: "e", extra: #""name":"Zed""#)
            try await client.createMeter(slug: "a_meter", aggregation: "MAX", eventType: "e", valueProperty: "$.v", extra: #""name":"Alpha""#)
            func slugs(_ query: String) async throws -> [String] {
                (try await client.get("/api/v1/meters" + query).json.array ?? []).compactMap { $0["slug"]?.string }
            }
            #expect(try await slugs("") == ["a_meter", "ai_credits", "b_meter"])
            #expect(try await slugs("?order=DESC") == ["b_meter", "ai_credits", "a_meter"])
            #expect(try await slugs("?orderBy=name") == ["ai_credits", "a_meter", "b_meter"])
            #expect(try await slugs("?orderBy=aggregation") == ["b_meter", "a_meter", "ai_credits"])
            #expect(try await slugs("?pageSize=2") == ["a_meter", "ai_credits"])
            #expect(try await slugs("?pageSize=2&page=2") == ["b_meter"])
            #expect(try await slugs("?pageSize=2&page=3") == [])
            let badOrder = try await client.get("/api/v1/meters?order=UP")
            #expect(badOrder.detail == #"parameter "order" in query has an error: value is not one of the allowed values ["ASC","DESC"]"#)
            let badSize = try await client.get("/api/v1/meters?pageSize=1001")
            #expect(badSize.detail == #"parameter "pageSize" in query has an error: number must be at most 1000"#)
        }
    }
}
