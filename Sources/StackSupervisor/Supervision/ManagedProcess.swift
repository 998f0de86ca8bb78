import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One process of the stack for the whole life of the supervisor: starts it once its dependencies meet their
/// conditions, probes it (fast while starting, at the probe's period after), restarts it under its policy with
/// backoff, and stops it (its signal, then KILL to its group after the timeout).
public actor ManagedProcess {
    public enum Event: Sendable {
        /// A run began: the keeper and the command's pids (for reaping leftovers after a crash).
        case started(name: String, keeper: Int32, service: Int32)
        /// Healthy (or running, without a probe); `run` counts the starts, 1 for the first.
        case healthy(name: String, run: Int)
        /// Ended and will not be started again by policy; `stopStack` for `exit_on_failure`.
        case ended(name: String, status: ExitStatus, stopStack: Bool)
    }

    public nonisolated let spec: ResolvedProcess
    private let sink: LogSink
    private let keeperExecutable: String
    private let onEvent: @Sendable (Event) -> Void
    private let changes: ChangeSignal?

    private var state: ServiceState { didSet { if state != oldValue { changes?.notify() } } }
    private var healthy = false { didSet { if healthy != oldValue { changes?.notify() } } }
    private var restarts = 0 { didSet { changes?.notify() } }
    private var runs = 0
    private var lastExit: String?
    private var child: ChildProcess? { didSet { changes?.notify() } }
    /// When the current run's command started (uptime).
    private var startedAt: ContinuousClock.Instant?
    private var stopRequested = false
    /// Stopped on request (the dashboard's stop button): stays down, the supervisor running, until `start()`.
    private var heldDown = false
    private var restartRequested = false
    /// Between asking for a child and having it: `stop` waits this out, so a child never starts unwatched.
    private var spawning = false
    private var wakeups: AsyncStream<Void>.Continuation?

    public init(spec: ResolvedProcess, sink: LogSink, keeperExecutable: String, changes: ChangeSignal? = nil,
                onEvent: @escaping @Sendable (Event) -> Void) {
        self.spec = spec
        self.sink = sink
        self.keeperExecutable = keeperExecutable
        self.changes = changes
        self.onEvent = onEvent
        state = spec.external ? .external : .pending
        healthy = spec.external
    }

    public func status() -> ServiceStatus {
        ServiceStatus(name: spec.name, state: state, healthy: healthy, pid: child?.servicePID, url: spec.url,
                      restarts: restarts, lastExit: lastExit)
    }

    /// How long the current run has been up; nil when no command runs.
    public func uptime() -> Duration? {
        guard child != nil, let startedAt else { return nil }
        return ContinuousClock.now - startedAt
    }

    /// Started and (with a probe) healthy at least once in the current run.
    public func meets(_ condition: DependencyCondition) -> Bool {
        switch condition {
        case .processStarted: return state == .external || child != nil
        case .processHealthy: return healthy
        }
    }

    /// The process's whole life; returns once it is stopped for good (`stop()`).
    public func run(dependencies: [(ManagedProcess, DependencyCondition)]) async {
        guard !spec.external else { return }
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wakeups = continuation
        for (dependency, condition) in dependencies {
            while await !dependency.meets(condition) {
                if stopRequested { state = .stopped; return }
                // Only while the stack starts; short, so a dependent follows its dependency at once.
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        var attempt = 0
        var iterator = stream.makeAsyncIterator()
        while !stopRequested {
            if heldDown {
                state = .stopped
                while !stopRequested && heldDown {
                    guard await iterator.next(isolation: self) != nil else { break }
                }
                if stopRequested { break }
                restartRequested = false
                attempt = 0
                sink.note("starting \(spec.name) (requested)")
            }
            let startedAt = ContinuousClock.now
            guard let status = await runOnce() else {
                // The command could not even be started (state `failed`): it waits for `start`, `restart` or a stop,
                // as a process the policy gave up on does.
                while !stopRequested && !restartRequested && !heldDown {
                    guard await iterator.next(isolation: self) != nil else { break }
                }
                if restartRequested {
                    restartRequested = false
                    restarts += 1
                    attempt = 0
                }
                continue
            }
            if stopRequested { break }
            if heldDown {
                sink.note("\(spec.name) stopped (requested): \(status); it stays down until started")
                continue
            }
            if restartRequested {
                restartRequested = false
                restarts += 1
                sink.note("restarting \(spec.name) (requested)")
                continue
            }
            let ran = ContinuousClock.now - startedAt
            if ran >= .seconds(spec.extras.stableSeconds) { attempt = 0 }
            let limit = spec.availability.maxRestarts
            if shouldRestart(spec.availability.restart, status: status), limit == 0 || attempt < limit {
                attempt += 1
                restarts += 1
                state = .restarting
                let wait = restartBackoff(attempt: attempt, baseSeconds: spec.availability.backoffSeconds,
                                          capSeconds: spec.extras.backoffMaxSeconds)
                sink.note("\(spec.name) \(status) after \(Self.seconds(ran)); restart \(attempt) in \(Self.seconds(wait))")
                await sleepUnlessWoken(wait)
                continue
            }
            let exhausted = shouldRestart(spec.availability.restart, status: status)
            state = status.isSuccess ? .stopped : .failed
            sink.note("\(spec.name) \(status) after \(Self.seconds(ran))" + (exhausted ? "; gave up after \(limit) restarts" : ""))
            onEvent(.ended(name: spec.name, status: status, stopStack: spec.availability.restart == .exitOnFailure && !status.isSuccess))
            // Stays down until `restart` (or the stack stops).
            while !stopRequested && !restartRequested {
                guard await iterator.next(isolation: self) != nil else { break }
            }
            if restartRequested {
                restartRequested = false
                restarts += 1
                attempt = 0
            }
        }
        state = .stopped
        healthy = false
        continuation.finish()
    }

    private enum RunOutcome: Sendable {
        case exited(ExitStatus)
        case outputClosed
        case outputDeadline
        case probeEnded
    }

    /// One start to exit; nil when the command could not even be started.
    private func runOnce() async -> ExitStatus? {
        state = .starting
        healthy = false
        let child: ChildProcess
        spawning = true
        do {
            child = try await ChildProcess.start(
                name: spec.name, command: spec.command, environment: spec.environment,
                workingDirectory: spec.workingDirectory, graceSeconds: spec.shutdown.timeoutSeconds,
                keeperExecutable: keeperExecutable)
        } catch {
            spawning = false
            lastExit = "\(error)"
            state = .failed
            sink.note("cannot start \(spec.name): \(error)")
            onEvent(.ended(name: spec.name, status: ExitStatus(raw: 127 << 8), stopStack: false))
            return nil
        }
        startedAt = .now
        self.child = child
        spawning = false
        onEvent(.started(name: spec.name, keeper: child.keeperPID, service: child.servicePID))
        runs += 1
        let run = runs
        if spec.probe == nil { markHealthy(run: run) }
        let sink = self.sink
        let name = spec.name
        let status = await withTaskGroup(of: RunOutcome.self) { group in
            group.addTask { await child.pumpOutput(into: sink); return .outputClosed }
            group.addTask {
                let status = await child.waitForExit()
                child.reapOrphanedService()
                return .exited(status)
            }
            group.addTask { await self.probe(run: run); return .probeEnded }
            var status: ExitStatus?
            var outputClosed = false
            for await outcome in group {
                switch outcome {
                case let .exited(exit):
                    status = exit
                    if outputClosed {
                        group.cancelAll()
                    } else {
                        // Normally the pipes close with the keeper. Something still holding them must not
                        // keep this run (and a restart or a stop) waiting forever.
                        group.addTask { try? await Task.sleep(for: .seconds(3)); return .outputDeadline }
                    }
                case .outputClosed:
                    outputClosed = true
                    if status != nil { group.cancelAll() }
                case .outputDeadline:
                    if !outputClosed {
                        sink.note("\(name)'s output is still held open 3 s after it exited; no longer reading it")
                        group.cancelAll()
                    }
                case .probeEnded:
                    break
                }
            }
            return status ?? ExitStatus(raw: 0)
        }
        lastExit = status.description
        self.child = nil
        healthy = false
        return status
    }

    private func probe(run: Int) async {
        guard let probe = spec.probe else { return }
        try? await Task.sleep(for: probe.initialDelay)
        let probing = ContinuousClock.now
        while !Task.isCancelled {
            if await probe.check() {
                markHealthy(run: run)
                break
            }
            try? await Task.sleep(for: HealthProbe.startupInterval(after: ContinuousClock.now - probing))
        }
        var failures = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: probe.period)
            if Task.isCancelled { return }
            if await probe.check() {
                if !healthy, !Task.isCancelled {
                    sink.note("\(spec.name) is healthy again")
                    healthy = true
                }
                failures = 0
            } else if !Task.isCancelled {
                failures += 1
                if failures == probe.failureThreshold, healthy {
                    healthy = false
                    sink.note("\(spec.name) failed \(failures) health checks in a row (\(probe.url))")
                }
            }
        }
    }

    private func markHealthy(run: Int) {
        guard runs == run, !stopRequested, !heldDown else { return }
        state = .running
        healthy = true
        onEvent(.healthy(name: spec.name, run: run))
    }

    private func sleepUnlessWoken(_ duration: Duration) async {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline, !stopRequested, !restartRequested, !heldDown {
            try? await Task.sleep(for: min(.milliseconds(50), deadline - ContinuousClock.now))
        }
        if restartRequested { restartRequested = false }
    }

    /// Restarts the process now (also one that is down); the restart count grows by one. Returns once the
    /// old run has ended (its signal, then KILL after the timeout); the new one starts by itself.
    public func restart() async {
        guard !spec.external, !stopRequested else { return }
        restartRequested = true
        heldDown = false
        wakeups?.yield()
        if let child {
            child.signal(spec.shutdown.signal)
            await escalate(child, after: .seconds(spec.shutdown.timeoutSeconds))
        }
    }

    /// Stops the process until `start()` (the supervisor and the other processes go on): its shutdown signal, then
    /// KILL after the timeout; returns once it has ended.
    public func hold() async {
        guard !spec.external, !stopRequested, !heldDown else { return }
        while spawning { try? await Task.sleep(for: .milliseconds(10)) }
        heldDown = true
        wakeups?.yield()
        if let child {
            state = .stopping
            child.signal(spec.shutdown.signal)
            await escalate(child, after: .seconds(spec.shutdown.timeoutSeconds))
        } else {
            // Down already (waiting for a restart, or given up): it now waits for `start()` instead.
            state = .stopped
        }
    }

    /// Starts a process stopped by `hold()`, or one that ended and is not restarted by policy. False when there
    /// is nothing to start: it runs, starts or restarts already.
    @discardableResult
    public func start() -> Bool {
        guard !spec.external, !stopRequested else { return false }
        if heldDown {
            heldDown = false
            // Also ends the wait of a process that had ended by policy before it was held.
            restartRequested = true
        } else if child == nil, state == .failed || state == .stopped {
            restartRequested = true
        } else {
            return false
        }
        wakeups?.yield()
        return true
    }

    public var isHeldDown: Bool { heldDown }

    /// Stops the process for good: its shutdown signal, then KILL to its group after the timeout; returns
    /// once it is gone.
    public func stop() async {
        stopRequested = true
        wakeups?.yield()
        while spawning { try? await Task.sleep(for: .milliseconds(10)) }
        guard let child else { return }
        state = .stopping
        let started = ContinuousClock.now
        child.signal(spec.shutdown.signal)
        await escalate(child, after: .seconds(spec.shutdown.timeoutSeconds))
        while self.child === child { try? await Task.sleep(for: .milliseconds(10)) }
        sink.note("stopped \(spec.name): \(lastExit ?? "gone") after \(Self.seconds(ContinuousClock.now - started))")
    }

    private func escalate(_ child: ChildProcess, after timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while self.child === child, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if self.child === child {
            sink.note("\(spec.name) did not stop within \(Self.seconds(timeout)): killing its process group")
            child.killGroup()
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value < 10 ? String(format: "%.1f s", value) : String(format: "%.0f s", value)
    }
}
