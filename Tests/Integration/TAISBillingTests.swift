import Foundation
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// fake-tais's prepaid ledger on real processes: one debit per answered message, its credit event in
    /// OpenMeter, and 402 with nothing debited when the balance or the session's budget runs out.
    @Suite("fake-tais billing")
    struct TAISBilling {
        @Test("Each answered message debits once, and its credit event reaches OpenMeter's event list and meter query")
        func debitAndEvent() async throws {
            try await TAISStack.with { stack in
                let setup = try await stack.chatSetup(credits: 50)
                let answer = try await setup.chat("How many credits did we use this week?")
                #expect(answer.creditsCharged == 1, "\(answer)")
                let skill = try #require(answer.toolCalls.first?.toolName)

                let summary = try await setup.client.billingSummary(org: TAISStack.tenantA)
                #expect(summary.orgId == TAISStack.tenantA && summary.usedCredits == 1 && summary.balanceCredits == 49, "\(summary)")
                #expect(summary.creditsPerUsd == 100 && summary.plan == "team" && summary.hostedServers.used == 1 && summary.hostedServers.cap == 10, "\(summary)")
                let ledger = try await setup.client.ledger(org: TAISStack.tenantA)
                #expect(ledger.total == 2 && ledger.items.map(\.category) == ["usage", "grant"], "newest first: \(ledger)")
                let usage = try #require(ledger.items.first)
                #expect(abs(usage.credits) == 1 && usage.balanceAfter == 49 && usage.sessionId == setup.session.id, "\(usage)")
                let conversation = try await setup.client.messages(setup.session.id)
                #expect(conversation.map(\.role) == ["user", "assistant"], "\(conversation)")
                #expect(conversation.last?.id == answer.id && conversation.first?.content == "How many credits did we use this week?")
                let messageIDs = Set(conversation.compactMap(\.id))
                #expect(usage.messageId.map(messageIDs.contains) == true, "the usage entry names message \(usage.messageId ?? "nil"), not one of \(messageIDs)")

                // The outbox delivers it once; OpenMeter lists it and the meter counts it.
                let delivered = try await waitUntil(timeout: .seconds(30)) {
                    let outbox = try await stack.tais.outbox()
                    return outbox.pending == 0 && outbox.delivered == 1
                }
                let outboxNow = try await stack.tais.outbox()
                #expect(delivered, "outbox: \(outboxNow)")
                let events = try await stack.chatEvents(tenant: TAISStack.tenantA)
                try #require(events.count == 1, "\(events)")
                let event = events[0]
                #expect(event.id.hasPrefix("chat-") && messageIDs.contains(String(event.id.dropFirst(5))), "event id \(event.id), messages \(messageIDs)")
                #expect(event.type == "ai_credits" && event.subject == TAISStack.tenantA)
                #expect(event.data["credits"] == .number(1) && event.data["user"]?.stringValue == setup.caller.user, "\(event.data)")
                #expect(event.data["module"]?.stringValue == "chat" && event.data["product"]?.stringValue == "tais", "\(event.data)")
                #expect(event.data["tenant"]?.stringValue == TAISStack.tenantA && event.data["skill"]?.stringValue == skill, "\(event.data)")
                #expect(try await stack.meterTotals(tenant: TAISStack.tenantA, groupBy: "module") == ["chat": 1])

                // A second message is a second debit and a second event.
                _ = try await setup.chat("How many credits did we use today?")
                #expect(try await usageEntries(setup.client, TAISStack.tenantA).count == 2)
                let both = try await waitUntil(timeout: .seconds(30)) { try await stack.meterTotals(tenant: TAISStack.tenantA, groupBy: "module") == ["chat": 2] }
                let meterNow = try await stack.meterTotals(tenant: TAISStack.tenantA, groupBy: "module")
                #expect(both, "meter: \(meterNow)")
            }
        }

        @Test("No credits left: 402 credits_exhausted, nothing answered or debited")
        func balanceExhausted() async throws {
            try await TAISStack.with { stack in
                let setup = try await stack.chatSetup(credits: 2)
                _ = try await setup.chat("How many credits did we use?")
                _ = try await setup.chat("How many credits did we use?")
                try await stack.control.clearRequests()
                await expectTAISFailure(402, "credits_exhausted", "third message with a balance of 0") {
                    try await setup.chat("How many credits did we use?")
                }
                #expect(try await stack.control.requests(matching: FaultSpec.meterQueryPath).entries.isEmpty, "the refused message was answered")
                #expect(try await usageEntries(setup.client, TAISStack.tenantA).count == 2)
                let summary = try await setup.client.billingSummary(org: TAISStack.tenantA)
                #expect(summary.balanceCredits == 0 && summary.usedCredits == 2, "\(summary)")
                #expect(try await setup.client.messages(setup.session.id).filter { $0.role == "assistant" }.count == 2)
                let outbox = try await stack.tais.outbox()
                #expect(outbox.pending + outbox.delivered == 2, "\(outbox)")

                // A grant makes it answer again.
                try await stack.tais.grant(tenant: TAISStack.tenantA, credits: 1)
                #expect(try await setup.chat("How many credits did we use?").creditsCharged == 1)
            }
        }

        @Test("A session's budget spent: 402 credits_exhausted with nothing debited; removing the budget lifts it")
        func budgetExhausted() async throws {
            try await TAISStack.with { stack in
                let setup = try await stack.chatSetup(credits: 100, budgetCredits: 1)
                #expect(setup.session.budgetCredits == 1)
                _ = try await setup.chat("How many credits did we use?")
                await expectTAISFailure(402, "credits_exhausted", "second message in a session with a budget of 1") {
                    try await setup.chat("How many credits did we use?")
                }
                let session = try await setup.client.session(setup.session.id)
                #expect(session.spentCredits == 1 && session.budgetCredits == 1, "\(session)")
                #expect(try await usageEntries(setup.client, TAISStack.tenantA).count == 1)
                #expect(try await setup.client.billingSummary(org: TAISStack.tenantA).balanceCredits == 99)

                // Another session of the tenant is not limited by it.
                let other = try await setup.client.createSession(title: "no budget", toolIds: [setup.tool.id])
                _ = try await setup.client.sendMessage(other.id, "How many credits did we use?")

                let lifted = try await setup.client.updateSession(setup.session.id, toolIds: [setup.tool.id], budgetCredits: .remove)
                #expect(lifted.budgetCredits == nil, "\(lifted)")
                _ = try await setup.chat("How many credits did we use?")
                #expect(try await usageEntries(setup.client, TAISStack.tenantA).count == 3)
            }
        }
    }
}
