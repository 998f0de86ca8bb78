import Foundation
import StackClients
import Testing

extension IntegrationTests {
    @Suite("fake-tais durability")
    struct TAISDurability {
        @Test("fake-tais survives kill -9: ledger, session, messages, tools and signing key intact after a restart on the same data file")
        func survivesKill9() async throws {
            try await TAISStack.with { stack in
                let setup = try await stack.chatSetup(credits: 20)
                var answers: [TAISMessage] = []
                for _ in 0..<3 { answers.append(try await setup.chat("How many credits did we use today?")) }
                let ledger = try await setup.client.allLedgerEntries(org: TAISStack.tenantA)
                let summary = try await setup.client.billingSummary(org: TAISStack.tenantA)
                let conversation = try await setup.client.messages(setup.session.id)
                let session = try await setup.client.session(setup.session.id)
                let jwks = try await stack.tais.jwks()
                #expect(ledger.count == 4 && summary.balanceCredits == 17, "\(summary) \(ledger)")

                let oldPID = stack.taisProcessNow.pid
                try await stack.restartTAIS(signal: SIGKILL)
                #expect(stack.taisProcessNow.pid != oldPID)

                // The token minted before the kill still verifies: the signing key was kept.
                let client = stack.tais.withToken(setup.caller.token)
                #expect(try await client.allLedgerEntries(org: TAISStack.tenantA) == ledger)
                #expect(try await client.billingSummary(org: TAISStack.tenantA) == summary)
                #expect(try await client.messages(setup.session.id) == conversation)
                #expect(try await client.session(setup.session.id) == session)
                #expect(try await client.listTools().map(\.id) == [setup.tool.id])
                #expect(try await stack.tais.jwks().keys == jwks.keys)

                // It carries on: one more message debits once more, and the outbox delivers every event once.
                let next = try await client.sendMessage(setup.session.id, "How many credits did we use today?")
                #expect(!answers.map(\.id).contains(next.id))
                #expect(try await client.billingSummary(org: TAISStack.tenantA).balanceCredits == 16)
                let delivered = try await waitUntil(timeout: .seconds(60), interval: .milliseconds(250)) {
                    try await stack.tais.outbox().pending == 0
                }
                let outboxNow = try await stack.tais.outbox()
                #expect(delivered, "\(outboxNow)")
                let events = try await stack.chatEvents(tenant: TAISStack.tenantA)
                #expect(events.count == 4 && Set(events.map(\.id)).count == 4, "\(events.map(\.id))")
            }
        }
    }
}
