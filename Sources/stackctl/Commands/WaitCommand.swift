import ArgumentParser
import Foundation
import StackSupervisor

struct WaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Exit 0 once the named processes (all when none is named) are healthy; 1 on timeout.")

    @OptionGroup var stateOptions: StateOptions

    @Argument(help: "Process names.")
    var names: [String] = []

    @Option(help: "Seconds to wait.")
    var timeout: Int = 60

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        var last: StackStatus?
        while ContinuousClock.now < deadline {
            if let client = ControlClient.connect(stateOptions.state), let status = try? await client.status() {
                last = status
                let unknown = names.filter { name in !status.services.contains { $0.name == name } }
                if !unknown.isEmpty { throw fail("no process named \(unknown.joined(separator: ", "))", code: 2) }
                let watched = status.services.filter { names.isEmpty || names.contains($0.name) }
                if !watched.isEmpty, watched.allSatisfy(\.healthy), status.state != .starting || !names.isEmpty {
                    return
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let waiting = last?.services.filter { (names.isEmpty || names.contains($0.name)) && !$0.healthy }.map(\.name) ?? []
        throw fail("not healthy within \(timeout) s" + (waiting.isEmpty ? " (no stack running)" : ": \(waiting.joined(separator: ", "))"), code: 1)
    }
}
