import ArgumentParser
import Foundation
import Logging
import StackDashboard
import StackSupervisor
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start the stack, wait until it is healthy and the tool is registered.",
        discussion: """
            Builds nothing: it runs the executables next to stackctl (${BIN}). On a new state dir it first seeds \
            the demo data. In the foreground (the default) every process's output is shown prefixed with its \
            name, and Ctrl-C stops everything, dependents first. With --detach it returns once the stack is up \
            and a background supervisor keeps it running until `stackctl down`.

            Environment: STACKCTL_PORT (control API, default 8700), OPENMETER_PORT, TAIS_PORT, MCP_PORT (and any \
            port variable of the stack file) override the defaults; OPENMETER_URL (+ OPENMETER_API_KEY) or \
            TAIS_URL (+ TAIS_JWT) use a real service instead of the fake, which is then neither started nor \
            seeded; TAIS_JWT is decoded and used instead of minting a dev token; TAIS_SESSION_ID reuses a session; \
            MCP_PUBLIC_URL is the credits-mcp URL to register when a remote TAIS cannot reach 127.0.0.1.
            """
    )

    @OptionGroup var stateOptions: StateOptions

    @Flag(help: "Return once the stack is up; a background supervisor keeps it running.")
    var detach = false

    @Flag(name: .customLong("ephemeral-ports"), help: "Pick free ports for every process and the control API (parallel runs never clash).")
    var ephemeralPorts = false

    @Option(help: "The stack file.")
    var stack: String = "compose/stack.yaml"

    @Option(help: "Seconds to wait for every process to become healthy and the tool to be registered.")
    var timeout: Int = 120

    /// The detached supervisor itself (started by `up --detach`).
    @Flag(name: .customLong("supervise"), help: .hidden)
    var supervise = false

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let state = stateOptions.state
        let stackPath = URL(fileURLWithPath: stack, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).path
        let file: StackFile
        do {
            file = try StackFile.load(path: stack)
        } catch let invalid as StackFileInvalid {
            throw fail("\(stack) is not a valid stack file:\n" + invalid.description, code: 2)
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: state.url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw fail("the state dir \(state.url.path) is a file, not a directory", code: 2)
        }
        do { try state.create() } catch {
            throw fail("cannot create the state dir \(state.url.path): \(error.localizedDescription)", code: 2)
        }
        if state.isLocked, !supervise {
            let pid = state.readRuntime().map { " (pid \($0.pid))" } ?? ""
            throw fail("a stack is already running on \(state.url.path)\(pid); `stackctl down --state-dir \(stateOptions.stateDir)` stops it", code: 2)
        }
        if detach && !supervise {
            throw ExitCode(try await DetachedStart(state: state).run(arguments: detachedArguments(stackPath: stackPath)))
        }
        try await runSupervisor(file: file, stackPath: stackPath, state: state)
    }

    private func detachedArguments(stackPath: String) -> [String] {
        var arguments = ["up", "--supervise", "--state-dir", stateOptions.state.url.path, "--stack", stackPath, "--timeout", String(timeout)]
        if ephemeralPorts { arguments.append("--ephemeral-ports") }
        return arguments
    }

    private func runSupervisor(file: StackFile, stackPath: String, state: StateDirectory) async throws {
        let lock: Int32?
        do { lock = try state.lock() } catch let failure as SupervisorFailure { throw failure.exit }
        guard lock != nil else {
            throw fail("a stack is already running on \(state.url.path); `stackctl down` stops it", code: 2)
        }
        let environment = ProcessInfo.processInfo.environment
        let keeper = Self.executablePath()
        let bin = environment["STACKCTL_BIN"] ?? URL(fileURLWithPath: keeper).deletingLastPathComponent().path

        let controlPort: Int
        do {
            controlPort = try Self.controlPort(ephemeral: ephemeralPorts, environment: environment)
        } catch let failure as SupervisorFailure { throw failure.exit }

        let plan: StackPlan
        do {
            plan = try StackPlan.resolve(file, options: .init(
                stateDirectory: state.url, binDirectory: bin, ephemeralPorts: ephemeralPorts,
                environment: environment, workingDirectory: FileManager.default.currentDirectoryPath),
                pickPort: { try PortCheck.freePort() })
        } catch { throw error.exit }

        let console: LogSink.ConsoleStyle? = supervise ? nil : (isatty(1) == 1 ? .coloured : .plain)
        let sink = try LogSink(directory: state.logs, console: console, names: Array(plan.processes.keys))
        let token = try state.newControlToken()
        try? FileManager.default.removeItem(at: state.readyFile)
        // Written before anything starts, so `down` and `status` find the control API during start-up too.
        try state.writeRuntime(RuntimeInfo(pid: getpid(), controlPort: controlPort, stackFile: stackPath))

        let supervisor = Supervisor(
            configuration: .init(plan: plan, state: state, keeperExecutable: keeper, startupTimeout: .seconds(timeout),
                                 providedToken: environment["TAIS_JWT"], requestedSession: environment["TAIS_SESSION_ID"],
                                 publicToolURL: environment["MCP_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 }),
            sink: sink)
        // Scenario files live beside the stack file (compose/scenarios).
        let scenarios = URL(fileURLWithPath: stackPath).deletingLastPathComponent().appendingPathComponent("scenarios")
        let control = DashboardServer(supervisor: supervisor, port: controlPort, token: token, scenarios: scenarios)
        let logger = {
            // Hummingbird logs its own shutdown on cancellation as errors; the control API's failures reach
            // the user through the supervisor's notes instead.
            var logger = Logger(label: "stackctl.control")
            logger.logLevel = .critical
            return logger
        }()
        let started = ContinuousClock.now
        sink.note("starting the stack from \(stack) (state dir \(state.url.path), control API http://127.0.0.1:\(controlPort))")
        let stateDir = stateOptions.stateDir
        let detached = supervise
        do {
            try await supervisor.run(
                alongside: {
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask { await control.run(logger: logger) }
                        group.addTask {
                            let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm, .sighup)
                            for await signal in signals { supervisor.requestStop(reason: "\(signal)") }
                        }
                    }
                },
                onReady: { status, env in
                    sink.note(ReadySummary(status: status, env: env, stateDir: stateDir, detached: detached,
                                           elapsed: ContinuousClock.now - started, dashboardURL: control.dashboardURL).text)
                    _ = FileManager.default.createFile(atPath: state.readyFile.path, contents: Data())
                })
        } catch {
            try? FileManager.default.removeItem(at: state.runtimeFile)
            throw error.exit
        }
        try? FileManager.default.removeItem(at: state.runtimeFile)
        try? FileManager.default.removeItem(at: state.readyFile)
    }

    static func controlPort(ephemeral: Bool, environment: [String: String]) throws -> Int {
        if ephemeral { return try PortCheck.freePort() }
        var port = 8700
        if let given = environment["STACKCTL_PORT"], !given.isEmpty {
            guard let value = Int(given), (1...65535).contains(value) else {
                throw SupervisorFailure.usage("STACKCTL_PORT=\(given) is not a port (1-65535)")
            }
            port = value
        }
        guard PortCheck.isFree(port) else {
            let holder = PortCheck.holder(of: port).map { "it is held by \($0)" } ?? "its holder is not visible to this user"
            throw SupervisorFailure("port \(port) for stackctl's control API is taken: \(holder). Set STACKCTL_PORT or use --ephemeral-ports.", exitCode: 3)
        }
        return port
    }

    /// This executable, for re-executing itself as keeper and supervisor.
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
