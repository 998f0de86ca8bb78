import Foundation
import Testing

/// `POST /api/v1/events`: content types, envelopes, data, time, deduplication, atomic batches.
@Suite struct IngestTests {
    static let one = event(id: "e1", time: "2026-11-20T10:00:00Z", data: #"{"credits":1}"#)

    @Test(arguments: [
        ("application/cloudevents+json", one),
        ("application/cloudevents-batch+json", "[" + one + "]"),
        ("application/json", one),
        ("application/json", "[" + one + "]"),
    ])
    func acceptedContentTypes(contentType: String, body: String) async throws {
        try await withFake { client in
            let reply = try await client.post("/api/v1/events", json: body, contentType: contentType)
            #expect(reply.status == .noContent)
            #expect(reply.text == "")
            #expect(try await client.eventCount() == 1)
        }
    }

    @Test(arguments: [
        "application/json; charset=utf-8", "application/cloudevents+json; charset=utf-8", "text/plain",
        "Application/JSON", "application/xml", "",
    ])
    func otherContentTypesAre400(contentType: String) async throws {
        try await withFake { client in
            let reply = try await client.post("/api/v1/events", json: Self.one, contentType: contentType)
            #expect(reply.status == .badRequest)
            #expect(reply.detail == "invalid content type: \(contentType)")
            #expect(try await client.eventCount() == 0)
        }
    }

    @Test func missingContentTypeIs400WithEmptyValue() async throws {
        try await withFake { client in
            let reply = try await client.post("/api/v1/events", json: Self.one, contentType: nil)
            #expect(reply.status == .badRequest)
            #expect(reply.detail == "invalid content type: ")
        }
    }

    @Test func shapeMustMatchTheContentType() async throws {
        try await withFake { client in
            let array = try await client.post("/api/v1/events", json: "[" + Self.one + "]", contentType: "application/cloudevents+json")
            #expect(array.status == .badRequest)
            #expect(array.detail == "invalid event: expected a JSON object (one CloudEvent)")
            let object = try await client.post("/api/v1/events", json: Self.one, contentType: "application/cloudevents-batch+json")
            #expect(object.status == .badRequest)
            #expect(object.detail == "invalid event: expected a JSON array of CloudEvents")
            let empty = try await client.post("/api/v1/events", json: "[]", contentType: "application/json")
            #expect(empty.detail == "invalid event: no events found")
            let scalar = try await client.post("/api/v1/events", json: "42", contentType: "application/json")
            #expect(scalar.detail == "invalid event: no events found")
            let nothing = try await client.post("/api/v1/events", json: "", contentType: "application/json")
            #expect(nothing.status == .badRequest)
            #expect(nothing.detail == "invalid event: EOF")
            #expect(try await client.eventCount() == 0)
        }
    }

    @Test func emptyBatchIsAcceptedAndStoresNothing() async throws {
        try await withFake { client in
            let reply = try await client.post("/api/v1/events", json: "[]", contentType: "application/cloudevents-batch+json")
            #expect(reply.status == .noContent)
            #expect(try await client.eventCount() == 0)
        }
    }

    @Test func batchStoresEveryEvent() async throws {
        try await withFake { client in
            try await client.ingest((1...5).map { event(id: "b\($0)", time: "2026-11-20T10:00:0\($0)Z", data: #"{"credits":1}"#) })
            #expect(try await client.eventCount() == 5)
        }
    }

    @Test(arguments: ["id", "source", "specversion", "type", "subject"])
    func eachRequiredFieldMissingIs400(field: String) async throws {
        try await withFake { client in
            var fields: [String: String] = ["id": "e1", "source": "s", "specversion": "1.0", "type": "ai_credits", "subject": "acme"]
            fields[field] = nil
            let missing = "{" + fields.keys.sorted().map { "\(quote($0)):\(quote(fields[$0]!))" }.joined(separator: ",") + "}"
            let reply = try await client.post("/api/v1/events", json: missing, contentType: "application/cloudevents+json")
            #expect(reply.status == .badRequest)
            #expect(reply.detail == "invalid event: \(field) is required")

            fields[field] = ""
            let empty = "{" + fields.keys.sorted().map { "\(quote($0)):\(quote(fields[$0]!))" }.joined(separator: ",") + "}"
            let emptyReply = try await client.post("/api/v1/events", json: empty, contentType: "application/cloudevents+json")
            #expect(emptyReply.status == .badRequest)
            #expect(emptyReply.detail == "invalid event: \(field) is required")

            fields[field] = nil
            let nulled = "{\(quote(field)):null," + fields.keys.sorted().map { "\(quote($0)):\(quote(fields[$0]!))" }.joined(separator: ",") + "}"
            let nullReply = try await client.post("/api/v1/events", json: nulled, contentType: "application/cloudevents+json")
            #expect(nullReply.detail == "invalid event: \(field) is required")
            #expect(try await client.eventCount() == 0)
        }
    }

    @Test func envelopeFieldsMustBeStrings() async throws {
        try await withFake { client in
            let reply = try await client.post(
                "/api/v1/events", json: #"{"specversion":"1.0","id":7,"source":"s","type":"t","subject":"x"}"#,
                contentType: "application/cloudevents+json"
            )
            #expect(reply.status == .badRequest)
            #expect(reply.detail == "invalid event: id must be a string")
        }
    }

    @Test func specversionMustBeOnePointZero() async throws {
        try await withFake { client in
            let body = #"{"specversion":"0.3","id":"e1","source":"s","type":"t","subject":"x"}"#
            let reply = try await client.post("/api/v1/events", json: body, contentType: "application/cloudevents+json")
            #expect(reply.status == .badRequest)
            #expect(reply.detail == "invalid event: specversion must be 1.0, got 0.3")
        }
    }

    @Test(arguments: [
        (#""credits=5""#, "invalid event: data must be a JSON object, got a string"),
        (#""<credits>5</credits>""#, "invalid event: data must be a JSON object, got a string"),
        ("[1,2]", "invalid event: data must be a JSON object, got a non-object value"),
        ("5", "invalid event: data must be a JSON object, got a non-object value"),
        ("true", "invalid event: data must be a JSON object, got a non-object value"),
    ])
    func nonObjectDataIs400(data: String, detail: String) async throws {
        try await withFake { client in
            let reply = try await client.post("/api/v1/events", json: event(id: "e1", data: data), contentType: "application/cloudevents+json")
            #expect(reply.status == .badRequest)
            #expect(reply.detail == detail)
            #expect(try await client.eventCount() == 0)
        }
    }

    @Test func nullOrMissingDataIsAccepted() async throws {
        try await withFake { client in
            try await client.ingest([event(id: "n1", data: "null"), event(id: "n2")])
            let listed = try await client.get("/api/v1/events")
            #expect(listed.json.count == 2)
            for item in listed.json.array ?? [] {
                #expect(item["event"]?["data"] == nil)
                #expect(item["event"]?["datacontenttype"] == nil)
            }
        }
    }

    @Test func datacontenttypeOtherThanJSONIs400() async throws {
        try await withFake { client in
            let body = #"{"specversion":"1.0","id":"e1","source":"s","type":"t","subject":"x","datacontenttype":"text/xml","data":{}}"#
            let reply = try await client.post("/api/v1/events", json: body, contentType: "application/cloudevents+json")
            #expect(reply.detail == "invalid event: datacontenttype must be application/json, got text/xml")
        }
    }

    @Test func badTimeIs400() async throws {
        try await withFake { client in
            let reply = try await client.post("/api/v1/events", json: event(id: "e1", time: "yesterday"), contentType: "application/cloudevents+json")
            #expect(reply.status == .badRequest)
            #expect(reply.detail == "invalid event: time must be an RFC 3339 date-time, got yesterday")
        }
    }

    @Test func missingTimeIsNowToTheSecond() async throws {
        try await withFake { client in
            let before = nowSeconds()
            try await client.ingest([event(id: "now", data: #"{"credits":1}"#)])
            let after = nowSeconds()
            let listed = try await client.get("/api/v1/events")
            let time = listed.json[0]?["event"]?["time"]?.string
            #expect(time?.count == 20, "whole seconds, UTC: \(time ?? "nil")")
            let seconds = try #require(instant(time))
            #expect(seconds >= before && seconds <= after)
        }
    }

    @Test func timeIsTruncatedToTheSecondAndShownInUTC() async throws {
        try await withFake { client in
            let base = nowSeconds() - 3600
            let local = ISO8601DateFormatter()
            local.timeZone = TimeZone(secondsFromGMT: 5 * 3600 + 1800)
            local.formatOptions = [.withInternetDateTime]
            let withOffset = local.string(from: Date(timeIntervalSince1970: TimeInterval(base)))
            let fractional = String(rfc3339(base - 60).dropLast()) + ".987654321Z"
            try await client.ingest([
                event(id: "a", time: withOffset, data: #"{"credits":1}"#),
                event(id: "b", time: fractional, data: #"{"credits":1}"#),
            ])
            let listed = try await client.get("/api/v1/events").json
            #expect(listed[0]?["event"]?["time"] == .string(rfc3339(base)))
            #expect(listed[1]?["event"]?["time"] == .string(rfc3339(base - 60)))
        }
    }

    @Test func duplicateSourceAndIdIsStoredOnce() async throws {
        try await withFake { client in
            let time = rfc3339(nowSeconds() - 600)
            let first = event(id: "dup", source: "svc", time: time, data: #"{"credits":1}"#)
            let second = event(id: "dup", source: "svc", time: time, data: #"{"credits":99}"#)
            for body in [first, second] {
                let reply = try await client.post("/api/v1/events", json: body, contentType: "application/cloudevents+json")
                #expect(reply.status == .noContent)
            }
            // The same id inside one batch, too.
            try await client.ingest([first, second])
            #expect(try await client.eventCount() == 1)
            let listed = try await client.get("/api/v1/events").json
            #expect(listed[0]?["event"]?["data"] == .object(["credits": .number(1)]))
            // Another source with the same id is another event.
            try await client.ingest([event(id: "dup", source: "other", time: time, data: #"{"credits":2}"#)])
            #expect(try await client.eventCount() == 2)
        }
    }

    @Test func oneBadEventInABatchStoresNothing() async throws {
        try await withFake { client in
            let good = event(id: "g1", data: #"{"credits":1}"#)
            let bad = #"{"specversion":"1.0","id":"b1","source":"s","type":"t"}"#
            let reply = try await client.post("/api/v1/events", json: "[\(good),\(bad),\(good.replacingOccurrences(of: "g1", with: "g2"))]", contentType: "application/cloudevents-batch+json")
            #expect(reply.status == .badRequest)
            #expect(reply.detail == "invalid event: subject is required")
            let nonObject = try await client.post("/api/v1/events", json: "[\(good),\"x\"]", contentType: "application/cloudevents-batch+json")
            #expect(nonObject.detail == "invalid event: expected a JSON object for each event in the batch")
            #expect(try await client.eventCount() == 0)
        }
    }

    @Test(arguments: [
        #"{"specversion":"1.0","id":"#,
        #"{"specversion":"1.0" "id":"x"}"#,
        "{'id':'x'}",
        #"[{"specversion":"1.0","id":"a","source":"s","type":"t","subject":"x"},]"#,
        #"{"specversion":"1.0","id":"a","source":"s","type":"t","subject":"x"} trailing"#,
        "\u{FEFF}{}",
    ])
    func malformedJSONIs400(body: String) async throws {
        try await withFake { client in
            let reply = try await client.post("/api/v1/events", json: body, contentType: "application/json")
            #expect(reply.status == .badRequest)
            #expect(reply.detail?.hasPrefix("invalid event: ") == true, "\(reply.detail ?? "nil")")
            #expect(reply.contentType == "application/problem+json")
            try await client.ingest([event(id: "after", data: #"{"credits":1}"#)])
            #expect(try await client.eventCount() == 1)
        }
    }

    @Test func malformedJSONNamesTheOffset() async throws {
        try await withFake { client in
            let reply = try await client.post("/api/v1/events", json: #"{"id":}"#, contentType: "application/json")
            #expect(reply.detail == "invalid event: unexpected character at offset 6")
        }
    }

    @Test func deeplyNestedJSONIs400AndTheServerKeepsWorking() async throws {
        try await withFake { client in
            let depth = 100_000
            let nestedData = event(id: "deep", data: String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
            let reply = try await client.post("/api/v1/events", json: nestedData, contentType: "application/cloudevents+json")
            #expect(reply.status == .badRequest)
            #expect(reply.detail?.hasPrefix("invalid event: JSON nested too deeply at offset ") == true)
            let nestedBatch = String(repeating: "[", count: depth)
            let batch = try await client.post("/api/v1/events", json: nestedBatch, contentType: "application/json")
            #expect(batch.status == .badRequest)
            #expect(batch.detail?.hasPrefix("invalid event: JSON nested too deeply at offset ") == true)
            // Moderately nested data is fine.
            let moderate = event(id: "ok", data: #"{"credits":1,"a":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}")
            let fine = try await client.post("/api/v1/events", json: moderate, contentType: "application/cloudevents+json")
            #expect(fine.status == .noContent)
            #expect(try await client.eventCount() == 1)
        }
    }

    @Test func largeBatchIsAccepted() async throws {
        try await withFake { client in
            let events = (0..<1000).map { i in
                event(id: "big-\(i)", subject: "tenant-\(i % 7)", time: "2026-11-20T10:00:00Z", data: #"{"credits":0.5,"user":"u\#(i)","note":""# + String(repeating: "x", count: 200) + #""}"#)
            }
            try await client.ingest(events)
            #expect(try await client.eventCount() == 1000)
        }
    }

    @Test func bodyOverTheLimitIsRejectedAndTheServerKeepsWorking() async throws {
        try await withFake { client in
            let huge = "[" + String(repeating: " ", count: 33 * 1024 * 1024) + "]"
            let reply = try await client.post("/api/v1/events", json: huge, contentType: "application/cloudevents-batch+json")
            #expect(reply.status == .contentTooLarge)
            #expect(reply.contentType == "application/problem+json")
            #expect(reply.detail == "request body too large")
            try await client.ingest([event(id: "after", data: #"{"credits":1}"#)])
            #expect(try await client.eventCount() == 1)
        }
    }

    @Test func dataIsEchoedByteForByte() async throws {
        try await withFake { client in
            let time = rfc3339(nowSeconds() - 60)
            let data = #"{ "credits" : 1.50, "user":"\u00e9l\u00e8ve", "nested": {"b":2,"a":1} }"#
            try await client.ingest([event(id: "raw", source: "src", subject: "acme", time: time, data: data)])
            let listed = try await client.get("/api/v1/events")
            let expectedPrefix = #"[{"event":{"specversion":"1.0","id":"raw","source":"src","type":"ai_credits","subject":"acme","time":""#
                + time + #"","datacontenttype":"application/json","data":"# + data + #"},"ingestedAt":""#
            #expect(listed.text.hasPrefix(expectedPrefix), "\(listed.text)")
        }
    }

    @Test func extensionAttributesAreAcceptedAndDataschemaIsKept() async throws {
        try await withFake { client in
            let body = #"{"specversion":"1.0","id":"x1","source":"s","type":"ai_credits","subject":"acme","dataschema":"https://example.com/s","traceparent":"00-abc","data":{"credits":1}}"#
            let reply = try await client.post("/api/v1/events", json: body, contentType: "application/cloudevents+json")
            #expect(reply.status == .noContent)
            let listed = try await client.get("/api/v1/events").json
            #expect(listed[0]?["event"]?["dataschema"] == .string("https://example.com/s"))
            #expect(listed[0]?["event"]?["traceparent"] == nil)
        }
    }
}
