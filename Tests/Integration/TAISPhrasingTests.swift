import FakeTAIS
import Foundation
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// Questions typed into a real fake-tais session reach credits-mcp with the tool and the explicit
    /// range the agent's planner decides under fake-tais's frozen clock. The planner's own table
    /// (`AgentPlannerTests`) pins each range to literal dates; this suite proves the running service
    /// sends exactly that, end to end, for every phrasing.
    @Suite("fake-tais agent: phrasings to tool and range")
    struct TAISPhrasing {
        static let table: [(question: String, tool: String)] = [
            ("How many AI credits has my tenant used this month?", "get_credit_usage_by_tenant"),
            ("How many credits did we use last month?", "get_credit_usage_by_tenant"),
            ("What was our credit usage last week?", "get_credit_usage_by_tenant"),
            ("Total credits spent yesterday?", "get_credit_usage_by_tenant"),
            ("How many credits have we used today?", "get_credit_usage_by_tenant"),
            ("Credit usage since last month", "get_credit_usage_by_tenant"),
            ("How many credits did we use for January 2026?", "get_credit_usage_by_tenant"),
            ("Total credit usage in Q1 2026", "get_credit_usage_by_tenant"),
            ("How many credits did we use on January 15th?", "get_credit_usage_by_tenant"),
            ("Credits used in the last 30 days", "get_credit_usage_by_tenant"),
            ("Credits used between 2026-01-01 and 2026-01-31", "get_credit_usage_by_tenant"),
            ("How many credits did we use on 2026-02-03?", "get_credit_usage_by_tenant"),
            ("How many credits did we use?", "get_credit_usage_by_tenant"),
            ("Credit usage this year", "get_credit_usage_by_tenant"),
            ("Credits used in the past 24 hours", "get_credit_usage_by_tenant"),
            ("Which users used the most credits this month?", "get_credit_usage_summary"),
            ("Credit usage by module last month", "get_credit_usage_summary"),
            ("Breakdown of credits per product for Q1 2026", "get_credit_usage_summary"),
            ("Which skills cost the most credits yesterday?", "get_credit_usage_summary"),
            ("Who spent credits last week?", "get_credit_usage_summary"),
            ("Top users by credit usage since 2026-01-01", "get_credit_usage_summary"),
            ("Show me the credit events of yesterday", "get_credit_events"),
            ("List every credit charge today", "get_credit_events"),
            ("Audit trail of credit usage last week", "get_credit_events"),
            ("Individual credit transactions on January 15th", "get_credit_events"),
            ("Credit usage history for the last 7 days", "get_credit_events"),
            ("@credits how many credits did we use this month?", "get_credit_usage_by_tenant"),
        ]

        @Test("27 phrasings: each reaches credits-mcp with the planner's tool and explicit from/to")
        func phrasings() async throws {
            try await TAISStack.with { stack in
                // Frozen a minute in the past: tokens minted on fake-tais's clock stay valid for credits-mcp,
                // which reads the real one.
                let instant = (Int64(Date().timeIntervalSince1970) / 60 - 1) * 60
                _ = try await stack.tais.setClock(now: RFC3339.format(seconds: instant), frozen: true)
                let now = Date(timeIntervalSince1970: TimeInterval(instant))
                let setup = try await stack.chatSetup(credits: 100)
                for (question, tool) in Self.table {
                    guard case .plan(let plan) = AgentPlanner.decide(question, now: now) else {
                        Issue.record("the planner cannot answer \(question)")
                        continue
                    }
                    #expect(plan.tool == tool, "\(question): the planner picks \(plan.tool)")
                    let answer = try await setup.chat(question)
                    let call = try #require(answer.toolCalls.first, "\(question): no tool call: \(answer.content)")
                    #expect(call.toolName == tool, "\(question): called \(call.toolName)")
                    #expect(call.argument("from") == plan.arguments["from"] && call.argument("to") == plan.arguments["to"],
                            "\(question): sent \(call.arguments), planned \(plan.arguments)")
                    #expect(!call.isError, "\(question): \(answer.content)")
                }
            }
        }
    }
}
