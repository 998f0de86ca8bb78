import Foundation
import Testing

/// `GET /api/v1/events`: a bare array, newest first, inclusive range, 32 days back at most.
@Suite struct EventListTests {
    /// Five events an hour apart ending an hour ago, on two subjects.
    static func seed(_ client: Client) async throws -> Int64 {
        let base = nowSeconds() - 6 * 3600
        try await client.ingest([
            event(id: "ev-1", subject: "customer-1", time: rfc3339(base + 3600), data: #"{"credits":1}"#),
            event(id: "ev-2", subject: "customer-2", time: rfc3339(base + 7200), data: #"{"credits":2}"#),
            event(id: "ev-3", subject: "customer-1", time: rfc3339(base + 10800), data: #"{"credits":3}"#),
            event(id: "xx-4", subject: "customer-1", time: rfc3339(base + 14400), data: #"{"credits":4}"#),
            event(id: "ev-5", subject: "customer-2", time: rfc3339(base + 18000), data: #"{"credits":5}"#),
        ])
        return base
    }

    static func ids(_ reply: Reply) -> [String] {
        (reply.json.array ?? []).compactMap { $0["event"]?["id"]?.string }
    }

    @Test func newestFirstAsABareArray() async throws {
        try await withFake { client in
            _ = try await Self.seed(client)
            let reply = try await client.get("/api/v1/events")
            #expect(reply.status == .ok)
            #expect(reply.contentType == "application/json")
            #expect(reply.text.hasPrefix("["))
            #expect(Self.ids(reply) == ["ev-5", "xx-4", "ev-3", "ev-2", "ev-1"])
        }
    }

    @Test func fromAndToAreInclusive() async throws {
        try await withFake { client in
            let base = try await Self.seed(client)
            let reply = try await client.get("/api/v1/events?" + query([("from", rfc3339(base + 7200)), ("to", rfc3339(base + 14400))]))
            #expect(Self.ids(reply) == ["xx-4", "ev-3", "ev-2"])
            let exact = try await client.get("/api/v1/events?" + query([("from", rfc3339(base + 10800)), ("to", rfc3339(base + 10800))]))
            #expect(Self.ids(exact) == ["ev-3"])
            let fractional = try await client.get("/api/v1/events?" + query([("from", String(rfc3339(base + 7200).dropLast()) + ".500Z")]))
            #expect(Self.ids(fractional) == ["ev-5", "xx-4", "ev-3"])
        }
    }

    @Test func limitKeepsTheNewest() async throws {
        try await withFake { client in
            _ = try await Self.seed(client)
            #expect(Self.ids(try await client.get("/api/v1/events?limit=2")) == ["ev-5", "xx-4"])
            #expect(Self.ids(try await client.get("/api/v1/events?limit=1")) == ["ev-5"])
            #expect(Self.ids(try await client.get("/api/v1/events?limit=100")).count == 5)
        }
    }

    @Test(arguments: [
        ("0", #"parameter "limit" in query has an error: number must be at least 1"#),
        ("-1", #"parameter "limit" in query has an error: number must be at least 1"#),
        ("101", #"parameter "limit" in query has an error: number must be at most 100"#),
        ("abc", #"parameter "limit" in query has an error: value abc: an invalid integer: invalid syntax"#),
        ("1.5", #"parameter "limit" in query has an error: value 1.5: an invalid integer: invalid syntax"#),
    ])
    func badLimitIs400(limit: String, detail: String) async throws {
        try await withFake { client in
            let reply = try await client.get("/api/v1/events?limit=\(limit)")
            #expect(reply.status == .badRequest)
            #expect(reply.detail == detail)
        }
    }

    @Test func subjectMatchesExactly() async throws {
        try await withFake { client in
            _ = try await Self.seed(client)
            #expect(Self.ids(try await client.get("/api/v1/events?subject=customer-1")) == ["xx-4", "ev-3", "ev-1"])
            #expect(Self.ids(try await client.get("/api/v1/events?subject=customer")) == [])
            #expect(Self.ids(try await client.get("/api/v1/events?subject=Customer-1")) == [])
        }
    }

    @Test func idMatchesASubstring() async throws {
        try await withFake { client in
            _ = try await Self.seed(client)
            #expect(Self.ids(try await client.get("/api/v1/events?id=ev-")) == ["ev-5", "ev-3", "ev-2", "ev-1"])
            #expect(Self.ids(try await client.get("/api/v1/events?id=-4")) == ["xx-4"])
            #expect(Self.ids(try await client.get("/api/v1/events?id=ev-3")) == ["ev-3"])
            #expect(Self.ids(try await client.get("/api/v1/events?id=nope")) == [])
        }
    }

    @Test func ingestedAtRange() async throws {
        try await withFake { client in
            let before = nowSeconds() - 1
            _ = try await Self.seed(client)
            let after = nowSeconds() + 2
            #expect(Self.ids(try await client.get("/api/v1/events?" + query([("ingestedAtFrom", rfc3339(before))]))).count == 5)
            #expect(Self.ids(try await client.get("/api/v1/events?" + query([("ingestedAtFrom", rfc3339(after))]))) == [])
            #expect(Self.ids(try await client.get("/api/v1/events?" + query([("ingestedAtTo", rfc3339(before))]))) == [])
            #expect(Self.ids(try await client.get("/api/v1/events?" + query([("ingestedAtFrom", rfc3339(before)), ("ingestedAtTo", rfc3339(after))]))).count == 5)
            let reversed = try await client.get("/api/v1/events?" + query([("ingestedAtFrom", rfc3339(after)), ("ingestedAtTo", rfc3339(before))]))
            #expect(reversed.status == .badRequest)
            #expect(reversed.detail == "validate input: ingestedAtTo date is before ingestedAtFrom date: \(rfc3339(before)) < \(rfc3339(after))")
        }
    }

    @Test func ingestedAtAndStoredAtAreMillisecondTimestamps() async throws {
        try await withFake { client in
            let before = nowSeconds()
            _ = try await Self.seed(client)
            let item = try #require(try await client.get("/api/v1/events").json[0])
            let ingested = try #require(item["ingestedAt"]?.string)
            #expect(ingested.count == 24 && ingested.hasSuffix("Z"), "\(ingested)")
            #expect(item["storedAt"]?.string == ingested)
            #expect(try #require(instant(ingested)) >= before)
            #expect(item.keys == ["event", "ingestedAt", "storedAt"])
        }
    }

    @Test func thirtyTwoDaysBackAtMost() async throws {
        try await withFake { client in
            let now = nowSeconds()
            try await client.ingest([
                event(id: "old", time: rfc3339(now - 40 * 86400), data: #"{"credits":1}"#),
                event(id: "edge", time: rfc3339(now - 31 * 86400), data: #"{"credits":1}"#),
            ])
            #expect(Self.ids(try await client.get("/api/v1/events")) == ["edge"])
            let tooOld = rfc3339(now - 33 * 86400)
            // The server reads its own clock: bound its reading by ours before and after the call,
            // however slow the machine is.
            let before = nowSeconds()
            let reply = try await client.get("/api/v1/events?" + query([("from", tooOld)]))
            let after = nowSeconds()
            #expect(reply.status == .badRequest)
            let detail = try #require(reply.detail)
            #expect(detail.hasPrefix("validate input: from date is too old: \(tooOld), must be after "))
            let minimum = try #require(instant(String(detail.split(separator: " ").last ?? "")))
            #expect((before - 32 * 86400)...(after - 32 * 86400) ~= minimum, "minimum \(minimum) outside the call's window")
            // v2 has no such window.
            let v2 = try await client.get("/api/v2/events")
            #expect((v2.json["items"]?.array ?? []).compactMap { $0["event"]?["id"]?.string } == ["edge", "old"])
        }
    }

    @Test func toBeforeFromIs400() async throws {
        try await withFake { client in
            let now = nowSeconds()
            let from = rfc3339(now - 3600), to = rfc3339(now - 7200)
            let reply = try await client.get("/api/v1/events?" + query([("from", from), ("to", to)]))
            #expect(reply.status == .badRequest)
            #expect(reply.detail == "validate input: to date is before from date: \(to) < \(from)")
        }
    }

    @Test func unparsableDateIs400() async throws {
        try await withFake { client in
            let reply = try await client.get("/api/v1/events?from=yesterday")
            #expect(reply.status == .badRequest)
            #expect(reply.detail?.hasPrefix(#"parameter "from" in query has an error: string doesn't match the format "date-time""#) == true)
        }
    }

    @Test func validationErrors() async throws {
        try await withFake { client in
            let time = rfc3339(nowSeconds() - 60)
            try await client.ingest([
                event(id: "ok", time: time, data: #"{"credits":2.5}"#),
                event(id: "numeric-string", time: time, data: #"{"credits":"2.5"}"#),
                event(id: "missing", time: time, data: #"{"user":"u"}"#),
                event(id: "null", time: time, data: #"{"credits":null}"#),
                event(id: "nodata", time: time),
                event(id: "nan", time: time, data: #"{"credits":"NaN"}"#),
                event(id: "word", time: time, data: #"{"credits":"lots"}"#),
                event(id: "null-data", time: time, data: "null"),
                event(id: "flag", time: time, data: #"{"credits":true}"#),
                event(id: "nested", time: time, data: #"{"credits":{"n":1}}"#),
                event(id: "list", time: time, data: #"{"credits":[1]}"#),
                event(id: "inf", time: time, data: #"{"credits":"-Inf"}"#),
                event(id: "huge", time: time, data: #"{"credits":"1e999"}"#),
                event(id: "other-type", type: "page_view", time: time, data: #"{"credits":1}"#),
            ])
            let items = try await client.get("/api/v1/events").json.array ?? []
            var errors: [String: String] = [:]
            for item in items {
                errors[item["event"]?["id"]?.string ?? "?"] = item["validationError"]?.string ?? "-"
            }
            #expect(errors == [
                "ok": "-",
                "numeric-string": "-",
                "missing": #"invalid event: missing value property: "$.credits""#,
                // OpenMeter's meter.ParseEvent (and its e2e TestInvalidIngest): null or absent data first,
                // then the property's presence, then a null value.
                "null": "invalid event: value cannot be null",
                "nodata": "invalid event: null and missing value property",
                "null-data": "invalid event: null and missing value property",
                "nan": "invalid event: value cannot be NaN",
                "inf": "invalid event: value cannot be infinity",
                "huge": "invalid event: value cannot be parsed as float64: 1e999",
                "word": "invalid event: value cannot be parsed as float64: lots",
                "flag": "invalid event: unsupported value property type: bool",
                "nested": "invalid event: unsupported value property type: map[string]interface {}",
                "list": "invalid event: unsupported value property type: []interface {}",
                "other-type": "no meter found for event type: page_view",
            ])
        }
    }

    @Test func severalValidationErrorsAreJoinedByANewline() async throws {
        try await withFake { client in
            try await client.createMeter(slug: "ai_tokens", aggregation: "MAX", eventType: "ai_credits", valueProperty: "$.tokens")
            try await client.createMeter(slug: "ai_calls", aggregation: "COUNT", eventType: "ai_credits")
            try await client.ingest([event(id: "bare", time: rfc3339(nowSeconds() - 60), data: #"{"user":"u"}"#)])
            let item = try await client.get("/api/v1/events").json[0]
            #expect(item?["validationError"] == .string("invalid event: missing value property: \"$.credits\"\ninvalid event: missing value property: \"$.tokens\""))
        }
    }
}
