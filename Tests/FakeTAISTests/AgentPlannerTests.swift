import Foundation
import Testing
import WireFormats
@testable import FakeTAIS

/// The chat agent's planner against docs/fake-tais.md ("Chat" steps 1–3, "Date phrases").
/// Every expected value is written out by hand.
@Suite struct AgentPlannerTests {
    /// A Wednesday afternoon: today is 2026-03-18, this week began Monday 2026-03-16.
    static let wednesday = "2026-03-18T14:25:36Z"

    struct Phrase: Sendable, CustomTestStringConvertible {
        var question: String
        var now: String = AgentPlannerTests.wednesday
        var from: String
        var to: String
        var label: String
        var testDescription: String { "\(question) @ \(now)" }
    }

    static func date(_ text: String) -> Date {
        guard let parsed = RFC3339.parse(text) else { fatalError("bad test date \(text)") }
        return Date(timeIntervalSince1970: TimeInterval(parsed.seconds) + TimeInterval(parsed.nanos) / 1e9)
    }

    static func plan(_ question: String, now: String = wednesday) -> AgentPlan? {
        guard case .plan(let plan) = AgentPlanner.decide(question, now: date(now)) else { return nil }
        return plan
    }

    // MARK: - Date phrases, now = Wednesday 2026-03-18T14:25:36Z

