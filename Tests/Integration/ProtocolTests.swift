import StackClients
import Testing

extension IntegrationTests {
    @Suite("MCP protocol")
    struct MCPProtocol {
        @Test("initialize opens a session; tools/list has the three tools, from/to only, no tenant parameter")
        func toolsList() async throws {
            try await StackUnderTest.with { stack in
                let client = MCPHTTPClient(endpoint: stack.mcpEndpoint, requester: stack.http)
                let result = try await client.initialize()
                #expect(await client.sessionID?.isEmpty == false)
                #expect(result["serverInfo"]?["name"]?.stringValue == "credits-mcp")
                #expect(result["capabilities"]?["tools"] != nil)

                let tools = try await client.listTools()
                #expect(Set(tools.map(\.name)) == ["get_credit_usage_by_tenant", "get_credit_usage_summary", "get_credit_events"])
                for tool in tools {
                    #expect(Set(tool.parameterNames) == ["from", "to"], "\(tool.name) takes \(tool.parameterNames)")
                    #expect(!(tool.description ?? "").isEmpty, "\(tool.name) has no description")
                }
                try await client.close()
            }
        }

        @Test("An older protocol version (2024-11-05) works too")
        func olderProtocolVersion() async throws {
            try await StackUnderTest.with { stack in
                let client = MCPHTTPClient(
                    endpoint: stack.mcpEndpoint, headers: [StackUnderTest.tenantHeader: "t", StackUnderTest.groupsHeader: "Administrators"],
                    protocolVersion: "2024-11-05", requester: stack.http)
                try await client.initialize()
                #expect(await client.negotiatedProtocolVersion == "2024-11-05")
                let result = try await client.callTool("get_credit_usage_by_tenant")
                #expect(!result.isError, "\(result.text)")
            }
        }
    }
}
