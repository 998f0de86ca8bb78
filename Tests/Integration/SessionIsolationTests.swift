import Foundation
import StackClients
import Testing

extension IntegrationTests {
    /// An MCP session belongs to the caller that initialized it. Another tenant (or no tenant) that
    /// learns its id gets the unknown-session 404 on POST, GET (stream and replay) and DELETE, and
    /// never sees the owner's rows or download links.
    @Suite("MCP sessions belong to their opener")
    struct SessionIsolation {
        static let protocolVersion = MCPHTTPClient.defaultProtocolVersion

        static func headers(session: String, tenant: String?, extra: [(String, String)] = []) -> [(String, String)] {
            var headers = [
                ("Accept", "application/json, text/event-stream"), ("Content-Type", "application/json"),
                ("Mcp-Session-Id", session), ("MCP-Protocol-Version", protocolVersion),
                ("X-User-Groups", "Administrators"),
            ]
            if let tenant { headers.append(("X-Tenant-Id", tenant)) }
            return headers + extra
        }

        static func toolCall(id: Int, _ fixture: CreditFixture) -> [UInt8] {
            Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"get_credit_events","arguments":{"from":"\#(fixture.fromText)","to":"\#(fixture.toText)"}}}"#.utf8)
        }

        @Test("Another tenant with A's session id gets 404 on POST, GET replay and DELETE")
        func foreignCallersGetTheUnknownSessionAnswer() async throws {
            let fixture = CreditFixture()
            try await StackUnderTest.with { stack in
                try await stack.control.ingest(fixture.events)
                let ownerClient = try await stack.adminClient(CreditFixture.tenantA)
                let session = try #require(await ownerClient.sessionID)

                // A's own call, over SSE: its event ids are what a replay would ask for.
                let own = try await stack.http.send(.POST, stack.mcpEndpoint, headers: Self.headers(session: session, tenant: CreditFixture.tenantA), body: Self.toolCall(id: 10, fixture))
                #expect(own.status == 200)
                #expect(own.text.contains("alice"), "A's own answer: \(own.text)")
                let eventIDs = own.text.split(separator: "\n").compactMap { line -> String? in
                    line.hasPrefix("id:") ? line.dropFirst(3).trimmingCharacters(in: .whitespaces) : nil
                }
                let unknown = try await stack.http.send(.POST, stack.mcpEndpoint, headers: Self.headers(session: "0123456789abcdef0123456789abcdef", tenant: CreditFixture.tenantB), body: Self.toolCall(id: 11, fixture))
                #expect(unknown.status == 404)

                // A short deadline: on failure the server would hold a replay stream open.
                let quick = HTTPRequester(timeout: .seconds(5))
                for intruder in [CreditFixture.tenantB, nil] {
                    let post = try await stack.http.send(.POST, stack.mcpEndpoint, headers: Self.headers(session: session, tenant: intruder), body: Self.toolCall(id: 12, fixture))
                    #expect(post.status == 404, "POST as \(intruder ?? "no tenant"): \(post.status) \(post.text)")
                    // The SDK encodes JSON keys in no fixed order: compare the parsed bodies.
                    let (foreign, expected) = (try post.json(), try unknown.json())
                    #expect(foreign["error"]?["message"] == expected["error"]?["message"] && foreign["error"]?["code"] == expected["error"]?["code"],
                            "a foreign session must read exactly like an unknown one: \(post.text)")

                    for lastEventID in eventIDs.isEmpty ? ["0"] : eventIDs {
                        let replay = try await quick.send(.GET, stack.mcpEndpoint, headers: Self.headers(session: session, tenant: intruder, extra: [("Last-Event-ID", lastEventID)]))
                        #expect(replay.status == 404, "GET replay as \(intruder ?? "no tenant"): \(replay.status)")
                        for marker in ["alice", "bob", "/download/", creditsText(fixture.expectedTotal)] {
                            #expect(!replay.text.contains(marker), "replay leaked \(marker): \(replay.text)")
                        }
                    }
                    let stream = try await quick.send(.GET, stack.mcpEndpoint, headers: Self.headers(session: session, tenant: intruder))
                    #expect(stream.status == 404)
                    let delete = try await stack.http.send(.DELETE, stack.mcpEndpoint, headers: Self.headers(session: session, tenant: intruder))
                    #expect(delete.status == 404)
                }

                // The intruders' DELETEs closed nothing: the owner's session still answers.
                let after = try await ownerClient.callTool("get_credit_usage_by_tenant", stringArguments: fixture.rangeArguments)
                #expect(!after.isError, "\(after.text)")
                #expect(after.text.contains(creditsText(fixture.expectedTotal)))
            }
        }

        @Test("A tenant past its session cap is refused with a reason; others still get in")
        func perTenantCap() async throws {
            var options = StackUnderTest.Options()
            options.mcpEnvironment["MCP_MAX_SESSIONS_PER_TENANT"] = "2"
            try await StackUnderTest.with(options) { stack in
                _ = try await stack.adminClient(CreditFixture.tenantA)
                _ = try await stack.adminClient(CreditFixture.tenantA)
                let third = MCPHTTPClient(endpoint: stack.mcpEndpoint, headers: ["X-Tenant-Id": CreditFixture.tenantA, "X-User-Groups": "Administrators"], requester: stack.http)
                do {
                    try await third.initialize()
                    Issue.record("a third session of tenant A was opened past the cap of 2")
                } catch let StackClientError.unexpectedStatus(_, status, body) {
                    #expect(status == 429)
                    #expect(body.contains("too many open MCP sessions for this tenant"), "\(body)")
                }
                _ = try await stack.adminClient(CreditFixture.tenantB)
            }
        }
    }
}
