import Foundation
import Testing

/// Meter query aggregation, range, grouping and echo rules against hand-computed answers (see `CallsFixture`).
@Suite struct MeterQueryTests {
    static let first = "2026-01-10T10:00:00Z"
    static let afterLast = "2026-01-10T11:51:00Z"

    @Test(arguments: [
        ("SUM", 44.5),            // 10 + 3 + 20 + 7.5 + 4
        ("COUNT", 10),            // every calls event, numeric or not
        ("UNIQUE_COUNT", 4),      // u1 u2 u3 u4
        ("AVG", 8.9),             // 44.5 / 5
        ("MIN", 3),
        ("MAX", 20),
        ("LATEST", 4),            // q8 at 11:45:30 is the last numeric value
    ])
    func eachAggregation(aggregation: String, expected: Double) async throws {
        try await CallsFixture.withCalls([aggregation]) { client in
            let reply = try await client.get("/api/v1/meters/calls_\(aggregation.lowercased())/query")
            #expect(reply.status == .ok)
            #expect(reply.contentType == "application/json")
            #expect(rows(reply) == [QRow(expected, Self.first, Self.afterLast)])
        }
    }

    @Test func noWindowNoRangeEchoesNothingAndSpansFirstMinuteToMinuteAfterLast() async throws {
        try await CallsFixture.withCalls { client in
            let reply = try await client.get("/api/v1/meters/calls_sum/query")
            #expect(reply.json.keys == ["data"])
            #expect(reply.text.contains(#""subject":null"#))
            #expect(reply.text.contains(#""groupBy":{}"#))
            #expect(reply.json["data"]?[0]?["windowStart"] == .string("2026-01-10T10:00:00Z"))
            #expect(reply.json["data"]?[0]?["windowEnd"] == .string("2026-01-10T11:51:00Z"))
        }
    }

    @Test func fromIsInclusiveAndToExclusive() async throws {
        try await CallsFixture.withCalls { client in
            func sum(_ from: String, _ to: String) async throws -> [QRow] {
                rows(try await client.get("/api/v1/meters/calls_sum/query?" + query([("from", from), ("to", to)])))
            }
            // q1 at exactly `from` counts; q8 at exactly `to` does not.
            let got1 = try await sum("2026-01-10T10:00:05Z", "2026-01-10T11:45:30Z")
            #expect(got1 == [QRow(40.5, "2026-01-10T10:00:05Z", "2026-01-10T11:45:30Z")])
            let got2 = try await sum("2026-01-10T10:00:06Z", "2026-01-10T11:45:31Z")
            #expect(got2 == [QRow(34.5, "2026-01-10T10:00:06Z", "2026-01-10T11:45:31Z")])
            let got3 = try await sum("2026-01-10T12:00:00Z", "2026-01-10T13:00:00Z")
            #expect(got3 == [])
        }
    }