    static let phrases: [Phrase] = [
        // (none): the last 7 days
        Phrase(question: "How many credits did we use?", from: "2026-03-11T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the last 7 days"),
        Phrase(question: "May I see our credit usage?", from: "2026-03-11T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the last 7 days"),
        // calendar words
        Phrase(question: "credits used today", from: "2026-03-18T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "today"),
        Phrase(question: "What did we spend yesterday?", from: "2026-03-17T00:00:00Z", to: "2026-03-18T00:00:00Z", label: "yesterday"),
        Phrase(question: "Total usage this week", from: "2026-03-16T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "this week"),
        Phrase(question: "credits last week", from: "2026-03-09T00:00:00Z", to: "2026-03-16T00:00:00Z", label: "last week"),
        Phrase(question: "How many credits this month?", from: "2026-03-01T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "this month"),
        Phrase(question: "THIS MONTH?? credits!", from: "2026-03-01T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "this month"),
        Phrase(question: "usage last month", from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z", label: "last month"),
        Phrase(question: "usage in the previous month", from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z", label: "last month"),
        Phrase(question: "spend since last month", from: "2026-02-01T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "since last month"),
        Phrase(question: "credits this quarter", from: "2026-01-01T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "this quarter"),
        Phrase(question: "credits last quarter", from: "2025-10-01T00:00:00Z", to: "2026-01-01T00:00:00Z", label: "last quarter"),
        Phrase(question: "credits this year", from: "2026-01-01T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "this year"),
        Phrase(question: "credits year to date", from: "2026-01-01T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "this year"),
        Phrase(question: "credits MTD", from: "2026-03-01T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "this month"),
        Phrase(question: "credits last year", from: "2025-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z", label: "last year"),
        // rolling
        Phrase(question: "credits in the last 30 days", from: "2026-02-16T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the last 30 days"),
        Phrase(question: "credits over the past 24 hours", from: "2026-03-17T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the last 24 hours"),
        Phrase(question: "credits last 24h", from: "2026-03-17T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the last 24 hours"),
        Phrase(question: "credits past 2 weeks", from: "2026-03-04T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the last 2 weeks"),
        Phrase(question: "credits last two days", from: "2026-03-16T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the last 2 days"),
        Phrase(question: "credits last 90 days", from: "2025-12-18T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the last 90 days"),
        Phrase(question: "credits last 3 months", from: "2025-12-18T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the last 3 months"),
        Phrase(question: "credits in the past week", from: "2026-03-11T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the past week"),
        Phrase(question: "credits in the last hour", from: "2026-03-18T13:25:36Z", to: "2026-03-18T14:25:36Z", label: "the past hour"),
        Phrase(question: "credits in the last day", from: "2026-03-17T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the past day"),
        // months, quarters, years
        Phrase(question: "credits for January 2026", from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", label: "January 2026"),
        Phrase(question: "usage in Jan 2026?", from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", label: "January 2026"),
        Phrase(question: "usage in Sept of 2025", from: "2025-09-01T00:00:00Z", to: "2025-10-01T00:00:00Z", label: "September 2025"),
        Phrase(question: "credits in February", from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z", label: "February 2026"),
        Phrase(question: "credits in May", from: "2025-05-01T00:00:00Z", to: "2025-06-01T00:00:00Z", label: "May 2025"),
        Phrase(question: "Q1 2026 credits", from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z", label: "Q1 2026"),
        Phrase(question: "spend in q4 2026", from: "2026-10-01T00:00:00Z", to: "2027-01-01T00:00:00Z", label: "Q4 2026"),
        Phrase(question: "credits 2025-Q3", from: "2025-07-01T00:00:00Z", to: "2025-10-01T00:00:00Z", label: "Q3 2025"),
        Phrase(question: "Q2 credits", from: "2025-04-01T00:00:00Z", to: "2025-07-01T00:00:00Z", label: "Q2 2025"),
        Phrase(question: "credits in 2025", from: "2025-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z", label: "2025"),
        Phrase(question: "more than 2000 credits?", from: "2026-03-11T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the last 7 days"),
        // single days
        Phrase(question: "credits on January 15th", from: "2026-01-15T00:00:00Z", to: "2026-01-16T00:00:00Z", label: "January 15, 2026"),
        Phrase(question: "credits on Jan 15", from: "2026-01-15T00:00:00Z", to: "2026-01-16T00:00:00Z", label: "January 15, 2026"),
        Phrase(question: "credits on 15 January 2026", from: "2026-01-15T00:00:00Z", to: "2026-01-16T00:00:00Z", label: "January 15, 2026"),
        Phrase(question: "credits on January 15th, 2026.", from: "2026-01-15T00:00:00Z", to: "2026-01-16T00:00:00Z", label: "January 15, 2026"),
        Phrase(question: "credits on 2026-01-15", from: "2026-01-15T00:00:00Z", to: "2026-01-16T00:00:00Z", label: "January 15, 2026"),
        Phrase(question: "usage for the 1st of March", from: "2026-03-01T00:00:00Z", to: "2026-03-02T00:00:00Z", label: "March 1, 2026"),
        Phrase(question: "credits on Feb 2nd 2026", from: "2026-02-02T00:00:00Z", to: "2026-02-03T00:00:00Z", label: "February 2, 2026"),
        Phrase(question: "credits on the 3rd of feb", from: "2026-02-03T00:00:00Z", to: "2026-02-04T00:00:00Z", label: "February 3, 2026"),
        Phrase(question: "credits on March 18", from: "2026-03-18T00:00:00Z", to: "2026-03-19T00:00:00Z", label: "March 18, 2026"),
        Phrase(question: "credits on March 19th", from: "2025-03-19T00:00:00Z", to: "2025-03-20T00:00:00Z", label: "March 19, 2025"),
        Phrase(question: "credits on December 25th", from: "2025-12-25T00:00:00Z", to: "2025-12-26T00:00:00Z", label: "December 25, 2025"),
        Phrase(question: "credits on Feb 29", from: "2024-02-29T00:00:00Z", to: "2024-03-01T00:00:00Z", label: "February 29, 2024"),
        // since, between, from … to
        Phrase(question: "credits since 2026-01-01", from: "2026-01-01T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "since January 1, 2026"),
        Phrase(question: "credits since yesterday", from: "2026-03-17T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "since yesterday"),
        Phrase(question: "credits since Jan 15", from: "2026-01-15T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "since January 15, 2026"),
        Phrase(question: "credits between 2026-01-01 and 2026-01-31", from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", label: "January 1, 2026 to January 31, 2026"),
        Phrase(question: "credits from 2026-01-01 to 2026-01-31", from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", label: "January 1, 2026 to January 31, 2026"),
        Phrase(question: "credits between 2026-01-31 and 2026-01-01", from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z", label: "January 1, 2026 to January 31, 2026"),
        Phrase(question: "credits from January to March", from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z", label: "January 2026 to March 2026"),
        Phrase(question: "credits between Dec 20 and Jan 5", from: "2025-12-20T00:00:00Z", to: "2026-01-06T00:00:00Z", label: "December 20, 2025 to January 5, 2026"),
        Phrase(question: "credits March 1 to March 10", from: "2026-03-01T00:00:00Z", to: "2026-03-11T00:00:00Z", label: "March 1, 2026 to March 10, 2026"),
        Phrase(question: "credits from 2026-03-01 to now", from: "2026-03-01T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "March 1, 2026 to now"),
        // Today to now ends now, not at midnight tonight.
        Phrase(question: "credits between Mar 18 and now", from: "2026-03-18T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "March 18, 2026 to now"),
        Phrase(question: "credits from last month", from: "2026-02-01T00:00:00Z", to: "2026-03-01T00:00:00Z", label: "last month"),
        // the first phrase counts
        Phrase(question: "credits today vs yesterday", from: "2026-03-18T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "today"),
        // invalid days are no phrase
        Phrase(question: "credits on 2026-02-30", from: "2026-03-11T14:25:36Z", to: "2026-03-18T14:25:36Z", label: "the last 7 days"),
    ]

    @Test(arguments: phrases)
    func datePhrase(_ phrase: Phrase) throws {
        let plan = try #require(Self.plan(phrase.question, now: phrase.now))
        #expect(plan.arguments == ["from": phrase.from, "to": phrase.to])
        #expect(plan.rangeLabel == phrase.label)
        #expect(plan.tool == "get_credit_usage_by_tenant")
        #expect(plan.targetToolName == nil)
    }

    // MARK: - Other nows: boundaries of days, weeks, months, years

    static let boundaries: [Phrase] = [
        // New Year's midnight, a Thursday: the ranges that run until now are one second long.
        Phrase(question: "credits today", now: "2026-01-01T00:00:00Z", from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:00:01Z", label: "today"),
        Phrase(question: "credits this month", now: "2026-01-01T00:00:00Z", from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:00:01Z", label: "this month"),
        Phrase(question: "credits this year", now: "2026-01-01T00:00:00Z", from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:00:01Z", label: "this year"),
        Phrase(question: "credits yesterday", now: "2026-01-01T00:00:00Z", from: "2025-12-31T00:00:00Z", to: "2026-01-01T00:00:00Z", label: "yesterday"),
        Phrase(question: "credits this week", now: "2026-01-01T00:00:00Z", from: "2025-12-29T00:00:00Z", to: "2026-01-01T00:00:00Z", label: "this week"),
        Phrase(question: "credits last week", now: "2026-01-01T00:00:00Z", from: "2025-12-22T00:00:00Z", to: "2025-12-29T00:00:00Z", label: "last week"),
        Phrase(question: "credits last month", now: "2026-01-01T00:00:00Z", from: "2025-12-01T00:00:00Z", to: "2026-01-01T00:00:00Z", label: "last month"),
        Phrase(question: "credits last quarter", now: "2026-01-01T00:00:00Z", from: "2025-10-01T00:00:00Z", to: "2026-01-01T00:00:00Z", label: "last quarter"),
        Phrase(question: "credits last year", now: "2026-01-01T00:00:00Z", from: "2025-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z", label: "last year"),
        Phrase(question: "credits on January 1st", now: "2026-01-01T00:00:00Z", from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", label: "January 1, 2026"),
        Phrase(question: "credits on December 31", now: "2026-01-01T00:00:00Z", from: "2025-12-31T00:00:00Z", to: "2026-01-01T00:00:00Z", label: "December 31, 2025"),
        Phrase(question: "credits in December", now: "2026-01-01T00:00:00Z", from: "2025-12-01T00:00:00Z", to: "2026-01-01T00:00:00Z", label: "December 2025"),
        // Monday midnight: this week has just begun.
        Phrase(question: "credits this week", now: "2026-03-16T00:00:00Z", from: "2026-03-16T00:00:00Z", to: "2026-03-16T00:00:01Z", label: "this week"),
        Phrase(question: "credits last week", now: "2026-03-16T00:00:00Z", from: "2026-03-09T00:00:00Z", to: "2026-03-16T00:00:00Z", label: "last week"),
        // A fraction before midnight on a Sunday: the day is still the 31st, `to` rounds up.
        Phrase(question: "credits today", now: "2024-03-31T23:59:59.400Z", from: "2024-03-31T00:00:00Z", to: "2024-04-01T00:00:00Z", label: "today"),
        Phrase(question: "credits this week", now: "2024-03-31T23:59:59.400Z", from: "2024-03-25T00:00:00Z", to: "2024-04-01T00:00:00Z", label: "this week"),
        Phrase(question: "credits last month", now: "2024-03-31T23:59:59.400Z", from: "2024-02-01T00:00:00Z", to: "2024-03-01T00:00:00Z", label: "last month"),
        // The 31st: a calendar month back lands on the last day of a shorter month.
        Phrase(question: "credits in the past month", now: "2026-03-31T10:00:00Z", from: "2026-02-28T10:00:00Z", to: "2026-03-31T10:00:00Z", label: "the past month"),
        Phrase(question: "credits last 3 months", now: "2026-03-31T10:00:00Z", from: "2025-12-31T10:00:00Z", to: "2026-03-31T10:00:00Z", label: "the last 3 months"),
        // A leap day.
        Phrase(question: "credits yesterday", now: "2028-03-01T12:00:00Z", from: "2028-02-29T00:00:00Z", to: "2028-03-01T00:00:00Z", label: "yesterday"),
        Phrase(question: "credits on Feb 29", now: "2028-03-01T12:00:00Z", from: "2028-02-29T00:00:00Z", to: "2028-03-01T00:00:00Z", label: "February 29, 2028"),
        Phrase(question: "credits in the past year", now: "2028-03-01T12:00:00Z", from: "2027-03-01T12:00:00Z", to: "2028-03-01T12:00:00Z", label: "the past year"),
        // A range in the future stays as asked; one before 1970 starts at 1970.
        Phrase(question: "credits since 2026-06-01", from: "2026-06-01T00:00:00Z", to: "2026-06-01T00:00:01Z", label: "since June 1, 2026"),
        Phrase(question: "credits last 999999 weeks", from: "1970-01-01T00:00:00Z", to: "2026-03-18T14:25:36Z", label: "the last 999999 weeks"),
    ]

    @Test(arguments: boundaries)
    func boundary(_ phrase: Phrase) throws {
        let plan = try #require(Self.plan(phrase.question, now: phrase.now))
        #expect(plan.arguments == ["from": phrase.from, "to": phrase.to])
        #expect(plan.rangeLabel == phrase.label)
        #expect(plan.from < plan.to)
    }

    // MARK: - Which MCP tool

    @Test(arguments: [
        ("How many credits did we use last month?", "get_credit_usage_by_tenant"),
        ("total spend", "get_credit_usage_by_tenant"),
        ("How much did we spend, by tenant?", "get_credit_usage_by_tenant"),
        ("What did it cost us?", "get_credit_usage_by_tenant"),
        ("Show me every credit event from yesterday", "get_credit_events"),
        ("audit trail for this week", "get_credit_events"),
        ("list the charges", "get_credit_events"),
        ("credit transactions in January 2026", "get_credit_events"),
        ("list credits used yesterday", "get_credit_events"),
        ("show the credit history", "get_credit_events"),
        ("credits for every module, with events", "get_credit_events"),
        ("which users spent the most credits", "get_credit_usage_summary"),
        ("credits by user", "get_credit_usage_summary"),
        ("breakdown of spend per module", "get_credit_usage_summary"),
        ("top skills by cost", "get_credit_usage_summary"),
        ("who used the most?", "get_credit_usage_summary"),
        ("credits for each user", "get_credit_usage_summary"),
        ("list the top users by credits", "get_credit_usage_summary"),
        ("what did individual users spend", "get_credit_usage_summary"),
        ("usage per product and module", "get_credit_usage_summary"),
        ("break down the spend", "get_credit_usage_summary"),
    ])
    func toolChoice(question: String, tool: String) throws {
        let plan = try #require(Self.plan(question))
        #expect(plan.tool == tool)
    }

    // MARK: - @-targeting

    @Test(arguments: [
        ("@credits-mcp how many credits today?", "credits-mcp", "get_credit_usage_by_tenant", "2026-03-18T00:00:00Z", "2026-03-18T14:25:36Z"),
        ("   @my_tool.v2: events yesterday", "my_tool.v2", "get_credit_events", "2026-03-17T00:00:00Z", "2026-03-18T00:00:00Z"),
        ("\n@Credits-MCP credits by user", "Credits-MCP", "get_credit_usage_summary", "2026-03-11T14:25:36Z", "2026-03-18T14:25:36Z"),
        ("@q1 credits", "q1", "get_credit_usage_by_tenant", "2026-03-11T14:25:36Z", "2026-03-18T14:25:36Z"),
        ("@tool1@tool2 credits this month", "tool1", "get_credit_usage_by_tenant", "2026-03-01T00:00:00Z", "2026-03-18T14:25:36Z"),
    ] as [(String, String, String, String, String)])
    func targeted(question: String, name: String, tool: String, from: String, to: String) throws {
        let plan = try #require(Self.plan(question))
        #expect(plan.targetToolName == name)
        #expect(plan.tool == tool)
        #expect(plan.arguments == ["from": from, "to": to])
    }

    @Test(arguments: ["credits for @credits-mcp today", "@ credits today", "x @credits-mcp credits today"])
    func notTargeted(question: String) throws {
        let plan = try #require(Self.plan(question))
        #expect(plan.targetToolName == nil)
        #expect(plan.arguments == ["from": "2026-03-18T00:00:00Z", "to": "2026-03-18T14:25:36Z"])
    }

    // MARK: - Questions it cannot answer

    @Test(arguments: [
        "what's the weather?", "", "   ", "hello there", "who won the game last week?", "@credits-mcp",
        "list your favourite movies", "show the log for yesterday", "How do I use this?",
    ])
    func cannotAnswer(question: String) throws {
        let decision = AgentPlanner.decide(question, now: Self.date(Self.wednesday))
        guard case .cannotAnswer(let reply) = decision else {
            Issue.record("planned \(decision) for \(question)")
            return
        }
        for needle in ["get_credit_usage_by_tenant", "get_credit_usage_summary", "get_credit_events", "last 7 days", "@<tool name>", "Q1 2026"] {
            #expect(reply.contains(needle), "reply lacks \(needle)")
        }
    }

    // MARK: - The plan's values

    @Test func planValues() throws {
        let plan = try #require(Self.plan("@credits-mcp credits in Jan 2026"))
        #expect(plan == AgentPlan(
            tool: "get_credit_usage_by_tenant",
            from: Date(timeIntervalSince1970: 1_767_225_600),
            to: Date(timeIntervalSince1970: 1_769_904_000),
            targetToolName: "credits-mcp",
            rangeLabel: "January 2026"
        ))
    }
}
