import Foundation
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// fake-tais's OpenMeter outbox on real processes: chats stay answered while OpenMeter refuses events, and
    /// every event arrives exactly once when it is back.
    @Suite("fake-tais outbox")
    struct TAISOutbox {
        @Test("OpenMeter failing on events during 5 chats, then back: every event arrives once")
        func outageThenRecovery() async throws {
            try await TAISStack.with { stack in
                let setup = try await stack.chatSetup()
                let fault = try await stack.control.addFault(FaultSpec(path: "/api/v1/events", status: 503))
                var answers: [TAISMessage] = []
                for index in 0..<5 {
                    let answer = try await setup.chat("How many credits did we use in the last \(index + 1) days?")
                    #expect(answer.toolCalls.first?.isError == false, "chats still answer: \(answer.content)")
                    answers.append(answer)
                }
                let queued = try await waitUntil(timeout: .seconds(10)) { try await stack.tais.outbox().pending == 5 }
                let during = try await stack.tais.outbox()
                #expect(queued && during.delivered == 0, "outbox during the outage: \(during)")
                #expect(try await usageEntries(setup.client, TAISStack.tenantA).count == 5, "debits do not wait for OpenMeter")
                let refused = try await stack.control.requests(matching: "/api/v1/events").entries
                #expect(!refused.isEmpty && refused.allSatisfy { $0.status == 503 }, "fake-tais did not try to deliver: \(refused)")

                try await stack.control.removeFault(id: fault)
                let drained = try await waitUntil(timeout: .seconds(90), interval: .milliseconds(250)) {
                    try await stack.tais.outbox().pending == 0
                }
                let after = try await stack.tais.outbox()
                #expect(drained && after.delivered == 5, "outbox after the outage: \(after)")

                let events = try await stack.chatEvents(tenant: TAISStack.tenantA)
                #expect(events.count == 5 && Set(events.map(\.id)).count == 5, "\(events.map(\.id))")
                let conversation = try await setup.client.messages(setup.session.id)
                let messageIDs = Set(conversation.compactMap(\.id))
                #expect(events.allSatisfy { $0.id.hasPrefix("chat-") && messageIDs.contains(String($0.id.dropFirst(5))) }, "\(events.map(\.id))")
                #expect(try await stack.meterTotals(tenant: TAISStack.tenantA, groupBy: "module") == ["chat": 5])
                #expect(answers.count == 5)
            }
        }
    }
}
