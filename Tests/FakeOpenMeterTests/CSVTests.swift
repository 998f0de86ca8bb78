import Foundation
import Testing

/// `Accept: text/csv` on the meter query.
@Suite struct CSVTests {
    @Test func headerValuesAndContentType() async throws {
        try await CallsFixture.withCalls { client in
            let reply = try await client.get(
                "/api/v1/meters/calls_sum/query?" + query([("windowSize", "HOUR"), ("subject", "acme"), ("groupBy", "model")]),
                accept: "text/csv"
            )
            #expect(reply.status == .ok)
            #expect(reply.contentType == "text/csv")
            let lines = reply.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.first == "window_start,window_end,subject,model,value")
            #expect(lines.last == "")
            #expect(Set(lines.dropFirst().dropLast()) == [
                "2026-01-10T10:00:00Z,2026-01-10T11:00:00Z,acme,gpt,13.000000",
                "2026-01-10T11:00:00Z,2026-01-10T12:00:00Z,acme,claude,7.500000",
                "2026-01-10T11:00:00Z,2026-01-10T12:00:00Z,acme,gpt,4.000000",
            ])
            #expect(lines.count == 5)
        }
    }

    @Test func noSubjectColumnUnlessGroupedBySubject() async throws {
        try await CallsFixture.withCalls { client in
            let reply = try await client.get("/api/v1/meters/calls_sum/query?windowSize=DAY", accept: "text/csv")
            #expect(reply.text == "window_start,window_end,value\n2026-01-10T00:00:00Z,2026-01-11T00:00:00Z,44.500000\n")
            let grouped = try await client.get("/api/v1/meters/calls_sum/query?windowSize=DAY&groupBy=region&groupBy=subject&groupBy=model", accept: "text/csv")
            #expect(grouped.text.hasPrefix("window_start,window_end,subject,region,model,value\n"))
        }
    }

    @Test func timesInTheWindowZonesOffset() async throws {
        try await CallsFixture.withCalls { client in
            let reply = try await client.get(
                "/api/v1/meters/calls_sum/query?" + query([("windowSize", "DAY"), ("windowTimeZone", "Europe/Berlin")]), accept: "text/csv"
            )
            #expect(reply.text == "window_start,window_end,value\n2026-01-10T00:00:00+01:00,2026-01-11T00:00:00+01:00,44.500000\n")
        }
    }

    @Test func postWithAcceptCSV() async throws {
        try await CallsFixture.withCalls { client in
            let reply = try await client.post("/api/v1/meters/calls_sum/query", json: #"{"windowSize":"DAY"}"#, accept: "text/csv")
            #expect(reply.status == .ok)
            #expect(reply.contentType == "text/csv")
            #expect(reply.text == "window_start,window_end,value\n2026-01-10T00:00:00Z,2026-01-11T00:00:00Z,44.500000\n")
        }
    }

    @Test func fieldsWithCommasAreQuoted() async throws {
        try await withFake { client in
            try await client.ingest([event(id: "1", time: "2026-01-10T10:00:00Z", data: #"{"credits":1,"user":"Doe, \"Jo\""}"#)])
            let reply = try await client.get("/api/v1/meters/ai_credits/query?groupBy=user", accept: "text/csv")
            #expect(reply.text == "window_start,window_end,user,value\n2026-01-10T10:00:00Z,2026-01-10T10:01:00Z,\"Doe, \"\"Jo\"\"\",1.000000\n")
        }
    }

    @Test func emptyResultIsJustTheHeader() async throws {
        try await CallsFixture.withCalls { client in
            let reply = try await client.get("/api/v1/meters/calls_sum/query?subject=nobody", accept: "text/csv")
            #expect(reply.text == "window_start,window_end,subject,value\n")
        }
    }
}
