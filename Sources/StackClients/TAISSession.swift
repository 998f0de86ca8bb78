import WireFormats

/// A chat session (`/api/v2/sessions-service`).
public struct TAISSession: Decodable, Sendable, Equatable {
    /// `ses_…`
    public var id: String
    public var tenantId: String
    public var userId: String
    public var title: String
    public var toolIds: [String]
    /// The session's credit budget; nil when it has none.
    public var budgetCredits: Double?
    /// Credits its answered messages have cost so far (0 when the server leaves it out).
    public var spentCredits: Double
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, tenantId, userId, title, toolIds, budgetCredits, spentCredits, createdAt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        tenantId = try c.decode(String.self, forKey: .tenantId)
        userId = try c.decode(String.self, forKey: .userId)
        title = try c.decode(String.self, forKey: .title)
        toolIds = try c.decodeIfPresent([String].self, forKey: .toolIds) ?? []
        budgetCredits = try c.decodeIfPresent(Double.self, forKey: .budgetCredits)
        spentCredits = try c.decodeIfPresent(Double.self, forKey: .spentCredits) ?? 0
        createdAt = try c.decode(String.self, forKey: .createdAt)
    }
}

/// What a `PATCH` does to the session's budget: leave it, remove it (`"budgetCredits": null`) or set it.
public enum TAISBudgetChange: Sendable, Equatable {
    case unchanged
    case remove
    case set(Double)

    var json: JSONValue? {
        switch self {
        case .unchanged: nil
        case .remove: .null
        case .set(let credits): .number(credits)
        }
    }
}
