import AsyncHTTPClient
import Foundation
import StackClients

/// Calls one MCP tool of a registered server over Streamable HTTP as the chat's caller: a fresh
/// session per call (initialize, tools/call, DELETE) carrying the caller's own bearer token,
/// `X-Tenant-Id` and `X-User-Groups` on every request, the whole exchange within `timeout`.
struct ToolCaller: Sendable {
    let timeout: Duration
    let httpClient: HTTPClient

    enum Outcome: Sendable, Equatable {
        case answered(text: String, isError: Bool)
        case failed(String)
    }

    func call(url: String, tool: String, arguments: [String: String], identity: TAISIdentity) async -> Outcome {
        let headers = [
            "Authorization": "Bearer \(identity.token)",
            "X-Tenant-Id": identity.tenant,
            "X-User-Groups": identity.groups.joined(separator: ", "),
        ]
        let client = MCPHTTPClient(endpoint: url, headers: headers, requester: HTTPRequester(client: httpClient, timeout: timeout))
        let timeout = self.timeout
        do {
            return try await withThrowingTaskGroup(of: Outcome.self) { group in
                group.addTask {
                    try await client.initialize(clientName: "fake-tais-agent", clientVersion: "1.0.0")
                    let result = try await client.callTool(tool, stringArguments: arguments)
                    try? await client.close()
                    return .answered(text: result.text, isError: result.isError)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return .failed("did not answer within \(timeout.components.seconds) s")
                }
                let first = try await group.next() ?? .failed("gave no answer")
                group.cancelAll()
                return first
            }
        } catch let error as StackClientError {
            return .failed(Self.describe(error))
        } catch is CancellationError {
            return .failed("the call was cancelled")
        } catch {
            return .failed(Self.describe(error))
        }
    }

    static func describe(_ error: StackClientError) -> String {
        switch error {
        case .unexpectedStatus(_, 401, _), .unexpectedStatus(_, 403, _):
            "refused the caller's credentials"
        case .unexpectedStatus(_, let status, _):
            "answered HTTP \(status)"
        case .rpcError(_, _, let message):
            "answered with an error: \(message)"
        case .invalidResponse, .notInitialized:
            "gave an answer that is not valid MCP"
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "is unreachable (connection refused)" }
        if text.contains("deadlineExceeded") || text.contains("readTimeout") { return "did not answer in time" }
        return "is unreachable"
    }
}
