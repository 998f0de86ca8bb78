/// Why a call of one of the stack clients failed, worded so a failing test or benchmark says what happened.
public enum StackClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The server answered with a status the operation does not accept.
    case unexpectedStatus(operation: String, status: Int, body: String)
    /// The answer could not be understood (not JSON, missing fields, no JSON-RPC response).
    case invalidResponse(operation: String, reason: String)
    /// A JSON-RPC error object answered an MCP request.
    case rpcError(method: String, code: Int, message: String)
    /// An MCP call was made before `initialize()`.
    case notInitialized(method: String)

    public var description: String {
        switch self {
        case .unexpectedStatus(let operation, let status, let body):
            let shown = body.count > 500 ? String(body.prefix(500)) + "…" : body
            return "\(operation): unexpected HTTP \(status): \(shown)"
        case .invalidResponse(let operation, let reason):
            return "\(operation): invalid response: \(reason)"
        case .rpcError(let method, let code, let message):
            return "\(method): JSON-RPC error \(code): \(message)"
        case .notInitialized(let method):
            return "\(method): the MCP session is not initialized; call initialize() first"
        }
    }
}
