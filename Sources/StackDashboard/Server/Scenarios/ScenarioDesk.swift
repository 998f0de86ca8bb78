import Foundation
import StackHTTP
import StackScenarios
import StackSupervisor

/// Scenario runs started from the dashboard: one at a time (they move shared clocks and faults), each report kept
/// (the last 20) and every change of it sent to the open pages.
actor ScenarioDesk {
    struct Run: Codable, Sendable, Equatable {
        var runId: String
        var report: ScenarioReport
    }

    private let supervisor: Supervisor
    let catalog: ScenarioCatalog
    private var runs: [String: Run] = [:]
    private var order: [String] = []
    private var running: String?
    private let listeners = Broadcast<Run>()
    /// Runs are started here and awaited by `DashboardServer.run`'s task group (no unowned tasks).
    private let starts: AsyncStream<(String, Scenario)>.Continuation
    let startStream: AsyncStream<(String, Scenario)>

    init(supervisor: Supervisor, directory: URL) {
        self.supervisor = supervisor
        catalog = ScenarioCatalog(directory: directory)
        (startStream, starts) = AsyncStream<(String, Scenario)>.makeStream()
    }

    func summaries() throws -> [ScenarioSummary] {
        do { return try catalog.summaries() } catch { throw HTTPFailure(.internalServerError, "\(error)") }
    }

    /// Queues a run; 409 while another runs.
    func start(_ name: String) throws -> String {
        if let running { throw HTTPFailure(.conflict, "scenario run \(running) is still going; one at a time") }
        let scenario: Scenario
        do { scenario = try catalog.load(name) } catch { throw HTTPFailure(.notFound, "\(error)") }
        let id = "run_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        // The runner's first progress report lists every step.
        record(Run(runId: id, report: ScenarioReport(status: "running", name: name, steps: [], durationMs: 0)))
        running = id
        starts.yield((id, scenario))
        return id
    }

    func run(_ id: String) -> Run? { runs[id] }

    /// Executes queued runs until cancelled.
    func serve() async {
        for await (id, scenario) in startStream {
            await execute(id, scenario)
        }
    }

    private func execute(_ id: String, _ scenario: Scenario) async {
        let env = await supervisor.environment()
        let state = supervisor.configuration.state
        let runtime = state.readRuntime()
        let environment = ScenarioEnvironment(
            stackEnv: env, controlURL: runtime?.controlURL ?? "", controlToken: state.controlToken() ?? "",
            tenant: await supervisor.status().registration?.tenant)
        supervisor.sink.note("scenario \(scenario.name) started (dashboard, \(id))")
        let report = await ScenarioRunner().run(scenario, in: environment) { report in
            await self.record(Run(runId: id, report: report))
        }
        record(Run(runId: id, report: report))
        running = nil
        supervisor.sink.note("scenario \(scenario.name): \(report.passed ? "PASS" : "FAIL") (\(id))")
    }

    private func record(_ run: Run) {
        if runs[run.runId] == nil {
            order.append(run.runId)
            if order.count > 20 { runs[order.removeFirst()] = nil }
        }
        runs[run.runId] = run
        listeners.send(run)
    }

    nonisolated func subscribe() -> AsyncStream<Run> { listeners.subscribe(buffer: 64) }
}
