import Foundation
import StackClients
import StackSupervisor

/// The CLI's side of the control API, found through the state dir's `stackctl.json`.
struct ControlClient {
    let state: StateDirectory
    let runtime: RuntimeInfo
    let http = HTTPRequester(timeout: .seconds(30))

    /// The running stack's client, or nil when none runs on this state dir.
    static func connect(_ state: StateDirectory) -> ControlClient? {
        guard state.isLocked, let runtime = state.readRuntime(), runtime.controlPort > 0 else { return nil }
        return ControlClient(state: state, runtime: runtime)
    }

    func status() async throws -> StackStatus {
        let reply = try await http.get(runtime.controlURL + "/api/status")
        return try JSONDecoder().decode(StackStatus.self, from: Data(reply.body))
    }

    func environment() async throws -> [String: String] {
        let reply = try await http.get(runtime.controlURL + "/api/env", headers: [("Authorization", "Bearer \(state.controlToken() ?? "")")])
        guard reply.status == 200 else {
            throw SupervisorFailure("the control API refused: HTTP \(reply.status) \(reply.text)", exitCode: 1)
        }
        return try JSONDecoder().decode([String: String].self, from: Data(reply.body))
    }

    /// POST with the control token; returns the status and the body's `error`, if any.
    func post(_ path: String) async throws -> (status: Int, error: String?) {
        let token = state.controlToken() ?? ""
        let reply = try await http.send(.POST, runtime.controlURL + path, headers: [("Authorization", "Bearer \(token)")])
        let error = (try? JSONDecoder().decode([String: String].self, from: Data(reply.body)))?["error"]
        return (reply.status, error)
    }
}
