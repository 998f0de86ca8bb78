import ArgumentParser
import Foundation
import StackSupervisor

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Each process's state, health, pid, URL and restarts; the registration.",
        discussion: """
            --json prints {"state","services":[{"name","state","healthy","pid","url","restarts","lastExit"}], \
            "registration":{"toolId","sessionId","tenant","user","expiresAt","renewals","state","lastError"}|null}. \
            With no stack running the state is "stopped" (exit 0).
            """)

    @OptionGroup var stateOptions: StateOptions

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "The stack file, to list its processes when no stack runs.")
    var stack: String = "compose/stack.yaml"

    func run() async throws {
        let status = await Self.current(stateOptions.state, stackFile: stack)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
            return
        }
        print("stack: \(status.state.rawValue)")
        let width = status.services.map(\.name.count).max() ?? 8
        for service in status.services {
            let name = service.name.padding(toLength: width, withPad: " ", startingAt: 0)
            var parts = [service.state.rawValue, service.healthy ? "healthy" : "not healthy"]
            if let pid = service.pid { parts.append("pid \(pid)") }
            if let url = service.url { parts.append(url) }
            parts.append("restarts \(service.restarts)")
            if let exit = service.lastExit, service.restarts > 0 || service.state == .failed { parts.append("last: \(exit)") }
            print("  \(name)  " + parts.joined(separator: "  "))
        }
        if let registration = status.registration {
            print("registration: \(registration.state), tool \(registration.toolId ?? "-"), session \(registration.sessionId ?? "-"), "
                  + "expires \(registration.expiresAt ?? "-"), renewals \(registration.renewals)"
                  + (registration.lastError.map { ", last error: \($0)" } ?? ""))
        }
    }

    /// The running stack's status, or every process of the stack file "stopped".
    static func current(_ state: StateDirectory, stackFile: String) async -> StackStatus {
        if let client = ControlClient.connect(state), let status = try? await client.status() { return status }
        let file = try? StackFile.load(path: state.readRuntime()?.stackFile ?? stackFile)
        let services = (file?.processes.keys.sorted() ?? []).map {
            ServiceStatus(name: $0, state: .stopped, healthy: false, pid: nil, url: nil, restarts: 0, lastExit: nil)
        }
        return StackStatus(state: .stopped, services: services, registration: nil)
    }
}
