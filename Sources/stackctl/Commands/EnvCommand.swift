import ArgumentParser
import Foundation
import StackSupervisor

struct EnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "KEY=VALUE lines for other tools: OPENMETER_URL, OPENMETER_API_KEY, MCP_URL, TAIS_URL, STRIPE_URL, TAIS_JWT, TAIS_SESSION_ID, TAIS_TOOL_ID.",
        discussion: "For a shell: `eval \"$(stackctl env)\"` (values are shell-quoted when they need it).")

    @OptionGroup var stateOptions: StateOptions

    func run() async throws {
        guard let client = ControlClient.connect(stateOptions.state) else {
            throw fail("no stack running on \(stateOptions.state.url.path) (`stackctl up` starts one)", code: 2)
        }
        let env: [String: String]
        do { env = try await client.environment() } catch {
            throw fail("the supervisor does not answer: \(error)", code: 1)
        }
        for key in env.keys.sorted() { print("\(key)=\(Self.quoted(env[key]!))") }
    }

    static func quoted(_ value: String) -> String {
        let safe = value.allSatisfy { $0.isLetter || $0.isNumber || "-_./:@%+=,".contains($0) }
        return safe ? value : "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
