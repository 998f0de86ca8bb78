import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Supervisor {
    /// Stops what a crashed earlier run on this state dir left behind (checked by pid and start time).
    func reapLeftovers() async {
        let records = Leftovers.load(configuration.state.childrenFile)
        guard !records.isEmpty else { return }
        let stopped = await Leftovers.reap(records, grace: .seconds(5))
        if !stopped.isEmpty {
            sink.note("stopped leftovers of an earlier run: \(stopped.joined(separator: ", "))")
        }
        try? FileManager.default.removeItem(at: configuration.state.childrenFile)
    }

    /// Every port free before anything starts; a taken one names its holder (exit 3).
    func checkPorts() throws(SupervisorFailure) {
        for process in configuration.plan.started {
            guard let port = process.port, !PortCheck.isFree(port) else { continue }
            let holder = PortCheck.holder(of: port).map { "it is held by \($0)" } ?? "its holder is not visible to this user"
            throw SupervisorFailure(
                "port \(port) for \(process.name) is taken: \(holder). Stop it, set another port, or use --ephemeral-ports.",
                exitCode: 3)
        }
    }

    /// A service replaced by a real one (its URL variable set, perhaps left over from `eval "$(stackctl env)"`)
    /// is named, and must answer at all: otherwise `up` would report a stack whose answers all fail.
    func checkExternal() async throws(SupervisorFailure) {
        for process in configuration.plan.processes.values.sorted(by: { $0.name < $1.name }) where process.external {
            let variable = configuration.plan.file.stackctl.ports[process.name]?.urlEnv ?? "its URL variable"
            let url = process.url ?? ""
            sink.note("using \(url) instead of starting \(process.name) (\(variable) is set)")
            guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host else {
                continue
            }
            let answered = await PlainHTTPCheck.status(host: host, port: components.port ?? 80, path: "/", timeout: .seconds(3))
            if answered == nil {
                throw SupervisorFailure(
                    "\(variable)=\(url) does not answer, so \(process.name) cannot be replaced by it. Unset \(variable) to run \(process.name), or start that service.",
                    exitCode: 1)
            }
        }
    }

    /// Each process's seed command, once per state dir, before anything starts.
    func seed() async throws(SupervisorFailure) {
        for process in configuration.plan.started {
            guard let command = process.extras.seed else { continue }
            let marker = configuration.state.seedMarker(process.name)
            guard !FileManager.default.fileExists(atPath: marker.path) else { continue }
            sink.note("seeding \(process.name) (a new state dir)…")
            let started = ContinuousClock.now
            let status: ExitStatus
            do {
                let child = try await ChildProcess.start(
                    name: process.name, command: command, environment: process.environment,
                    workingDirectory: process.workingDirectory, graceSeconds: 5,
                    keeperExecutable: configuration.keeperExecutable)
                async let pumped: Void = child.pumpOutput(into: sink)
                status = await child.waitForExit()
                await pumped
            } catch {
                throw SupervisorFailure("cannot seed \(process.name): \(error)", exitCode: 1)
            }
            guard status.isSuccess else {
                throw SupervisorFailure(
                    "seeding \(process.name) failed: its seed command \(status)\n" + lastLines(process.name), exitCode: 1)
            }
            _ = FileManager.default.createFile(atPath: marker.path, contents: Data())
            sink.note("seeded \(process.name) in \(ManagedProcess.seconds(ContinuousClock.now - started))")
        }
    }

    /// Until every process is healthy; a process that ends or restarts first, or the deadline, fails start-up
    /// with its name, how it ended and the end of its log.
    func waitUntilHealthy() async throws(SupervisorFailure) {
        let deadline = ContinuousClock.now + configuration.startupTimeout
        var reported: Set<String> = []
        while true {
            var waiting: [ServiceStatus] = []
            for name in processes.keys.sorted() {
                let status = await processes[name]!.status()
                switch status.state {
                case .failed, .restarting, .stopped:
                    throw SupervisorFailure(
                        "\(name) \(status.lastExit ?? "stopped") before it became healthy\n" + lastLines(name), exitCode: 1)
                default:
                    if status.healthy {
                        if reported.insert(name).inserted, status.state != .external {
                            sink.note("\(name) is healthy" + (status.url.map { " at \($0)" } ?? ""))
                        }
                    } else {
                        waiting.append(status)
                    }
                }
            }
            if waiting.isEmpty { return }
            if stopWasRequested { throw SupervisorFailure("stopped before the stack was up", exitCode: 1) }
            if ContinuousClock.now >= deadline {
                let names = waiting.map { status in
                    let probe = configuration.plan.processes[status.name]?.probe?.url
                    return status.name + (probe.map { " (probe \($0))" } ?? "") + " is \(status.state.rawValue)"
                }
                let first = waiting[0].name
                throw SupervisorFailure(
                    "not healthy within \(ManagedProcess.seconds(configuration.startupTimeout)): \(names.joined(separator: "; "))\n"
                        + lastLines(first), exitCode: 1)
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    func lastLines(_ name: String, count: Int = 20) -> String {
        let lines = sink.tail(name, count: count)
        guard !lines.isEmpty else { return "(\(name) wrote nothing to \(sink.path(of: name).path))" }
        return "last lines of \(sink.path(of: name).path):\n" + lines.map { "  \($0)" }.joined(separator: "\n")
    }

    /// Deregisters the tool, then stops the processes wave by wave, dependents first, each awaited.
    func shutdown() async {
        phase = .stopped
        if let keeper = registration { await keeper.deregister() }
        for wave in configuration.plan.file.stopOrder() {
            await withTaskGroup(of: Void.self) { group in
                for name in wave {
                    guard let process = processes[name], !process.spec.external else { continue }
                    group.addTask { await process.stop() }
                }
            }
        }
        try? FileManager.default.removeItem(at: configuration.state.childrenFile)
        sink.note("stopped")
    }
}
