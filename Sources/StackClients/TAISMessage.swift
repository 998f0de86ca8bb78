import WireFormats

/// One message of a conversation: the agent's answer to `POST …/messages`, or an item of `GET …/messages`
/// (user messages carry only `content` and `createdAt`).
public struct TAISMessage: Decodable, Sendable, Equatable {
    /// `msg_…` (user messages may have one too).
    public var id: String?
    /// `user` or `assistant`.
    public var role: String
    public var content: String
    /// The MCP tool calls the agent made for this answer, empty when none.
    public var toolCalls: [TAISToolCall]
    /// Credits this answer debited; nil on user messages.
    public var creditsCharged: Double?
    public var createdAt: String?

    enum CodingKeys: String, CodingKey {
        case id, role, content, toolCalls, creditsCharged, createdAt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        role = try c.decode(String.self, forKey: .role)
        content = try c.decode(String.self, forKey: .content)
        toolCalls = try c.decodeIfPresent([TAISToolCall].self, forKey: .toolCalls) ?? []
        creditsCharged = try c.decodeIfPresent(Double.self, forKey: .creditsCharged)
        createdAt = try c.decodeIfPresent(String.self, forKey: .createdAt)
    }
}

/// One MCP tool call of an answer: which registration, which MCP tool, the arguments sent, and how it went.
public struct TAISToolCall: Decodable, Sendable, Equatable {
    public var toolId: String?
    /// The MCP tool, e.g. `get_credit_usage_by_tenant`.
    public var toolName: String
    /// The arguments as sent (`{"from":…,"to":…}`); object members sorted by key.
    public var arguments: JSONValue
    public var isError: Bool
    public var durationMs: Double?

    enum CodingKeys: String, CodingKey {
        case toolId, toolName, arguments, isError, durationMs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        toolId = try c.decodeIfPresent(String.self, forKey: .toolId)
        toolName = try c.decode(String.self, forKey: .toolName)
        arguments = try c.decodeIfPresent(DecodedJSONValue.self, forKey: .arguments)?.value ?? .null
        isError = try c.decodeIfPresent(Bool.self, forKey: .isError) ?? false
        durationMs = try c.decodeIfPresent(Double.self, forKey: .durationMs)
    }

    /// A string argument, e.g. `argument("from")`.
    public func argument(_ name: String) -> String? {
        arguments[name]?.stringValue
    }
}
