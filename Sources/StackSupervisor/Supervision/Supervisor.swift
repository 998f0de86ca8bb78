import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs a resolved stack: reaps what a crashed run left, checks ports, seeds a fresh state dir, starts the
/// processes in dependency order, waits for health, registers the tool, keeps everything alive and registered,
/// and stops it all, dependents first, when asked (signal, `down`, or an `exit_on_failure` process).
public actor Supervisor {
    public struct Configuration: Sendable {
        public var plan: StackPlan
        public var state: StateDirectory
        public var keeperExecutable: String
        public var startupTimeout: Duration
        /// `TAIS_JWT` when given: decoded and used instead of minting a dev token.
        public var providedToken: String?
        /// `TAIS_SESSION_ID` when given.
        public var requestedSession: String?
        /// `MCP_PUBLIC_URL`: the tool URL to register when TAIS cannot reach credits-mcp on 127.0.0.1 (a real,
        /// remote TAIS); default the tool process's local URL and the registration's path.
        public var publicToolURL: String?

        public init(plan: StackPlan, state: StateDirectory, keeperExecutable: String, startupTimeout: Duration,
                    providedToken: String?, requestedSession: String?, publicToolURL: String? = nil) {
            self.plan = plan
            self.state = state
            self.keeperExecutable = keeperExecutable
            self.startupTimeout = startupTimeout
            self.providedToken = providedToken
            self.requestedSession = requestedSession
            self.publicToolURL = publicToolURL
        }
    }

    public nonisolated let configuration: Configuration
    public nonisolated let sink: LogSink
    /// Rings on every change `status()` would show (the dashboard's live updates).
    public nonisolated let changes = ChangeSignal()
    var processes: [String: ManagedProcess] = [:]
    var registration: RegistrationKeeper?
    var phase: StackStatus.State = .starting { didSet { changes.notify() } }
    private var children: [String: ChildRecord] = [:]
    private let stopRequested = Atomic<Bool>(false)
    var stopWasRequested: Bool { stopRequested.load(ordering: .relaxed) }
    let stopRequests: AsyncStream<String>
    private let stopContinuation: AsyncStream<String>.Continuation
    private let events: AsyncStream<ManagedProcess.Event>
    private let eventContinuation: AsyncStream<ManagedProcess.Event>.Continuation

    public init(configuration: Configuration, sink: LogSink) {
        self.configuration = configuration
        self.sink = sink
        (stopRequests, stopContinuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1))
        (events, eventContinuation) = AsyncStream<ManagedProcess.Event>.makeStream()
    }

    /// Asks the supervisor to stop everything (`down`, a signal). Safe to call any time, also during start-up.
    public nonisolated func requestStop(reason: String) {
        stopRequested.store(true, ordering: .relaxed)
        stopContinuation.yield(reason)
    }

    // MARK: status

    public func status() async -> StackStatus {
        var services: [ServiceStatus] = []
        // Before the processes exist (leftovers, port checks, seeding) each shows as pending.
        for name in configuration.plan.processes.keys.sorted() {
            if let process = processes[name] {
                services.append(await process.status())
            } else {
                services.append(ServiceStatus(name: name, state: .pending, healthy: false, pid: nil,
                                              url: configuration.plan.processes[name]?.url, restarts: 0, lastExit: nil))
            }
        }
        let registrationStatus = await registration?.snapshot()
        var state = phase
        if phase == .running {
            let unhealthy = services.contains { !$0.healthy }
            let registrationBad = registrationStatus.map { $0.state != "registered" } ?? false
            if unhealthy || registrationBad { state = .degraded }
        }
        return StackStatus(state: state, services: services, registration: registrationStatus)
    }

    /// `KEY=VALUE` for other tools: every URL, the OpenMeter key, the MCP endpoint, the token, session and tool.
    public func environment() async -> [String: String] {
        var env: [String: String] = [:]
        let plan = configuration.plan
        for (name, setting) in plan.file.stackctl.ports {
            if let urlEnv = setting.urlEnv, let url = plan.processes[name]?.url { env[urlEnv] = url }
        }
        if let key = plan.processes.values.compactMap({ $0.environment["OPENMETER_API_KEY"] }).first { env["OPENMETER_API_KEY"] = key }
        if let registration = plan.file.stackctl.registration, let url = plan.processes[registration.toolProcess]?.url {
            env["MCP_URL"] = url + registration.path
        }
        if let keeper = registration {
            let snapshot = await keeper.snapshot()
            if let token = await keeper.currentToken() { env["TAIS_JWT"] = token }
            if let session = snapshot.sessionId { env["TAIS_SESSION_ID"] = session }
            if let tool = snapshot.toolId { env["TAIS_TOOL_ID"] = tool }
        }
        return env
    }

    public func restart(_ name: String) async throws(SupervisorFailure) {
        guard let process = processes[name] else {
            throw .usage("no process named \"\(name)\" (the stack has \(processes.keys.sorted().joined(separator: ", ")))")
        }
        guard !process.spec.external else {
            throw .usage("\(name) is external (a real service in use, not started by stackctl): nothing to restart")
        }
        await process.restart()
    }

    /// Stops one process until `start(_:)`; the rest of the stack runs on.
    public func stop(_ name: String) async throws(SupervisorFailure) {
        try await managed(name).hold()
    }

    /// Starts a process stopped by `stop(_:)` (or one that ended and is not restarted by its policy). False when
    /// it is running (or starting) already.
    public func start(_ name: String) async throws(SupervisorFailure) -> Bool {
        let process = try managed(name)
        return await process.start()
    }

    private func managed(_ name: String) throws(SupervisorFailure) -> ManagedProcess {
        guard let process = processes[name] else {
            throw .usage("no process named \"\(name)\" (the stack has \(processes.keys.sorted().joined(separator: ", ")))")
        }
        guard !process.spec.external else {
            throw .usage("\(name) is external (a real service in use, not started by stackctl): it cannot be stopped or started here")
        }
        return process
    }

    /// Each started process's uptime (nil: not running), by name.
    public func uptimes() async -> [String: Duration] {
        var result: [String: Duration] = [:]
        for (name, process) in processes {
            if let uptime = await process.uptime() { result[name] = uptime }
        }
        return result
    }

    public func renewRegistration() async {
        await registration?.renewNow(reason: "requested")
    }

    /// Has the keeper look at the tool now (after the fakes' clocks moved): renews when TAIS dropped it or its
    /// lifetime on TAIS's clock is past the renewal point.
    public func checkRegistration() async {
        await registration?.checkNow()
    }

    /// Whether a registration keeper exists (the stack registers a tool).
    public var registers: Bool { registration != nil }

    public func logTail(_ name: String?, count: Int) throws(SupervisorFailure) -> [String] {
        if let name, !hasLog(name) {
            throw .usage("no process named \"\(name)\"")
        }
        return sink.tail(name, count: count)
    }

    /// A log of its own: each process's, and `stackctl` (the supervisor's notes).
    public nonisolated func hasLog(_ name: String) -> Bool {
        name == "stackctl" || configuration.plan.processes[name] != nil
    }

    // MARK: run

    /// Runs the stack until a stop is requested. `alongside` (the control API) runs for the same time;
    /// `onReady` is called once everything is healthy and registered. Throws when start-up fails, after
    /// stopping whatever had started.
    public func run(alongside: @escaping @Sendable () async -> Void,
                    onReady: @escaping @Sendable (StackStatus, [String: String]) async -> Void) async throws(SupervisorFailure) {
        let plan = configuration.plan
        var failure: SupervisorFailure?
        await withTaskGroup(of: Void.self) { group in
            // The control API and the signal handler first: a `down` or Ctrl-C during seeding stops in order.
            group.addTask { await alongside() }
            group.addTask {
                for await event in self.events { await self.record(event) }
            }
            do {
                await reapLeftovers()
                try checkPorts()
                try await checkExternal()
                try await seed()
                if stopWasRequested { throw SupervisorFailure("stopped before the stack was up", exitCode: 1) }
            } catch {
                failure = error as? SupervisorFailure ?? SupervisorFailure("\(error)", exitCode: 1)
            }
            if failure == nil {
                for process in plan.started {
                    processes[process.name] = ManagedProcess(
                        spec: process, sink: sink, keeperExecutable: configuration.keeperExecutable, changes: changes,
                        onEvent: { [eventContinuation] event in eventContinuation.yield(event) })
                }
                for process in plan.processes.values where process.external {
                    processes[process.name] = ManagedProcess(spec: process, sink: sink, keeperExecutable: "", onEvent: { _ in })
                }
                for (name, process) in processes {
                    let dependencies = plan.processes[name]!.dependsOn.compactMap { dep, condition in
                        processes[dep].map { ($0, condition) }
                    }
                    group.addTask { await process.run(dependencies: dependencies) }
                }
            }
            do {
                if let failure { throw failure }
                try await waitUntilHealthy()
                try await register()
                phase = .running
                await onReady(await status(), await environment())
                if let keeper = registration {
                    group.addTask { await keeper.keepAlive() }
                }
                var iterator = stopRequests.makeAsyncIterator()
                if let reason = await iterator.next() { sink.note("stopping the stack (\(reason))") }
            } catch {
                failure = error as? SupervisorFailure ?? SupervisorFailure("\(error)", exitCode: 1)
            }
            await shutdown()
            eventContinuation.finish()
            group.cancelAll()
        }
        if let failure { throw failure }
    }

    private func record(_ event: ManagedProcess.Event) async {
        switch event {
        case let .started(name, keeper, service):
            if let keeperStamp = ProcessStamp.of(keeper) {
                children[name] = ChildRecord(name: name, keeper: keeperStamp, service: ProcessStamp.of(service), serviceGroup: service)
                try? Leftovers.save(Array(children.values).sorted { $0.name < $1.name }, to: configuration.state.childrenFile)
            }
        case let .healthy(name, run):
            guard run > 1, phase == .running, let keeper = registration else { return }
            let plan = configuration.plan
            if name == plan.file.stackctl.registration?.toolProcess || plan.processes[name]?.url == plan.variables["TAIS_URL"] {
                await keeper.renewNow(reason: "\(name) restarted")
            }
        case let .ended(name, status, stopStack):
            if stopStack {
                requestStop(reason: "\(name) \(status) and its policy is exit_on_failure")
            }
        }
    }
}
