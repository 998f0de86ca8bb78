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

        @Test("Tool errors name no OpenMeter address and no Swift error; the log keeps them")
        func errorTextsHideInternals() async throws {
            let fixture = CreditFixture()
            try await StackUnderTest.with { stack in
                let client = try await stack.adminClient(CreditFixture.tenantA)
                let port = stack.openMeter.port
                stack.openMeter.stop(signal: SIGKILL)
                for tool in ["get_credit_usage_by_tenant", "get_credit_usage_summary", "get_credit_events"] {
                    let result = try await client.callTool(tool, stringArguments: fixture.rangeArguments)
                    #expect(result.isError, "\(tool): \(result.text)")
                    #expect(result.text.lowercased().contains("unreachable"), "\(tool): \(result.text)")
                    Self.expectNoInternals(result.text, port: port, tool: tool)
                }
                // The detail is not lost: the log line of each failed call names where credits-mcp looked.
                let failures = stack.mcp.log.split(separator: "\n").filter { $0.contains("tool call failed") }
                #expect(failures.count == 3 && failures.allSatisfy { $0.contains("127.0.0.1:\(port)") }, "\(failures)")
            }
        }

        @Test("A server that does not speak HTTP: a plain tool error, no Swift error text")
        func notHTTP() async throws {
            let fixture = CreditFixture()
            let garbage = try NotHTTPServer()
            defer { garbage.stop() }
            var options = StackUnderTest.Options()
            options.openMeterURL = "http://127.0.0.1:\(garbage.port)"
            try await StackUnderTest.with(options) { stack in
                let client = try await stack.adminClient(CreditFixture.tenantA)
                for tool in ["get_credit_usage_summary", "get_credit_events"] {
                    let (result, elapsed) = try await timed { try await client.callTool(tool, stringArguments: fixture.rangeArguments) }
                    #expect(result.isError, "\(tool): \(result.text)")
                    #expect(result.text.hasPrefix("Could not read AI-credit usage: OpenMeter"), "\(tool): \(result.text)")
                    Self.expectNoInternals(result.text, port: garbage.port, tool: tool)
                    #expect(elapsed < Self.bound, "\(tool) took \(elapsed)")
                }
                #expect(stack.mcp.isRunning)
            }
        }

        /// No URL, loopback address, host name or port of OpenMeter, and nothing that reads like a Swift error value.
        static func expectNoInternals(_ text: String, port: Int, tool: String, sourceLocation: SourceLocation = #_sourceLocation) {
            for marker in ["127.0.0.1", "localhost", "http://", "https://", ":\(port)", "\(port)"] {
                #expect(!text.contains(marker), "\(tool) shows \(marker): \(text)", sourceLocation: sourceLocation)
            }
            let swiftish = text.range(of: #"[A-Z][A-Za-z0-9]*(Error|Exception)\b|NIO|HTTPClient|\w+\(\w+:"#, options: .regularExpression)
            #expect(swiftish == nil, "\(tool) shows a Swift error: \(text)", sourceLocation: sourceLocation)
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

/// Accepts connections on 127.0.0.1 and answers each with bytes that are not HTTP, then closes it.
final class NotHTTPServer: Sendable {
    let port: Int
    private let listener: Int32

    init() throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw StackTestError("socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw StackTestError("cannot listen on 127.0.0.1")
        }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        Thread.detachNewThread {
            let reply = Array("SSH-2.0-OpenSSH_9.2 not http at all\r\n\r\n".utf8)
            while true {
                let connection = accept(fd, nil, nil)
                if connection < 0 { return }  // the listener was closed
                var request = [UInt8](repeating: 0, count: 4096)
                _ = read(connection, &request, request.count)
                _ = reply.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                close(connection)
            }
        }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
