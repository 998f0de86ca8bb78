import Foundation
import Testing

/// `GET /api/v2/events`: JSON filters, cursor paging, errors.
@Suite struct EventListV2Tests {
    static let t0: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z, older than 32 days: v2 has no window.

    static func seed(_ client: Client) async throws {
        try await client.ingest([
            event(id: "a1", source: "svc-a", type: "ai_credits", subject: "Customer-1", time: rfc3339(t0 + 60), data: #"{"credits":1}"#),
            event(id: "a2", source: "svc-a", type: "ai_credits", subject: "customer-2", time: rfc3339(t0 + 120), data: #"{"credits":1}"#),
            event(id: "b1", source: "svc-b", type: "page_view", subject: "customer-1", time: rfc3339(t0 + 180), data: #"{"credits":1}"#),
            event(id: "b2", source: "svc-b", type: "ai_credits", subject: "other", time: rfc3339(t0 + 240), data: #"{"credits":1}"#),
            event(id: "c1", source: "svc-c", type: "ai_credits", subject: "customer-10", time: rfc3339(t0 + 300), data: #"{"credits":1}"#),
        ])
    }

    static func ids(_ reply: Reply) -> [String] {
        (reply.json["items"]?.array ?? []).compactMap { $0["event"]?["id"]?.string }
    }

    static func list(_ client: Client, filter: String? = nil, limit: Int? = nil, cursor: String? = nil) async throws -> Reply {
        var pairs: [(String, String)] = []
        if let filter { pairs.append(("filter", filter)) }
        if let limit { pairs.append(("limit", String(limit))) }
        if let cursor { pairs.append(("cursor", cursor)) }
        return try await client.get("/api/v2/events" + (pairs.isEmpty ? "" : "?" + query(pairs)))
    }

    @Test func objectWithItemsNewestFirst() async throws {
        try await withFake { client in
            try await Self.seed(client)
            let reply = try await Self.list(client)
            #expect(reply.status == .ok)
            #expect(reply.contentType == "application/json")
            #expect(Self.ids(reply) == ["c1", "b2", "b1", "a2", "a1"])
            #expect(reply.json.keys == ["items", "nextCursor"])
        }
    }

    @Test(arguments: [
        (#"{"subject":{"$eq":"customer-1"}}"#, ["b1"]),
        (#"{"subject":{"$ne":"customer-1"}}"#, ["c1", "b2", "a2", "a1"]),
        (#"{"subject":{"$in":["customer-2","other","nobody"]}}"#, ["b2", "a2"]),
        (#"{"subject":{"$nin":["customer-2","other"]}}"#, ["c1", "b1", "a1"]),
        (#"{"subject":{"$like":"customer-1%"}}"#, ["c1", "b1"]),
        (#"{"subject":{"$like":"customer-_"}}"#, ["b1", "a2"]),
        (#"{"subject":{"$ilike":"CUSTOMER-1%"}}"#, ["c1", "b1", "a1"]),
        (#"{"subject":{"$nlike":"customer%"}}"#, ["b2", "a1"]),
        (#"{"subject":{"$nilike":"customer%"}}"#, ["b2"]),
        (#"{"subject":{"$and":[{"$like":"%customer%"},{"$ne":"customer-2"}]}}"#, ["c1", "b1"]),
        (#"{"subject":{"$or":[{"$eq":"other"},{"$eq":"Customer-1"}]}}"#, ["b2", "a1"]),
        (#"{"id":{"$eq":"a2"}}"#, ["a2"]),
        (#"{"id":{"$like":"b%"}}"#, ["b2", "b1"]),
        (#"{"source":{"$eq":"svc-a"}}"#, ["a2", "a1"]),
        (#"{"source":{"$in":["svc-b","svc-c"]}}"#, ["c1", "b2", "b1"]),
        (#"{"type":{"$eq":"page_view"}}"#, ["b1"]),
        (#"{"type":{"$ne":"page_view"},"source":{"$ne":"svc-a"}}"#, ["c1", "b2"]),
        (#"{"subject":{"$eq":"customer-1"},"type":{"$eq":"ai_credits"}}"#, []),
        (#"{"subject":null}"#, ["c1", "b2", "b1", "a2", "a1"]),
        (#"{}"#, ["c1", "b2", "b1", "a2", "a1"]),
    ])
    func stringFilters(filter: String, expected: [String]) async throws {
        try await withFake { client in
            try await Self.seed(client)
            let reply = try await Self.list(client, filter: filter)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(Self.ids(reply) == expected)
        }
    }

    @Test(arguments: [
        (#"{"time":{"$gte":"2026-01-01T00:02:00Z"}}"#, ["c1", "b2", "b1", "a2"]),
        (#"{"time":{"$gt":"2026-01-01T00:02:00Z"}}"#, ["c1", "b2", "b1"]),
        (#"{"time":{"$lt":"2026-01-01T00:02:00Z"}}"#, ["a1"]),
        (#"{"time":{"$lte":"2026-01-01T00:02:00Z"}}"#, ["a2", "a1"]),
        (#"{"time":{"$and":[{"$gte":"2026-01-01T00:02:00Z"},{"$lt":"2026-01-01T00:04:00Z"}]}}"#, ["b1", "a2"]),
        (#"{"time":{"$or":[{"$lt":"2026-01-01T00:02:00Z"},{"$gt":"2026-01-01T00:04:00Z"}]}}"#, ["c1", "a1"]),
        (#"{"time":{"$gte":"2026-01-01T01:02:00+01:00"}}"#, ["c1", "b2", "b1", "a2"]),
        (#"{"time":{"$gte":"2026-01-01T00:01:59.500Z"}}"#, ["c1", "b2", "b1", "a2"]),
        (#"{"time":{"$lt":"2026-01-01T00:02:00.500Z"}}"#, ["a2", "a1"]),
        (#"{"time":{"$and":[{"$gte":"2026-01-01T00:03:00Z"}]},"subject":{"$like":"customer%"}}"#, ["c1", "b1"]),
    ])
    func timeFilters(filter: String, expected: [String]) async throws {
        try await withFake { client in
            try await Self.seed(client)
            let reply = try await Self.list(client, filter: filter)
            #expect(reply.status == .ok, "\(reply.text)")
            #expect(Self.ids(reply) == expected)
        }
    }

    @Test func ingestedAtFilter() async throws {
        try await withFake { client in
            let before = nowSeconds() - 1
            try await Self.seed(client)
            let all = try await Self.list(client, filter: #"{"ingestedAt":{"$gte":"\#(rfc3339(before))"}}"#)
            #expect(Self.ids(all).count == 5)
            let none = try await Self.list(client, filter: #"{"ingestedAt":{"$lt":"\#(rfc3339(before))"}}"#)
            #expect(Self.ids(none) == [])
            #expect(none.text == #"{"items":[]}"#)
        }
    }

    @Test(arguments: [
        (#"{"time":{"$gte":"2026-01-01T00:00:00Z","$lt":"2026-01-02T00:00:00Z"}}"#, "time: only one filter can be set"),
        (#"{"subject":{"$eq":"a","$ne":"b"}}"#, "subject: only one filter can be set"),
        (#"{"id":{"$eq":"a","$like":"b"}}"#, "id: only one filter can be set"),
        (#"{"source":{"$in":["a"],"$nin":["b"]}}"#, "source: only one filter can be set"),
        (#"{"type":{"$eq":"a","$ne":"b"}}"#, "type: only one filter can be set"),
        (#"{"ingestedAt":{"$gt":"2026-01-01T00:00:00Z","$lt":"2026-01-02T00:00:00Z"}}"#, "ingested_at: only one filter can be set"),
        (#"{"subject":{"$and":[{"$and":[{"$eq":"a"}]}]}}"#, "subject: filter complexity exceeds maximum allowed depth"),
        (#"{"subject":{"$or":[{"$and":[{"$eq":"a"}]}]}}"#, "subject: filter complexity exceeds maximum allowed depth"),
        (#"{"time":{"$and":[{"$or":[{"$gt":"2026-01-01T00:00:00Z"}]}]}}"#, "time: filter complexity exceeds maximum allowed depth"),
        (#"{"time":{"$gte":"2026-01-01T00:00:00Z"},"ingestedAt":{"$gte":"2026-01-01T00:00:00Z"}}"#, "time and ingested_at cannot both be set"),
        (#"{"time":{"$eq":"2026-01-01T00:00:00Z"}}"#, "time: unknown filter operator: $eq"),
        (#"{"time":{"$gte":"yesterday"}}"#, "time: $gte must be an RFC 3339 date-time"),
        (#"{"subject":{"$in":"a"}}"#, "subject: $in must be an array of strings"),
        (#"{"subject":{"$eq":5}}"#, "subject: $eq must be a string"),
        (#"{"subject":"a"}"#, "subject: filter must be an object"),
        (#"["subject"]"#, #"parameter "filter" in query has an error: must be a JSON object"#),
    ])
    func filterErrors(filter: String, detail: String) async throws {
        try await withFake { client in
            let reply = try await Self.list(client, filter: filter)
            #expect(reply.status == .badRequest)
            #expect(reply.detail == detail)
        }
    }

    @Test func filterThatIsNotJSONIs400() async throws {
        try await withFake { client in
            let reply = try await Self.list(client, filter: "{subject:")
            #expect(reply.status == .badRequest)
            #expect(reply.detail?.hasPrefix(#"parameter "filter" in query has an error: error unmarshaling JSON: "#) == true)
        }
    }

    @Test(arguments: [("0", "number must be at least 1"), ("101", "number must be at most 100"), ("x", "value x: an invalid integer: invalid syntax")])
    func badLimitIs400(limit: String, reason: String) async throws {
        try await withFake { client in
            let reply = try await client.get("/api/v2/events?limit=\(limit)")
            #expect(reply.status == .badRequest)
            #expect(reply.detail == "parameter \"limit\" in query has an error: \(reason)")
        }
    }

    @Test func cursorPagingReadsEveryEventOnceIncludingTiesInTime() async throws {
        try await withFake { client in
            // 23 events: groups of up to 4 sharing one second, ids not in time order, two sources.
            var events: [String] = []
            var expected: [(time: Int64, id: String)] = []
            for i in 0..<23 {
                let time = Self.t0 + Int64(i / 4) * 60
                let id = "e\(String(format: "%02d", (i * 7) % 23))"
                events.append(event(id: id, source: i % 2 == 0 ? "s1" : "s2", subject: "acme", time: rfc3339(time), data: #"{"credits":1}"#))
                expected.append((time, id))
            }
            try await client.ingest(events)
            let order = expected.sorted { $0.time != $1.time ? $0.time > $1.time : $0.id > $1.id }.map(\.id)

            for limit in [1, 3, 4, 5, 22, 23, 100] {
                var seen: [String] = []
                var cursor: String?
                var pages = 0
                while true {
                    let reply = try await Self.list(client, filter: #"{"subject":{"$eq":"acme"}}"#, limit: limit, cursor: cursor)
                    #expect(reply.status == .ok)
                    let page = Self.ids(reply)
                    pages += 1
                    #expect(page.count <= limit)
                    if page.isEmpty {
                        #expect(reply.json["nextCursor"] == nil)
                        #expect(reply.text == #"{"items":[]}"#)
                        break
                    }
                    seen += page
                    cursor = try #require(reply.json["nextCursor"]?.string)
                    #expect(cursor?.isEmpty == false)
                    if pages > 30 { Issue.record("paging does not end"); break }
                }
                #expect(seen == order, "limit \(limit)")
                #expect(pages == (23 + limit - 1) / limit + 1, "limit \(limit): one extra request gets the empty page")
            }
        }
    }

    @Test func cursorPagingByIngestedAt() async throws {
        try await withFake { client in
            try await Self.seed(client)
            let filter = #"{"ingestedAt":{"$gte":"2026-01-01T00:00:00Z"}}"#
            var seen: [String] = []
            var cursor: String?
            for _ in 0..<10 {
                let reply = try await Self.list(client, filter: filter, limit: 2, cursor: cursor)
                let page = Self.ids(reply)
                if page.isEmpty { break }
                seen += page
                cursor = reply.json["nextCursor"]?.string
            }
            #expect(seen.sorted() == ["a1", "a2", "b1", "b2", "c1"])
        }
    }

    @Test func emptyStoreHasNoCursor() async throws {
        try await withFake { client in
            let reply = try await Self.list(client)
            #expect(reply.status == .ok)
            #expect(reply.text == #"{"items":[]}"#)
        }
    }

    @Test(arguments: [
        ("!!!not-base64", "decode cursor: illegal base64 data"),
        (Data("no delimiter".utf8).base64EncodedString(), "cursor is invalid: no delimiter found"),
        (Data("x,y,z".utf8).base64EncodedString(), "cursor is invalid: no delimiter found"),
    ])
    func badCursorIs400(cursor: String, detail: String) async throws {
        try await withFake { client in
            try await Self.seed(client)
            let reply = try await Self.list(client, cursor: cursor)
            #expect(reply.status == .badRequest)
            #expect(reply.detail == detail)
        }
    }

    @Test func customerIdFilterMatchesNothingInAFakeWithoutCustomers() async throws {
        try await withFake { client in
            try await Self.seed(client)
            let reply = try await Self.list(client, filter: #"{"customerId":{"$in":["01ARZ3NDEKTSV4RRFFQ69G5FAV"]}}"#)
            #expect(reply.status == .ok)
            #expect(Self.ids(reply) == [])
        }
    }

    @Test func itemsCarryValidationErrors() async throws {
        try await withFake { client in
            try await Self.seed(client)
            let reply = try await Self.list(client, filter: #"{"id":{"$eq":"b1"}}"#)
            #expect(reply.json["items"]?[0]?["validationError"] == .string("no meter found for event type: page_view"))
        }
    }
}
