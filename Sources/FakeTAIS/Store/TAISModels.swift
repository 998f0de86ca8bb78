import Foundation

/// A tool registration as the API shows it.
struct ToolRegistration: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var description: String
    var url: String
    var transport: String
    var tenantId: String
    var createdBy: String
    var createdAt: Date
    var expiresAt: Date
}

/// A chat session as the API shows it.
struct ChatSession: Codable, Sendable, Equatable {
    var id: String
    var tenantId: String
    var userId: String
    var title: String
    var toolIds: [String]
    var budgetCredits: Double?
    var spentCredits: Double
    var createdAt: Date

    enum CodingKeys: String, CodingKey { case id, tenantId, userId, title, toolIds, budgetCredits, spentCredits, createdAt }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(tenantId, forKey: .tenantId)
        try container.encode(userId, forKey: .userId)
        try container.encode(title, forKey: .title)
        try container.encode(toolIds, forKey: .toolIds)
        // Absent, not null, when the session has no budget.
        try container.encodeIfPresent(budgetCredits, forKey: .budgetCredits)
        try container.encode(spentCredits, forKey: .spentCredits)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

/// One tool call the agent made for an answer.
struct ToolCallRecord: Codable, Sendable, Equatable {
    var toolId: String
    var toolName: String
    var arguments: [String: String]
    var isError: Bool
    var durationMs: Double
}

/// A message of a conversation; assistant messages carry their tool calls and charge.
struct ChatMessage: Codable, Sendable, Equatable {
    var id: String
    var role: String
    var content: String
    var toolCalls: [ToolCallRecord]?
    var creditsCharged: Double?
    var createdAt: Date
}

/// One ledger entry as the billing API lists it.
struct LedgerEntry: Codable, Sendable, Equatable {
    enum Category: String, Codable, Sendable { case usage, purchase, grant }
    var id: String
    var category: Category
    var credits: Double
    var balanceAfter: Double
    var description: String
    var sessionId: String?
    var messageId: String?
    var createdAt: Date
}

/// The plans and their caps on live tool registrations.
enum Plan: String, Codable, Sendable, CaseIterable {
    case free, team, enterprise

    var toolCap: Int {
        switch self {
        case .free: 1
        case .team: 10
        case .enterprise: 100
        }
    }
}

/// Random ids with a type prefix: `tool_…`, `ses_…`, `msg_…`, `led_…` (96 random bits, base32-ish lower case).
enum TAISID {
    static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
        var out = prefix + "_"
        for _ in 0..<20 { out.append(alphabet[Int(generator.next() % 32)]) }
        return out
    }
}
