import Foundation
import WireFormats

/// What the chat agent will do for one question: which credits-mcp tool it calls, over which range,
/// and (from a leading `@name`) which of the session's registered tools answers.
public struct AgentPlan: Sendable, Equatable {
    /// `get_credit_usage_by_tenant`, `get_credit_usage_summary` or `get_credit_events`.
    public var tool: String
    /// Start of the range (whole seconds, UTC).
    public var from: Date
    /// End of the range, exclusive (whole seconds, UTC); always after `from`.
    public var to: Date
    /// The name after a leading `@`; nil when the question does not start with one.
    public var targetToolName: String?
    /// The range in words, e.g. "this month" or "the last 7 days".
    public var rangeLabel: String

    public init(tool: String, from: Date, to: Date, targetToolName: String?, rangeLabel: String) {
        self.tool = tool
        self.from = from
        self.to = to
        self.targetToolName = targetToolName
        self.rangeLabel = rangeLabel
    }

    /// The MCP tool call's arguments: `from` and `to` as RFC 3339 UTC, whole seconds (`2026-03-01T00:00:00Z`).
    public var arguments: [String: String] {
        ["from": Self.rfc3339(from), "to": Self.rfc3339(to)]
    }

    private static func rfc3339(_ date: Date) -> String {
        RFC3339.format(seconds: Int64(date.timeIntervalSince1970.rounded(.down)))
    }
}

/// The planner's answer to a question.
public enum AgentDecision: Sendable, Equatable {
    case plan(AgentPlan)
    /// The question is not about credits: a reply saying what the agent can answer.
    case cannotAnswer(String)
}
