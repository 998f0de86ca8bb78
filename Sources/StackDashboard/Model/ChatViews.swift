import WireFormats

/// A chat session as the chat page lists it.
public struct ChatSessionView: Codable, Sendable, Equatable {
    public var id: String
    public var title: String?
    public var createdAt: String?
    /// The stack's own session (the one the registration keeps wired).
    public var isStackSession: Bool

    public init(id: String, title: String?, createdAt: String?, isStackSession: Bool) {
        self.id = id
        self.title = title
        self.createdAt = createdAt
        self.isStackSession = isStackSession
    }
}

/// One message as the chat page shows it: the markdown and its HTML rendering (made on the server).
public struct ChatMessageView: Codable, Sendable, Equatable {
    /// `user` or `assistant`.
    public var role: String
    public var content: String
    /// `content` rendered (tables, links, emphasis); every text HTML-escaped.
    public var html: String
    public var toolCalls: [ChatToolCallView]
    public var creditsCharged: Double?
    public var createdAt: String?

    public init(role: String, content: String, html: String, toolCalls: [ChatToolCallView], creditsCharged: Double?, createdAt: String?) {
        self.role = role
        self.content = content
        self.html = html
        self.toolCalls = toolCalls
        self.creditsCharged = creditsCharged
        self.createdAt = createdAt
    }
}

public struct ChatToolCallView: Codable, Sendable, Equatable {
    public var toolName: String
    /// The arguments as compact JSON text.
    public var arguments: String
    public var durationMs: Double?
    public var isError: Bool

    public init(toolName: String, arguments: String, durationMs: Double?, isError: Bool) {
        self.toolName = toolName
        self.arguments = arguments
        self.durationMs = durationMs
        self.isError = isError
    }
}

/// `POST /api/chat/sessions/{id}/messages`'s answer: the agent's message and the tenant's balance after it.
public struct ChatAnswerView: Codable, Sendable, Equatable {
    public var message: ChatMessageView
    public var balanceCredits: Double?

    public init(message: ChatMessageView, balanceCredits: Double?) {
        self.message = message
        self.balanceCredits = balanceCredits
    }
}