    @Test func fromToAndWindowSizeAreEchoedAsSent() async throws {
        try await CallsFixture.withCalls { client in
            let from = "2026-01-10T10:00:00.000Z", to = "2026-01-10T13:00:00+01:00"
            let reply = try await client.get("/api/v1/meters/calls_sum/query?" + query([("from", from), ("to", to), ("windowSize", "HOUR")]))
            #expect(reply.json["from"] == .string(from))
            #expect(reply.json["to"] == .string(to))
            #expect(reply.json["windowSize"] == .string("HOUR"))
            #expect(reply.text.hasPrefix(#"{"from":"2026-01-10T10:00:00.000Z","to":"2026-01-10T13:00:00+01:00","windowSize":"HOUR","data":["#))
            let onlyFrom = try await client.get("/api/v1/meters/calls_sum/query?" + query([("from", from)]))
            #expect(onlyFrom.json.keys == ["from", "data"])
            #expect(rows(onlyFrom) == [QRow(44.5, "2026-01-10T10:00:00Z", Self.afterLast)])
            let onlyWindow = try await client.get("/api/v1/meters/calls_sum/query?windowSize=DAY")
            #expect(onlyWindow.json.keys == ["windowSize", "data"])
            let post = try await client.post("/api/v1/meters/calls_sum/query", json: #"{"from":"\#(from)","windowSize":"MINUTE"}"#)
            #expect(post.json.keys == ["from", "windowSize", "data"])
            #expect(post.json["from"] == .string(from))
        }
    }

    @Test func windowSizes() async throws {
        try await CallsFixture.withCalls { client in
            func windows(_ size: String) async throws -> [QRow] {
                rows(try await client.get("/api/v1/meters/calls_sum/query?windowSize=\(size)"))
            }
            let got4 = try await windows("MINUTE")
            #expect(got4 == [
                QRow(13, "2026-01-10T10:00:00Z", "2026-01-10T10:01:00Z"),
                QRow(20, "2026-01-10T10:30:00Z", "2026-01-10T10:31:00Z"),
                QRow(7.5, "2026-01-10T11:15:00Z", "2026-01-10T11:16:00Z"),
                QRow(4, "2026-01-10T11:45:00Z", "2026-01-10T11:46:00Z"),
            ])
            let got5 = try await windows("HOUR")
            #expect(got5 == [
                QRow(33, "2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z"),
                QRow(11.5, "2026-01-10T11:00:00Z", "2026-01-10T12:00:00Z"),
            ])
            let got6 = try await windows("DAY")
            #expect(got6 == [QRow(44.5, "2026-01-10T00:00:00Z", "2026-01-11T00:00:00Z")])
            let got7 = try await windows("MONTH")
            #expect(got7 == [QRow(44.5, "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")])
        }
    }

    @Test func countWindowsIncludeEventsWithoutNumericValues() async throws {
        try await CallsFixture.withCalls(["COUNT"]) { client in
            let reply = try await client.get("/api/v1/meters/calls_count/query?windowSize=HOUR")
            #expect(rows(reply) == [
                QRow(3, "2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z"),
                QRow(7, "2026-01-10T11:00:00Z", "2026-01-10T12:00:00Z"),
            ])
        }
    }

    @Test func onlyWindowsWithDataInsideTheRange() async throws {
        try await CallsFixture.withCalls { client in
            let reply = try await client.get("/api/v1/meters/calls_sum/query?" + query([
                ("from", "2026-01-10T00:00:00Z"), ("to", "2026-01-11T00:00:00Z"), ("windowSize", "HOUR"),
            ]))
            #expect(rows(reply).map(\.windowStart) == ["2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z"])
        }
    }

    @Test func subjectIsNullUnlessGroupedBySubject() async throws {
        try await CallsFixture.withCalls { client in
            for row in try await client.get("/api/v1/meters/calls_sum/query?groupBy=model").json["data"]?.array ?? [] {
                #expect(row["subject"] == .null)
            }
            let grouped = try await client.get("/api/v1/meters/calls_sum/query?groupBy=subject")
            #expect(rows(grouped) == [
                QRow(24.5, Self.first, Self.afterLast, subject: "acme"),
                QRow(20, "2026-01-10T10:30:00Z", Self.afterLast, subject: "beta"),
            ])
            #expect(grouped.json["data"]?[0]?["groupBy"] == .object([:]))
        }
    }

    @Test func subjectFilterAddsSubjectGrouping() async throws {
        try await CallsFixture.withCalls { client in
            let acme = try await client.get("/api/v1/meters/calls_sum/query?subject=acme")
            #expect(rows(acme) == [QRow(24.5, Self.first, "2026-01-10T11:51:00Z", subject: "acme")])
            let both = try await client.get("/api/v1/meters/calls_sum/query?subject=acme&subject=beta&windowSize=HOUR")
            #expect(rows(both) == [
                QRow(13, "2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z", subject: "acme"),
                QRow(20, "2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z", subject: "beta"),
                QRow(11.5, "2026-01-10T11:00:00Z", "2026-01-10T12:00:00Z", subject: "acme"),
            ])
            let nobody = try await client.get("/api/v1/meters/calls_sum/query?subject=nobody")
            #expect(nobody.json["data"] == .array([]))
            let post = try await client.post("/api/v1/meters/calls_sum/query", json: #"{"subject":["beta"],"groupBy":["subject"]}"#)
            #expect(rows(post) == [QRow(20, "2026-01-10T10:30:00Z", Self.afterLast, subject: "beta")])
        }
    }

    @Test func groupByKeysAndAGroupWithoutNumericValuesHasNoRow() async throws {
        try await CallsFixture.withCalls(["SUM", "COUNT"]) { client in
            // mistral's only value is "Inf": no SUM row, but a COUNT row.
            let byModel = try await client.get("/api/v1/meters/calls_sum/query?groupBy=model")
            #expect(rows(byModel) == [
                QRow(27.5, "2026-01-10T10:30:00Z", "2026-01-10T11:16:00Z", ["model": "claude"]),
                QRow(17, Self.first, Self.afterLast, ["model": "gpt"]),
            ])
            let counted = try await client.get("/api/v1/meters/calls_count/query?groupBy=model")
            #expect(rows(counted).map(\.value) == [2, 7, 1])
            #expect(rows(counted).last?.groupBy == ["model": "mistral"])
            let two = try await client.post("/api/v1/meters/calls_sum/query", json: #"{"groupBy":["region","model"],"windowSize":"DAY"}"#)
            let day = ("2026-01-10T00:00:00Z", "2026-01-11T00:00:00Z")
            #expect(Set(rows(two).map(\.description)) == Set([
                QRow(27.5, day.0, day.1, ["region": "eu", "model": "claude"]),
                QRow(14, day.0, day.1, ["region": "eu", "model": "gpt"]),
                QRow(3, day.0, day.1, ["region": "us", "model": "gpt"]),
            ].map(\.description)))
            #expect(rows(two).count == 3)
        }
    }

    @Test func groupByKeyMissingInTheDataIsEmptyString() async throws {
        try await withFake { client in
            try await client.ingest([
                event(id: "1", time: "2026-01-10T10:00:00Z", data: #"{"credits":2,"user":"alice"}"#),
                event(id: "2", time: "2026-01-10T10:00:00Z", data: #"{"credits":3}"#),
            ])
            let reply = try await client.get("/api/v1/meters/ai_credits/query?groupBy=user")
            #expect(Set(rows(reply).map(\.description)) == Set([
                QRow(2, "2026-01-10T10:00:00Z", "2026-01-10T10:01:00Z", ["user": "alice"]),
                QRow(3, "2026-01-10T10:00:00Z", "2026-01-10T10:01:00Z", ["user": ""]),
            ].map(\.description)))
        }
    }

    @Test func unknownGroupByIs400() async throws {
        try await CallsFixture.withCalls { client in
            let get = try await client.get("/api/v1/meters/calls_sum/query?groupBy=model&groupBy=color")
            #expect(get.status == .badRequest)
            #expect(get.detail == "invalid group by: color")
            let post = try await client.post("/api/v1/meters/calls_sum/query", json: #"{"groupBy":["shade"]}"#)
            #expect(post.status == .badRequest)
            #expect(post.detail == "invalid group by: shade")
        }
    }

    @Test func filterGroupByDeepObjectOnGet() async throws {
        try await CallsFixture.withCalls { client in
            let gpt = try await client.get("/api/v1/meters/calls_sum/query?" + query([("filterGroupBy[model]", "gpt")]))
            #expect(rows(gpt).map(\.value) == [17])
            let literalBrackets = try await client.get("/api/v1/meters/calls_sum/query?filterGroupBy[model]=claude&filterGroupBy[region]=eu")
            #expect(rows(literalBrackets).map(\.value) == [27.5])
            let unknown = try await client.get("/api/v1/meters/calls_sum/query?filterGroupBy[color]=red")
            #expect(unknown.status == .badRequest)
            #expect(unknown.detail == "invalid group by filter: color")
            // The Python SDK's broken form (a Python dict repr) is ignored.
            let broken = try await client.get("/api/v1/meters/calls_sum/query?" + query([("filterGroupBy", "{'model': 'gpt'}")]))
            #expect(broken.status == .ok)
            #expect(rows(broken).map(\.value) == [44.5])
        }
    }

    @Test func filterGroupByArraysOnPost() async throws {
        try await CallsFixture.withCalls { client in
            let both = try await client.post("/api/v1/meters/calls_sum/query", json: #"{"filterGroupBy":{"model":["gpt","claude"],"region":["us"]}}"#)
            #expect(rows(both).map(\.value) == [3])
            let any = try await client.post("/api/v1/meters/calls_sum/query", json: #"{"filterGroupBy":{"model":["gpt","claude"]}}"#)
            #expect(rows(any).map(\.value) == [44.5])
            let wrongShape = try await client.post("/api/v1/meters/calls_sum/query", json: #"{"filterGroupBy":{"model":"gpt"}}"#)
            #expect(wrongShape.status == .badRequest)
            #expect(wrongShape.detail == #"request body has an error: doesn't match schema: Error at "/filterGroupBy/model": value must be an array of strings"#)
            let unknown = try await client.post("/api/v1/meters/calls_sum/query", json: #"{"filterGroupBy":{"color":["red"]}}"#)
            #expect(unknown.detail == "invalid group by filter: color")
        }
    }

    @Test(arguments: [
        (#"{"model":{"$eq":"gpt"}}"#, [17.0]),
        (#"{"model":{"$ne":"gpt"}}"#, [27.5]),
        (#"{"model":{"$in":["gpt","claude"]}}"#, [44.5]),
        (#"{"model":{"$nin":["gpt"]}}"#, [27.5]),
        (#"{"model":{"$like":"g%"}}"#, [17]),
        (#"{"model":{"$like":"G%"}}"#, []),
        (#"{"model":{"$ilike":"G%"}}"#, [17]),
        (#"{"model":{"$and":[{"$like":"%t%"},{"$ne":"mistral"}]}}"#, [17]),
        (#"{"model":{"$or":[{"$eq":"gpt"},{"$eq":"claude"}]}}"#, [44.5]),
        (#"{"model":{"$eq":"gpt"},"region":{"$eq":"us"}}"#, [3]),
        (#"{"model":{"$eq":"nobody"}}"#, []),
    ])
    func advancedGroupByFilters(filter: String, expected: [Double]) async throws {
        try await CallsFixture.withCalls { client in
            let get = try await client.get("/api/v1/meters/calls_sum/query?" + query([("advancedMeterGroupByFilters", filter)]))
            #expect(get.status == .ok, "\(get.text)")
            #expect(rows(get).map(\.value) == expected, "GET \(filter)")
            let post = try await client.post("/api/v1/meters/calls_sum/query", json: #"{"advancedMeterGroupByFilters":\#(filter)}"#)
            #expect(rows(post).map(\.value) == expected, "POST \(filter)")
        }
    }

    @Test(arguments: [
        (#"{"color":{"$eq":"red"}}"#, "invalid advanced group by filter: color"),
        (#"{"model":{"$eq":"a","$ne":"b"}}"#, "model: only one filter can be set"),
        (#"{"model":{"$and":[{"$or":[{"$eq":"a"}]}]}}"#, "model: filter complexity exceeds maximum allowed depth"),
        (#"["model"]"#, #"parameter "advancedMeterGroupByFilters" in query has an error: must be a JSON object of filters by group-by key"#),
    ])
    func advancedGroupByFilterErrors(filter: String, detail: String) async throws {
        try await CallsFixture.withCalls { client in
            let reply = try await client.get("/api/v1/meters/calls_sum/query?" + query([("advancedMeterGroupByFilters", filter)]))
            #expect(reply.status == .badRequest)
            #expect(reply.detail == detail)
        }
    }

    @Test(arguments: [
        (#"{"tokens":true}"#, "bool true"),
        (#"{"tokens":false}"#, "bool false"),
        (#"{"tokens":{"n":5}}"#, "object"),
        (#"{"tokens":[5]}"#, "array"),
        (#"{"tokens":"NaN"}"#, "NaN"),
        (#"{"tokens":"-Inf"}"#, "-Inf"),
        (#"{"tokens":"infinity"}"#, "infinity"),
        (#"{"tokens":""}"#, "empty string"),
        (#"{"tokens":null}"#, "null"),
        (#"{"other":5}"#, "missing"),
        (#"{"tokens":1e400}"#, "overflowing number"),
    ])
    func nonNumericValuesAreSkipped(data: String, label: String) async throws {
        try await withFake { client in
            try await client.createMeter(slug: "tokens", aggregation: "SUM", eventType: "llm", valueProperty: "$.tokens")
            try await client.ingest([
                event(id: "numeric", type: "llm", subject: "acme", time: "2026-01-10T10:00:00Z", data: #"{"tokens":2}"#),
                event(id: "odd", type: "llm", subject: "beta", time: "2026-01-10T10:00:00Z", data: data),
            ])
            let reply = try await client.get("/api/v1/meters/tokens/query?groupBy=subject")
            #expect(rows(reply) == [QRow(2, "2026-01-10T10:00:00Z", "2026-01-10T10:01:00Z", subject: "acme")], "\(label)")
        }
    }

    @Test func numericStringsCount() async throws {
        try await withFake { client in
            try await client.createMeter(slug: "tokens", aggregation: "SUM", eventType: "llm", valueProperty: "$.usage.tokens")
            try await client.ingest([
                event(id: "1", type: "llm", time: "2026-01-10T10:00:00Z", data: #"{"usage":{"tokens":"1.25"}}"#),
                event(id: "2", type: "llm", time: "2026-01-10T10:00:00Z", data: #"{"usage":{"tokens":"1e2"}}"#),
                event(id: "3", type: "llm", time: "2026-01-10T10:00:00Z", data: #"{"usage":{"tokens":-0.25}}"#),
            ])
            let reply = try await client.get("/api/v1/meters/tokens/query")
            #expect(rows(reply).map(\.value) == [101])
        }
    }

    @Test func eventFromClampsTheRange() async throws {
        try await withFake { client in
            try await client.createMeter(
                slug: "late", aggregation: "SUM", eventType: "calls", valueProperty: "$.tokens", extra: #""eventFrom":"2026-01-10T11:00:00Z""#
            )
            try await client.ingest(CallsFixture.events)
            #expect(rows(try await client.get("/api/v1/meters/late/query")).map(\.value) == [11.5])
            let early = try await client.get("/api/v1/meters/late/query?" + query([("from", "2026-01-10T00:00:00Z")]))
            #expect(rows(early).map(\.value) == [11.5])
        }
    }

    @Test func postWithoutAcceptAnswersJSONAndAcceptsEmptyObject() async throws {
        try await CallsFixture.withCalls { client in
            let reply = try await client.post("/api/v1/meters/calls_sum/query", json: "{}")
            #expect(reply.status == .ok)
            #expect(reply.contentType == "application/json")
            #expect(rows(reply) == [QRow(44.5, Self.first, Self.afterLast)])
            let byID = try #require(try await client.get("/api/v1/meters/calls_sum").json["id"]?.string)
            #expect(rows(try await client.get("/api/v1/meters/\(byID)/query")) == [QRow(44.5, Self.first, Self.afterLast)])
        }
    }

    @Test(arguments: [
        ("", "request body has an error: value is required but missing"),
        (#"{"subject":"acme"}"#, #"request body has an error: doesn't match schema: Error at "/subject": value must be an array of strings"#),
        (#"{"groupBy":[1]}"#, #"request body has an error: doesn't match schema: Error at "/groupBy": value must be an array of strings"#),
        (#"{"windowSize":"WEEK"}"#, #"request body has an error: doesn't match schema: Error at "/windowSize": value is not one of the allowed values ["MINUTE","HOUR","DAY","MONTH"]"#),
        (#"{"from":"yesterday"}"#, #"request body has an error: doesn't match schema: Error at "/from": string doesn't match the format "date-time""#),
        (#"{"windowTimeZone":"Mars/Olympus"}"#, "invalid time zone: unknown time zone Mars/Olympus"),
        ("[]", "request body has an error: doesn't match schema: value must be an object"),
    ])
    func postBodyErrors(body: String, detail: String) async throws {
        try await CallsFixture.withCalls { client in
            let reply = try await client.post("/api/v1/meters/calls_sum/query", json: body)
            #expect(reply.status == .badRequest)
            #expect(reply.detail == detail)
        }
    }

    @Test func postBodyThatIsNotJSONIs400() async throws {
        try await CallsFixture.withCalls { client in
            let reply = try await client.post("/api/v1/meters/calls_sum/query", json: "{from")
            #expect(reply.status == .badRequest)
            #expect(reply.detail?.hasPrefix("request body has an error: failed to decode request body: ") == true)
        }
    }

    @Test(arguments: [
        ("windowSize=WEEK", #"parameter "windowSize" in query has an error: value is not one of the allowed values ["MINUTE","HOUR","DAY","MONTH"]"#),
        ("windowSize=day", #"parameter "windowSize" in query has an error: value is not one of the allowed values ["MINUTE","HOUR","DAY","MONTH"]"#),
        ("windowTimeZone=Mars/Olympus", "invalid time zone: unknown time zone Mars/Olympus"),
        ("from=2026-13-01T00:00:00Z", #"parameter "from" in query has an error: string doesn't match the format "date-time" (regular expression "^[0-9]{4}-(0[0-9]|10|11|12)-([0-2][0-9]|30|31)T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|(\+|-)[0-9]{2}:[0-9]{2})?$")"#),
    ])
    func getParameterErrors(parameters: String, detail: String) async throws {
        try await CallsFixture.withCalls { client in
            let reply = try await client.get("/api/v1/meters/calls_sum/query?\(parameters)")
            #expect(reply.status == .badRequest)
            #expect(reply.detail == detail)
        }
    }
}
