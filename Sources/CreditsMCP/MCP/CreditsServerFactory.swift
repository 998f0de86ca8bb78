import Foundation
import Logging
import MCP

/// Builds one MCP `Server` with the three credit tools. Every tool call resolves its caller from
/// the HTTP request that carried that very call, so the tenant is never cached per session.
struct CreditsServerFactory: Sendable {
    let runner: CreditToolRunner
    let resolver: CallerResolver
    let logger: Logger
    static let serverVersion = "1.0.0"

    func makeServer() async -> Server {
        let server = Server(
            name: "credits-mcp",
            version: Self.serverVersion,
            instructions: "Answers administrators' questions about their tenant's AI-credit usage from OpenMeter. Dates are ISO 8601; ranges default to the last 7 days.",
            capabilities: .init(tools: .init(listChanged: false))
        )
        let tools = CreditTool.allCases.map(\.definition)
        let runner = self.runner, resolver = self.resolver, logger = self.logger
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: tools)
        }
        await server.withMethodHandler(CallTool.self) { params in
            guard let tool = CreditTool(rawValue: params.name) else {
                let names = CreditTool.allCases.map(\.rawValue).joined(separator: ", ")
                return Self.result("Unknown tool \(params.name). Available tools: \(names).", isError: true)
            }
            let request = Server.currentHandlerContext?.httpContext
            let caller: Caller
            do {
                caller = try resolver.resolve(header: request.map { request in { request.header($0) } })
            } catch let denied as AccessDenied {
                let tenant = request?.header("X-Tenant-Id").flatMap { $0.isEmpty ? nil : $0 } ?? "-"
                let groups = request?.header("X-User-Groups") ?? "-"
                logger.notice("tool call refused", metadata: [
                    "tool": "\(tool.rawValue)", "tenant": "\(tenant)", "groups": "\(groups)", "reason": "\(denied.message)",
                ])
                return Self.result(denied.message, isError: true)
            }
            let answer = await runner.run(tool, arguments: params.arguments ?? [:], caller: caller)
            return Self.result(answer.text, isError: answer.isError)
        }
        return server
    }

    static func result(_ text: String, isError: Bool) -> CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: isError)
    }
}
