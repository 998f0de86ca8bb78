import Foundation
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// fake-tais's tool registry on real processes: expiry on the fake clock and the plan's cap.
    @Suite("fake-tais tool registry")
    struct TAISRegistry {
        @Test("An expired registration: the chat answer says so, GET is 404, and PATCH with it is 422")
        func expiredRegistration() async throws {
            var options = TAISStack.Options()
            options.taisEnvironment["TAIS_TOOL_TTL_SECONDS"] = "60"
            try await TAISStack.with(options) { stack in
                let setup = try await stack.chatSetup()
                let created = try #require(RFC3339.parse(setup.tool.createdAt)?.seconds)
                #expect(RFC3339.parse(setup.tool.expiresAt)?.seconds == created + 60, "\(setup.tool)")
                #expect(setup.tool.tenantId == TAISStack.tenantA && setup.tool.createdBy == setup.caller.user, "\(setup.tool)")
                #expect(try await setup.client.tool(setup.tool.id) == setup.tool)

                try await stack.tais.advanceClock(seconds: 61)
                try await stack.control.clearRequests()
                let answer = try await withTimeLimit(.seconds(30)) { try await setup.chat("How many credits did we use?") }
                #expect(answer.content.lowercased().contains("expired"), "\(answer.content)")
                #expect(answer.toolCalls.allSatisfy { $0.isError }, "\(answer.toolCalls)")
                #expect(try await stack.openMeterReads() == 0, "an expired registration was called")

                await expectTAISFailure(404, "not_found", "GET of an expired registration") { try await setup.client.tool(setup.tool.id) }
                #expect(try await setup.client.listTools().isEmpty)
                let body = await expectTAISFailure(422, "invalid_tool_ids", "PATCH with an expired registration") {
                    try await setup.client.updateSession(setup.session.id, toolIds: [setup.tool.id])
                }
                #expect(body?.invalidToolIds == [setup.tool.id], "\(String(describing: body))")

                // Registering again is the renewal: a new id that answers.
                let renewed = try await setup.client.registerTool(name: "credits", url: stack.mcpEndpoint)
                #expect(renewed.id != setup.tool.id)
                let patched = try await setup.client.updateSession(setup.session.id, toolIds: [renewed.id])
                #expect(patched.toolIds == [renewed.id])
                let again = try await setup.chat("How many credits did we use?")
                #expect(again.toolCalls.first?.toolId == renewed.id && again.toolCalls.first?.isError == false, "\(again)")
            }
        }

        @Test("Past the plan's cap a new registration is 403 plan_limit_reached and the existing ones stay")
        func planCap() async throws {
            try await TAISStack.with { stack in
                let settings = try await stack.tais.setTenant(TAISStack.tenantA, toolCap: 2)
                #expect(settings.tenant == TAISStack.tenantA && settings.toolCap == 2, "\(settings)")
                let caller = try await stack.caller()
                let first = try await caller.client.registerTool(name: "one", url: stack.mcpEndpoint)
                let second = try await caller.client.registerTool(name: "two", url: stack.mcpEndpoint)
                let body = await expectTAISFailure(403, "plan_limit_reached", "a third registration with toolCap 2") {
                    try await caller.client.registerTool(name: "three", url: stack.mcpEndpoint)
                }
                #expect(body?.cap == 2 && body?.plan == settings.plan, "\(String(describing: body))")
                #expect(try await caller.client.listTools().map(\.id) == [first.id, second.id], "oldest first, both still live")
                let hosted = try await caller.client.billingSummary(org: TAISStack.tenantA).hostedServers
                #expect(hosted.used == 2 && hosted.cap == 2, "\(hosted)")

                // The cap is per tenant, and counts live registrations only.
                let other = try await stack.caller(TAISStack.tenantB)
                _ = try await other.client.registerTool(name: "one", url: stack.mcpEndpoint)
                try await caller.client.deleteTool(first.id)
                _ = try await caller.client.registerTool(name: "three", url: stack.mcpEndpoint)

                // The free plan's cap is 1.
                let free = try await stack.tais.setTenant(TAISStack.tenantB, plan: "free")
                #expect(free.plan == "free" && free.toolCap == 1, "\(free)")
                await expectTAISFailure(403, "plan_limit_reached", "a second registration on the free plan") {
                    try await other.client.registerTool(name: "two", url: stack.mcpEndpoint)
                }
            }
        }
    }
}

/// Runs `body`, failing with a timeout error when it takes longer than `limit` (a hang is a failure, not a stuck suite).
func withTimeLimit<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        guard let first = try await group.next(), let value = first else {
            group.cancelAll()
            throw StackTestError("did not finish within \(limit)")
        }
        group.cancelAll()
        return value
    }
}
