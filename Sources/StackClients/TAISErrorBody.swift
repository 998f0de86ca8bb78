import Foundation

/// fake-tais's error body, `{"error":"<code>","message":"<why>"}`, with the extra fields some codes carry
/// (`plan` and `cap` of `plan_limit_reached`, `invalidToolIds` of `invalid_tool_ids`).
public struct TAISErrorBody: Decodable, Sendable, Equatable {
    public var error: String
    public var message: String?
    public var plan: String?
    public var cap: Int?
    public var invalidToolIds: [String]?

    /// The body of a failed answer, nil when it is not such a JSON object.
    public init?(_ reply: HTTPReply) {
        self.init(body: reply.body)
    }

    public init?(body: [UInt8]) {
        guard let decoded = try? JSONDecoder().decode(TAISErrorBody.self, from: Data(body)) else { return nil }
        self = decoded
    }

    /// The status and error body of a `StackClientError.unexpectedStatus`, nil for any other error.
    public static func of(_ error: any Error) -> (status: Int, body: TAISErrorBody?)? {
        guard case StackClientError.unexpectedStatus(_, let status, let body)? = error as? StackClientError else { return nil }
        return (status, TAISErrorBody(body: Array(body.utf8)))
    }
}
