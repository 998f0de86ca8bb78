import Foundation
import StackClients
import Testing

extension IntegrationTests {
    /// OpenMeter down, slow, refusing the key or rate limiting: a clear tool error within a bound,
    /// never a hang or a crash, and credits-mcp serves normally afterwards.
    @Suite("OpenMeter failures")
    struct OpenMeterFailures {
        static let bound: Duration = .seconds(10)

        @Test("503 on the meter query and on the event list")
        func serverError() async throws {
            let fixture = CreditFixture()
            try await StackUnderTest.with { stack in
                try await stack.control.ingest(fixture.events)
                let client = try await stack.adminClient(CreditFixture.tenantA)
                try await stack.control.addFault(FaultSpec(path: FaultSpec.meterQueryPath, status: 503))
                try await stack.control.addFault(FaultSpec(path: FaultSpec.eventListPath, status: 503))

                for (tool, route) in [("get_credit_usage_by_tenant", FaultSpec.meterQueryPath), ("get_credit_usage_summary", FaultSpec.meterQueryPath), ("get_credit_events", FaultSpec.eventListPath)] {
                    try await stack.control.clearRequests()
                    let (result, elapsed) = try await timed { try await client.callTool(tool, stringArguments: fixture.rangeArguments) }
                    #expect(result.isError, "\(tool): \(result.text)")
                    #expect(result.text.contains("503"), "\(tool) does not say what failed: \(result.text)")
                    #expect(elapsed < Self.bound, "\(tool) took \(elapsed)")
                    let attempts = try await stack.control.requests(matching: route).entries.count
                    #expect(attempts == 2, "\(tool): a transient failure is retried once, saw \(attempts) request(s)")
                }
                try await Self.expectRecovery(stack, client, fixture)
            }
        }

        @Test("429 from OpenMeter")
        func rateLimited() async throws {
            let fixture = CreditFixture()
            try await StackUnderTest.with { stack in
                try await stack.control.ingest(fixture.events)
                let client = try await stack.adminClient(CreditFixture.tenantA)
                try await stack.control.addFault(FaultSpec(path: FaultSpec.everyAPIPath, status: 429))
                let (result, elapsed) = try await timed { try await client.callTool("get_credit_usage_summary", stringArguments: fixture.rangeArguments) }
                #expect(result.isError, "\(result.text)")
                let text = result.text.lowercased()
                #expect(text.contains("429") || text.contains("rate"), "does not say it was rate limited: \(result.text)")
                #expect(elapsed < Self.bound, "took \(elapsed)")
                try await Self.expectRecovery(stack, client, fixture)
            }
        }

        @Test("OpenMeter slower than OPENMETER_TIMEOUT_SECONDS")
        func slow() async throws {
            let fixture = CreditFixture()
            var options = StackUnderTest.Options()
            options.mcpEnvironment["OPENMETER_TIMEOUT_SECONDS"] = "1"
            try await StackUnderTest.with(options) { stack in
                try await stack.control.ingest(fixture.events)
                let client = try await stack.adminClient(CreditFixture.tenantA)
                try await stack.control.addFault(FaultSpec(path: FaultSpec.everyAPIPath, latencyMs: 5000))
                for tool in ["get_credit_usage_by_tenant", "get_credit_events"] {
                    let (result, elapsed) = try await timed { try await client.callTool(tool, stringArguments: fixture.rangeArguments) }
                    #expect(result.isError, "\(tool): \(result.text)")
                    let text = result.text.lowercased()
                    #expect(["did not answer", "timed out", "timeout", "too long"].contains { text.contains($0) }, "\(tool) does not say OpenMeter was too slow: \(result.text)")
                    #expect(elapsed < Self.bound, "\(tool) took \(elapsed) with a 1 s timeout")
                }
                try await Self.expectRecovery(stack, client, fixture)
            }
        }

        @Test("OpenMeter refuses the API key (401)")
        func wrongKey() async throws {
            let fixture = CreditFixture()
            var options = StackUnderTest.Options()
            options.mcpAPIKey = "wrong-key-7f3a9c"
            try await StackUnderTest.with(options) { stack in
                try await stack.control.ingest(fixture.events)
                let client = try await stack.adminClient(CreditFixture.tenantA)
                try await stack.control.clearRequests()
                let (result, elapsed) = try await timed { try await client.callTool("get_credit_usage_by_tenant", stringArguments: fixture.rangeArguments) }
                #expect(result.isError, "\(result.text)")
                let text = result.text.lowercased()
                #expect(text.contains("401") || text.contains("api key"), "does not say the key was refused: \(result.text)")
                #expect(!result.text.contains("wrong-key-7f3a9c") && !result.text.contains(stack.apiKey), "the answer leaks a key: \(result.text)")
                #expect(!stack.mcp.log.contains("wrong-key-7f3a9c"), "credits-mcp logged the API key")
                #expect(elapsed < Self.bound, "took \(elapsed)")
                let journal = try await stack.control.requests()
                #expect(journal.entries.contains { $0.status == 401 }, "OpenMeter was not asked: \(journal.entries)")
                #expect(stack.mcp.isRunning)
                #expect(await stack.isMCPHealthy())
            }
        }

        @Test("OpenMeter down: nothing listens on its port")
        func unreachable() async throws {
            let fixture = CreditFixture()
            try await StackUnderTest.with { stack in
                let client = try await stack.adminClient(CreditFixture.tenantA)
                stack.openMeter.stop(signal: SIGKILL)
                // With the default OPENMETER_TIMEOUT_SECONDS: a refused connection must not wait for a timeout.
                let (result, elapsed) = try await timed { try await client.callTool("get_credit_usage_summary", stringArguments: fixture.rangeArguments) }
                #expect(result.isError, "\(result.text)")
                let text = result.text.lowercased()
                #expect(["unreachable", "refused", "cannot connect", "could not connect", "down"].contains { text.contains($0) }, "does not say OpenMeter is unreachable: \(result.text)")
                #expect(elapsed < Self.bound, "a refused connection took \(elapsed) to report")
                #expect(stack.mcp.isRunning)
                #expect(await stack.isMCPHealthy())
                let tools = try await client.listTools()
                #expect(tools.count == 3, "the session stopped working after the outage")
            }
        }

        /// credits-mcp is alive and healthy, and once the faults are gone the same session gets data again.
        static func expectRecovery(_ stack: StackUnderTest, _ client: MCPHTTPClient, _ fixture: CreditFixture) async throws {
            #expect(stack.mcp.isRunning, "credits-mcp exited:\n\(stack.logTail())")
            #expect(await stack.isMCPHealthy(), "credits-mcp is not healthy")
            try await stack.control.clearFaults()
            let answer = try await callOK(client, "get_credit_usage_by_tenant", fixture.rangeArguments)
            #expect(answer.rows == [[CreditFixture.tenantA, creditsText(fixture.expectedTotal)]], "\(answer.text)")
        }
    }
}
