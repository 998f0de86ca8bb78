import MCP

/// The three tools; names, parameters and columns are fixed by the contract.
public enum CreditTool: String, CaseIterable, Sendable {
    case usageByTenant = "get_credit_usage_by_tenant"
    case usageSummary = "get_credit_usage_summary"
    case events = "get_credit_events"

    public var columns: [ReportColumn] {
        switch self {
        case .usageByTenant:
            [ReportColumn(name: "tenant", kind: .text), ReportColumn(name: "credits", kind: .credits)]
        case .usageSummary:
            ["user", "module", "product", "tenant", "skill"].map { ReportColumn(name: $0, kind: .text) } + [ReportColumn(name: "credits", kind: .credits)]
        case .events:
            [ReportColumn(name: "time", kind: .dateTime)]
                + ["user", "module", "product", "tenant"].map { ReportColumn(name: $0, kind: .text) }
                + [ReportColumn(name: "credits", kind: .credits)]
        }
    }

    var toolDescription: String {
        switch self {
        case .usageByTenant:
            """
            Total AI credits your tenant used in a time range: one row (tenant, credits). Use it for questions like \
            "how many AI credits have we used this month?" or "what is our credit total since Monday?". \
            The tenant is always the caller's own; administrators only. Returns a markdown table and an Excel download link.
            """
        case .usageSummary:
            """
            AI credits your tenant used in a time range, broken down by user, module, product, tenant and skill \
            (one row per combination, largest first, with a total). Use it for "who used the most credits?", \
            "which module or skill costs the most?", "breakdown by user/product". Administrators only. \
            Returns a markdown preview (first rows) and an Excel file with every row.
            """
        case .events:
            """
            The individual AI-credit usage events of your tenant in a time range, newest first: time, user, module, \
            product, tenant, credits. Use it to audit or list usage ("show each charge yesterday", "what happened at 10:00?"). \
            Reads every event in the range, however many. Administrators only. Returns a markdown preview and an Excel file with all events.
            """
        }
    }

    static let dateParameterHelp = """
        ISO 8601 date (2026-01-15, meaning 00:00 UTC that day) or date-time with Z or an offset \
        (2026-01-15T10:00:00Z, 2026-01-15T12:00:00+02:00).
        """

    public var definition: Tool {
        Tool(
            name: rawValue,
            description: toolDescription,
            inputSchema: .object([
                "type": "object",
                "properties": .object([
                    "from": .object([
                        "type": "string",
                        "description": .string("Start of the range, inclusive. \(Self.dateParameterHelp) Default: 7 days before `to`."),
                    ]),
                    "to": .object([
                        "type": "string",
                        "description": .string("End of the range, exclusive. \(Self.dateParameterHelp) Default: now."),
                    ]),
                ]),
                "additionalProperties": false,
            ]),
            annotations: .init(title: title, readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false)
        )
    }

    var title: String {
        switch self {
        case .usageByTenant: "AI credits used by the tenant"
        case .usageSummary: "AI credits by user, module, product and skill"
        case .events: "AI-credit usage events"
        }
    }

    /// The stem of the Excel file name.
    var fileStem: String {
        switch self {
        case .usageByTenant: "credit-usage-by-tenant"
        case .usageSummary: "credit-usage-summary"
        case .events: "credit-events"
        }
    }
}
