import Foundation
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// fake-tais's chat agent on real processes: a question goes JWT → fake-tais → credits-mcp (MCP_AUTH=jwt,
    /// verifying fake-tais's JWKS) → fake-openmeter, and the answer is credits-mcp's own text.
    @Suite("fake-tais chat")
    struct TAISChat {
        @Test("The tenant and groups reach credits-mcp from the JWT: an administrator gets the tenant's total, a non-admin credits-mcp's refusal")
        func identityFromTheToken() async throws {
            try await TAISStack.with { stack in
                let now = Int64(Date().timeIntervalSince1970)
                try await stack.control.ingest([
                    .credit(id: "seed-a", subject: TAISStack.tenantA, time: now - 3600, credits: 12.5, user: "ada", module: "chat", product: "p", skill: "s"),
                    .credit(id: "seed-b", subject: TAISStack.tenantB, time: now - 3600, credits: 777.25, user: "mallory", module: "chat", product: "p", skill: "s"),
                ])
                let admin = try await stack.chatSetup()
                let answer = try await admin.chat("How many credits did we use in the last 2 days?")
                #expect(answer.role == "assistant")
                let call = try #require(answer.toolCalls.first, "no tool call in \(answer)")
                #expect(call.toolName == "get_credit_usage_by_tenant" && !call.isError && call.toolId == admin.tool.id, "\(call)")
                let table = MarkdownAnswer(answer.content)
                #expect(table.header == ["tenant", "credits"], "\(answer.content)")
                #expect(table.rows == [[TAISStack.tenantA, "12.50"]], "\(answer.content)")
                #expect(!answer.content.contains("777") && !answer.content.contains(TAISStack.tenantB), "\(answer.content)")

                // credits-mcp asked OpenMeter for tenant A only: the tenant came from the token.
                let queries = try await stack.control.requests(matching: FaultSpec.meterQueryPath).entries
                #expect(!queries.isEmpty)
                for entry in queries {
                    let query = entry.query.removingPercentEncoding ?? entry.query
                    #expect(query.contains("subject=\(TAISStack.tenantA)") && !query.contains(TAISStack.tenantB), "\(query)")
                }

                // The same question from a non-administrator of A: credits-mcp refuses, and says so in the answer.
                try await stack.control.clearRequests()
                let reader = try await stack.caller(user: "bob", groups: ["Users"])
                let readerSession = try await reader.client.createSession(title: "reader", toolIds: [admin.tool.id])
                let refused = try await reader.client.sendMessage(readerSession.id, "How many credits did we use?")
                let refusedCall = try #require(refused.toolCalls.first, "no tool call in \(refused)")
                #expect(refusedCall.isError, "\(refused)")
                #expect(refused.content.contains("administrators only"), "\(refused.content)")
                #expect(try await stack.control.requests(matching: FaultSpec.meterQueryPath).entries.isEmpty, "OpenMeter was queried for a non-admin")
            }
        }

        @Test("The words pick the MCP tool, and a question about something else gets the 'what I can answer' reply without a tool call")
        func toolChoiceAndUnknownQuestions() async throws {
            try await TAISStack.with { stack in
                let setup = try await stack.chatSetup()
                let cases = [
                    ("Show me the credit events of yesterday", "get_credit_events"),
                    ("Which users used the most credits this week?", "get_credit_usage_summary"),
                    ("What was our total credit usage?", "get_credit_usage_by_tenant"),
                ]
                for (question, tool) in cases {
                    let answer = try await setup.chat(question)
                    #expect(answer.toolCalls.map(\.toolName) == [tool], "\(question): \(answer.toolCalls)")
                    #expect(answer.toolCalls.first?.isError == false, "\(question): \(answer.content)")
                }

                try await stack.control.clearRequests()
                let unknown = try await setup.chat("What's the weather like in Lisbon?")
                #expect(unknown.toolCalls.isEmpty, "\(unknown.toolCalls)")
                #expect(unknown.content.lowercased().contains("credit"), "the reply does not say what the agent answers: \(unknown.content)")
                #expect(try await stack.openMeterReads() == 0, "an unknown question reached credits-mcp and OpenMeter")
            }
        }

        @Test("Date phrases are sent as explicit from/to computed from fake-tais's clock")
        func datePhrasesAreExplicit() async throws {
            try await TAISStack.with { stack in
                // A fixed instant a minute in the past (tokens minted on it stay valid for credits-mcp, which
                // reads the real clock), moved to the previous month's last minute when it sits at a month's start.
                var instant = (Int64(Date().timeIntervalSince1970) / 60 - 1) * 60
                let start = RFC3339.civilFromDays(Int(instant / 86400))
                let startOfMonth = Int64(RFC3339.daysFromCivil(year: start.year, month: start.month, day: 1)) * 86400
                if instant - startOfMonth < 120 { instant = startOfMonth - 60 }
                try await stack.tais.setClock(now: RFC3339.format(seconds: instant), frozen: true)
                #expect(try await stack.tais.clock().now == RFC3339.format(seconds: instant))

                let setup = try await stack.chatSetup()
                let civil = RFC3339.civilFromDays(Int(instant / 86400))
                let today = instant / 86400 * 86400
                let monthStart = Int64(RFC3339.daysFromCivil(year: civil.year, month: civil.month, day: 1)) * 86400
                let lastMonth = civil.month == 1 ? (civil.year - 1, 12) : (civil.year, civil.month - 1)
                let lastMonthStart = Int64(RFC3339.daysFromCivil(year: lastMonth.0, month: lastMonth.1, day: 1)) * 86400
                let cases: [(String, Int64, Int64)] = [
                    ("How many credits did we use this month?", monthStart, instant),
                    ("How many credits did we use last month?", lastMonthStart, monthStart),
                    ("How many credits did we use yesterday?", today - 86400, today),
                    ("How many credits did we use?", instant - 7 * 86400, instant),
                    ("How many credits did we use between 2026-01-01 and 2026-01-31?", 1_767_225_600, 1_769_904_000),
                ]
                for (question, from, to) in cases {
                    let answer = try await setup.chat(question)
                    let call = try #require(answer.toolCalls.first, "\(question): no tool call: \(answer.content)")
                    let sentFrom = call.argument("from").flatMap(RFC3339.parse)?.seconds
                    let sentTo = call.argument("to").flatMap(RFC3339.parse)?.seconds
                    #expect(sentFrom == from && sentTo == to,
                            "\(question): sent \(call.arguments), expected from \(RFC3339.format(seconds: from)) to \(RFC3339.format(seconds: to))")
                    #expect(!call.isError, "\(question): \(answer.content)")
                }
            }
        }

        @Test("An Idempotency-Key retry returns the first answer and debits once")
        func idempotentRetry() async throws {
            try await TAISStack.with { stack in
                let setup = try await stack.chatSetup(credits: 10)
                let key = "retry-\(UUID().uuidString)"
                let first = try await setup.chat("How many credits did we use today?", idempotencyKey: key)
                let again = try await setup.chat("How many credits did we use today?", idempotencyKey: key)
                #expect(again == first, "the retry answered differently:\n\(first)\n\(again)")
                // Another text under the same key is not a retry: it is refused or gets the first answer, never a new one.
                let other = try await setup.client.sendMessageReply(setup.session.id, "List the credit events", idempotencyKey: key)
                if other.status == 200 {
                    #expect((try? other.json())?["id"]?.stringValue == first.id, "\(other.text)")
                } else {
                    #expect((400..<500).contains(other.status), "\(other.status) \(other.text)")
                }

                let usage = try await usageEntries(setup.client, TAISStack.tenantA)
                #expect(usage.count == 1, "\(usage)")
                let summary = try await setup.client.billingSummary(org: TAISStack.tenantA)
                #expect(summary.usedCredits == 1 && summary.balanceCredits == 9, "\(summary)")
                let assistant = try await setup.client.messages(setup.session.id).filter { $0.role == "assistant" }
                #expect(assistant.map(\.id) == [first.id], "\(assistant)")
                #expect(try await setup.client.session(setup.session.id).spentCredits == 1)

                // A new key is a new message.
                let fresh = try await setup.chat("How many credits did we use today?", idempotencyKey: key + "-2")
                #expect(fresh.id != first.id)
                #expect(try await usageEntries(setup.client, TAISStack.tenantA).count == 2)
            }
        }
    }
}
