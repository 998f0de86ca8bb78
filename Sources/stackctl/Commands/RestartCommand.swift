import ArgumentParser
import Foundation
import StackSupervisor

struct RestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Restart one process; dependents and the registration recover by themselves.")

    @OptionGroup var stateOptions: StateOptions

    @Argument(help: "The process to restart.")
    var name: String

    func run() async throws {
        guard let client = ControlClient.connect(stateOptions.state) else {
            throw fail("no stack running on \(stateOptions.state.url.path)", code: 2)
        }
        let reply = try await client.post("/api/processes/\(name)/restart")
        switch reply.status {
        case 202: print("restarted \(name)")
        // 404 no such process, 409 an external one: bad usage, as before the dashboard's routes.
        case 404, 409: throw fail(reply.error ?? "no process named \(name)", code: 2)
        default: throw fail(reply.error ?? "restart failed (HTTP \(reply.status))", code: 1)
        }
    }
}
