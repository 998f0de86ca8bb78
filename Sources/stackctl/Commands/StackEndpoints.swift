import Foundation
import StackSupervisor

/// Where TAIS is and who the caller is, for the commands that talk to it: the running stack's values,
/// overridden by the environment (TAIS_URL, TAIS_JWT, TAIS_SESSION_ID, MCP_URL).
struct StackEndpoints {
    var values: [String: String]

    static func resolve(_ state: StateDirectory) async -> StackEndpoints {
        var values: [String: String] = [:]
        if let client = ControlClient.connect(state), let env = try? await client.environment() { values = env }
        for key in ["TAIS_URL", "TAIS_JWT", "TAIS_SESSION_ID", "MCP_URL"] {
            if let given = ProcessInfo.processInfo.environment[key], !given.isEmpty { values[key] = given }
        }
        return StackEndpoints(values: values)
    }

    subscript(_ key: String) -> String? { values[key] }
}
