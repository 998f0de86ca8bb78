import ArgumentParser
import Foundation
import StackSupervisor
#if canImport(Glibc)
import Glibc
#endif

struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop the stack: dependents first, each awaited; the tool is deregistered. Nothing is left running.")

    @OptionGroup var stateOptions: StateOptions

    @Option(help: "Seconds to wait for the supervisor to finish.")
    var timeout: Int = 60

    func run() async throws {
        let state = stateOptions.state
        guard state.isLocked else {
            let leftovers = await Leftovers.reap(Leftovers.load(state.childrenFile), grace: .seconds(5))
            try? FileManager.default.removeItem(at: state.childrenFile)
            print(leftovers.isEmpty ? "no stack running on \(state.url.path)" : "stopped leftovers: \(leftovers.joined(separator: ", "))")
            return
        }
        let runtime = state.readRuntime()
        var asked = false
        if let client = ControlClient.connect(state), let reply = try? await client.post("/api/down"), reply.status == 202 {
            asked = true
        } else if let pid = runtime?.pid, ProcessTable.commandLine(pid)?.contains("stackctl") == true {
            // The control API does not answer: the supervisor stops on SIGTERM as on Ctrl-C.
            kill(pid, SIGTERM)
            asked = true
        }
        guard asked else { throw fail("cannot reach the supervisor of \(state.url.path)", code: 1) }
        print("stopping the stack on \(state.url.path)…")
        let deadline = ContinuousClock.now + .seconds(timeout)
        while state.isLocked {
            guard ContinuousClock.now < deadline else {
                throw fail("the supervisor did not stop within \(timeout) s (see \(state.supervisorLog.path))", code: 1)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        print("stopped")
    }
}
