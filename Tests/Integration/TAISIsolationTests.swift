import Foundation
import StackClients
import Testing

extension IntegrationTests {
    /// Another tenant's objects do not exist for a caller: 404, never 403, and never their data.
    @Suite("fake-tais tenant isolation")
    struct TAISIsolation {
        @Test("Another tenant's sessions, messages, tools, summary and ledger are 404; its tool ids are 422 in a PATCH")
        func foreignObjectsAre404() async throws {
            try await TAISStack.with { stack in
                let a = try await stack.chatSetup(TAISStack.tenantA)
                _ = try await a.chat("How many credits did we use?")
                let b = try await stack.caller(TAISStack.tenantB, user: "mallory")
                let session = a.session.id, tool = a.tool.id, org = TAISStack.tenantA
                let client = b.client

                await expectTAISFailure(404, "not_found", "GET foreign session") { try await client.session(session) }
                await expectTAISFailure(404, "not_found", "PATCH foreign session") { try await client.updateSession(session, toolIds: []) }
                await expectTAISFailure(404, "not_found", "GET foreign messages") { try await client.messages(session) }
                await expectTAISFailure(404, "not_found", "POST to a foreign session") { try await client.sendMessage(session, "How many credits did we use?") }
                await expectTAISFailure(404, "not_found", "GET foreign tool") { try await client.tool(tool) }
                await expectTAISFailure(404, "not_found", "DELETE foreign tool") { try await client.deleteTool(tool) }
                await expectTAISFailure(404, "not_found", "GET foreign summary") { try await client.billingSummary(org: org) }
                await expectTAISFailure(404, "not_found", "GET foreign ledger") { try await client.ledger(org: org) }
                await expectTAISFailure(404, "not_found", "GET foreign usage ledger") { try await client.ledger(org: org, category: "usage") }
                #expect(try await client.listTools().isEmpty)

                // B's tool id in A's session.
                let foreignTool = try await client.registerTool(name: "credits", url: stack.mcpEndpoint)
                let body = await expectTAISFailure(422, "invalid_tool_ids", "PATCH with another tenant's tool id") {
                    try await a.client.updateSession(session, toolIds: [tool, foreignTool.id, "tool_unknown"])
                }
                #expect(Set(body?.invalidToolIds ?? []) == [foreignTool.id, "tool_unknown"], "\(String(describing: body))")

                // Nothing of A's changed, and B's own ledger is empty.
                #expect(try await a.client.session(session).toolIds == [tool])
                #expect(try await a.client.tool(tool).id == tool)
                #expect(try await a.client.messages(session).count == 2)
                #expect(try await usageEntries(a.client, org).count == 1)
                #expect(try await client.ledger(org: TAISStack.tenantB).total == 0)
            }
        }
    }
}
