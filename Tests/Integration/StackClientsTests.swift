import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// The reusable clients themselves (the benchmarks rely on them too).
    @Suite("StackClients")
    struct StackClientsChecks {
        @Test("FakeOpenMeterControl: ingest, faults, journal, seed and reset against a real fake-openmeter")
        func controlRoundTrip() async throws {
            try await StackUnderTest.with { stack in
                let control = stack.control
                #expect(await control.isHealthy())
                try await control.ingest([
                    .credit(id: "c1", subject: "t1", time: 1_760_000_000, credits: 2.5, user: "u", module: "m", product: "p", skill: "s"),
                    .credit(id: "c2", subject: "t2", time: 1_760_000_060, credits: 1, user: "u", module: "m", product: "p", skill: "s"),
                ])
                #expect(try await control.eventCount() == 2)
                let listed = try await control.listEvents(filter: .object([("subject", .object([("$eq", .string("t1"))]))]))
                #expect(listed.map(\.id) == ["c1"])
                #expect(listed.first?.data["credits"] == .number(2.5))
                #expect(listed.first?.time == "2025-10-09T08:53:20Z")

                let journal = try await control.requests()
                // The ingest, then the list's pages (read until an empty page).
                #expect(journal.total >= 2 && journal.total == journal.entries.count)
                #expect(journal.entries.first.map { [$0.method, $0.path, "\($0.status)"] } == ["POST", "/api/v1/events", "204"])
                #expect(journal.entries.dropFirst().allSatisfy { $0.method == "GET" && $0.path == "/api/v2/events" && $0.status == 200 })
                #expect(journal.entries.dropFirst().first?.query.contains("filter=") == true)
                #expect(try await control.requests(matching: "/api/v2/**").entries.count == journal.total - 1)
                try await control.clearRequests()
                #expect(try await control.requests().total == 0)

                let fault = try await control.addFault(FaultSpec(path: FaultSpec.eventListPath, status: 503, count: 1))
                let invalid = IngestEvent(id: "", source: "s", type: "ai_credits", subject: "t1", time: 1_760_000_000, data: .object([]))
                let refused = try await control.ingestReply([invalid])
                #expect(refused.status == 400, "an event without id: \(refused.text)")
                await #expect(throws: StackClientError.self) { try await control.listEvents() }
                #expect(try await control.listEvents().count == 2, "a count-1 fault fires once")
                try await control.removeFault(id: fault)
                await #expect(throws: StackClientError.self) { try await control.removeFault(id: fault) }

                #expect(try await control.seed(tenants: 2, events: 30, days: 3, seed: 9) == 30)
                try await control.reset()
                #expect(try await control.eventCount() == 0)
                #expect(try await control.requests().total == 0)
            }
        }

        @Test("ServerSentEventParser: CRLF split across chunks, multi-line data, comments, priming events")
        func serverSentEvents() {
            var parser = ServerSentEventParser()
            var events: [ServerSentEventParser.Event] = []
            let stream = "id: 1_1\r\ndata: \r\n\r\n: comment\r\nid: 1_2\r\nevent: message\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\ndata:x\r\rdata: tail"
            for byte in stream.utf8 { events += parser.feed([byte]) }  // worst case: one byte per chunk
            events += parser.finish()
            #expect(events == [
                .init(id: "1_1", event: nil, data: ""),
                .init(id: "1_2", event: "message", data: "{\"a\":\n1}"),
                .init(id: "1_2", event: nil, data: "x"),
            ])
        }
    }
}
