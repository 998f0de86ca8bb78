import ArgumentParser
import Foundation
import StackScenarios
import StackSupervisor
#if canImport(Glibc)
import Glibc
#endif

/// The stack a scenario run talks to: the one running on a state dir, or one started for the run.
struct ScenarioStack {
    let state: StateDirectory

    /// The running stack's URLs, credentials and control API, as scenario variables.
    func environment() async throws -> ScenarioEnvironment {
        guard let client = ControlClient.connect(state) else {
            throw fail("no stack is running on \(state.url.path); start one with `stackctl up --detach` or pass --ephemeral-ports", code: 2)
        }
        let env: [String: String]
        do { env = try await client.environment() } catch {
            throw fail("the supervisor of \(state.url.path) does not answer: \(error)", code: 1)
        }
        let tenant = try? await client.status().registration?.tenant
        return ScenarioEnvironment(stackEnv: env, controlURL: client.runtime.controlURL,
                                   controlToken: state.controlToken() ?? "", tenant: tenant)
    }

    /// `stackctl up --detach --ephemeral-ports` in a fresh temporary state dir, its output on stderr
    /// (stdout stays for the report). On failure the attempt is cleaned up before this throws.
    static func startEphemeral() async throws -> ScenarioStack {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("stackctl-scenarios-\(UUID().uuidString.prefix(8).lowercased())")
        let stack = ScenarioStack(state: StateDirectory(directory))
        let code: Int32
        do {
            code = try await stack.stackctl(["up", "--detach", "--ephemeral-ports"])
        } catch {
            await stack.stopEphemeral()
            throw fail("cannot start a stack for the run: \(error)", code: 1)
        }
        guard code == 0 else {
            await stack.stopEphemeral()
            throw fail("the stack for the run did not start (`stackctl up` exited \(code); its output is above)", code: 1)
        }
        return stack
    }

    /// `stackctl down`, then the state dir is removed (only for the stack `startEphemeral` made).
    func stopEphemeral() async {
        _ = try? await stackctl(["down"])
        try? FileManager.default.removeItem(at: state.url)
    }

    /// Runs this executable with `arguments` on this state dir, output to our stderr; returns its exit code.
    private func stackctl(_ arguments: [String]) async throws -> Int32 {
        let executable = UpCommand.executablePath()
        let pid = try PosixSpawn.spawn(
            path: executable, arguments: [executable] + arguments + ["--state-dir", state.url.path], environment: nil,
            descriptors: .init(stdin: nil, stdout: 2, stderr: 2), newProcessGroup: false)
        while true {
            var status: Int32 = 0
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { return ExitStatus(raw: status).code ?? 1 }
            if waited < 0, errno != EINTR { return 1 }
            // Not cancellable: a started stack must be awaited, then stopped.
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
