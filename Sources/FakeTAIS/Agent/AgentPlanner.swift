import Foundation

/// The chat agent's deterministic planner: pure rules, no I/O. docs/fake-tais.md ("Chat", steps 1–3, and
/// "Date phrases") describes exactly what it does.
public enum AgentPlanner {
    public static let totalsTool = "get_credit_usage_by_tenant"
    public static let summaryTool = "get_credit_usage_summary"
    public static let eventsTool = "get_credit_events"

    /// Plans the answer to `question`, reading dates relative to `now` (the fake clock).
    public static func decide(_ question: String, now: Date) -> AgentDecision {
        let (target, rest) = splitTarget(question)
        let tokens = DatePhrases.tokenize(rest)
        guard let tool = chooseTool(tokens) else { return .cannotAnswer(cannotAnswerReply) }
        let range = DatePhrases(tokens: tokens, now: now).range()
        return .plan(AgentPlan(
            tool: tool,
            from: Date(timeIntervalSince1970: TimeInterval(range.from)),
            to: Date(timeIntervalSince1970: TimeInterval(range.to)),
            targetToolName: target,
            rangeLabel: range.label
        ))
    }

    // MARK: - Step 1: which registered tool

    /// A leading `@name` (after whitespace; name = `[A-Za-z0-9._-]+`) and the rest of the question.
    /// A `@` not followed by a name character targets nothing and stays part of the text.
    static func splitTarget(_ question: String) -> (target: String?, rest: Substring) {
        let trimmed = question.drop(while: { $0.isWhitespace })
        guard trimmed.first == "@" else { return (nil, trimmed) }
        let afterAt = trimmed.dropFirst()
        let name = afterAt.prefix(while: isNameCharacter)
        guard !name.isEmpty else { return (nil, trimmed) }
        return (String(name), afterAt.dropFirst(name.count))
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        guard character.isASCII, let scalar = character.unicodeScalars.first else { return false }
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", ".", "_", "-": return true
        default: return false
        }
    }

    // MARK: - Step 2: which MCP tool

    /// At least one of these makes a question one about credits; without any, the agent cannot answer.
    static let topicWords: Set<String> = [
        "credit", "credits", "usage", "usages", "used", "using", "spend", "spends", "spent", "spending",
        "cost", "costs", "costing", "costed", "total", "totals", "consumption", "consume", "consumed", "consuming",
        "bill", "bills", "billed", "billing", "charge", "charged", "charges",
        "event", "events", "transaction", "transactions", "audit",
    ]
    /// Individual events: always `get_credit_events`.
    static let eventWords: Set<String> = [
        "event", "events", "audit", "trail", "log", "logs", "charges", "transaction", "transactions", "history",
        "itemized", "itemised", "entries",
    ]
    /// Individual events too, unless one of the next two words is a breakdown word ("each user", "list the top users").
    static let weakEventWords: Set<String> = ["each", "every", "individual", "list"]
    /// A breakdown: `get_credit_usage_summary` (when no event word decided first).
    static let breakdownWords: Set<String> = [
        "breakdown", "breakdowns", "who", "whom", "whose", "which", "top", "split", "grouped", "ranking", "ranked",
        "user", "users", "module", "modules", "product", "products", "skill", "skills",
    ]

    /// The MCP tool for these (lower-cased) words, or nil when they are not about credits.
    static func chooseTool(_ tokens: [String]) -> String? {
        guard tokens.contains(where: topicWords.contains) else { return nil }
        var breakdown = false
        for (index, token) in tokens.enumerated() {
            if eventWords.contains(token) { return eventsTool }
            if weakEventWords.contains(token) {
                let following = tokens.dropFirst(index + 1).prefix(2)
                if following.contains(where: breakdownWords.contains) {
                    breakdown = true
                } else {
                    return eventsTool
                }
            }
            if breakdownWords.contains(token) { breakdown = true }
            if token == "down", index > 0, tokens[index - 1] == "break" || tokens[index - 1] == "broken" {
                breakdown = true
            }
        }
        return breakdown ? summaryTool : totalsTool
    }

    // MARK: - The reply to anything else

    static let cannotAnswerReply = """
        I can only answer questions about your tenant's AI-credit usage, with the session's credits tool:
        - totals (get_credit_usage_by_tenant), e.g. "How many credits did we use this month?"
        - breakdowns by user, module, product or skill (get_credit_usage_summary), e.g. "Which users spent the most credits last week?"
        - individual credit events (get_credit_events), e.g. "List the credit events from yesterday."
        Time ranges I understand: today, yesterday, this week, last week, this month, last month, this quarter, \
        this year, last 7 days, past 24 hours, March 2026, Q1 2026, on March 5th, on 2026-03-05, since 2026-01-01, \
        since last month, between 2026-01-01 and 2026-01-31. Without one I use the last 7 days. \
        Start with @<tool name> to ask one particular registered tool.
        """
}
