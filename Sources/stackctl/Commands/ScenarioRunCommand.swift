import ArgumentParser
import Foundation
import StackScenarios
import StackSupervisor
import Synchronization
import UnixSignals

struct ScenarioRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenarios against the running stack (or one started for the run); exit 0 only if all pass.",
        discussion: """
            Each step prints as it finishes:
              PASS  2/9  pay with 4242 (35 ms)
              FAIL  3/9  wait for the credit: expected balanceCredits = 2000, got 3000
              SKIP  4/9  check the receipt
            then `scenario NAME: PASS (9 steps, 1.4 s)`. A step after a failure is skipped; the finally steps \
            (cleanup) always run, and a failing one fails the run.

            The stack is the one running on --state-dir (its URLs, dev JWT, session and control token, as \
            `stackctl env` shows them). --ephemeral-ports starts a stack for the run in a fresh temporary state \
            dir instead (its start-up output goes to stderr) and stops and removes it afterwards, also on failure. \
            Ctrl-C stops the steps; the finally steps still run. \
            --service-url NAME=URL sends one service's requests elsewhere, e.g. through a proxy \
            (NAME: openmeter, tais, stripe, mcp, stackctl).

            --json prints only JSON: one report {"status","name","durationMs","steps":[{"index","name","status",\
            "detail","durationMs","cleanup"}]} for one scenario, an array of them for several or --all.

            Exit codes: 0 every scenario passed; 1 a scenario failed (or the stack for --ephemeral-ports did not \
            start); 2 bad usage, an unknown scenario (the known ones are listed), a broken scenario file, or no \
            stack running.

            Examples:
              stackctl scenario run declined-then-good-card
              stackctl scenario run --all --ephemeral-ports
              stackctl scenario run webhook-storm --service-url tais=http://127.0.0.1:9999
            """)

    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var directory: ScenarioDirectoryOption

    @Argument(help: "The scenarios to run, in order (`stackctl scenario list` shows them).")
    var names: [String] = []

    @Flag(help: "Run every scenario, by name.")
    var all = false

    @Flag(help: "Print only the JSON report.")
    var json = false

    @Flag(name: .customLong("ephemeral-ports"), help: "Start a stack on free ports for the run, in a temporary state dir; stop it afterwards.")
    var ephemeralPorts = false

    @Option(name: .customLong("service-url"), help: ArgumentHelp("Send one service's requests to another base URL (repeatable).", valueName: "name=url"),
            transform: Self.serviceURL)
    var serviceURLs: [(name: String, url: String)] = []

    func validate() throws {
        if names.isEmpty, !all { throw ValidationError("name a scenario or pass --all (`stackctl scenario list` shows them)") }
        if !names.isEmpty, all { throw ValidationError("pass scenario names or --all, not both") }
    }

    func run() async throws {
        let catalog = directory.catalog
        let scenarios: [Scenario]
        do {
            scenarios = try (all ? try catalog.names() : names).map { try catalog.load($0) }
        } catch {
            throw fail("\(error)", code: 2)
        }
        if scenarios.isEmpty { throw fail("no scenarios in \(directory.scenarios)", code: 2) }

        let reports: [ScenarioReport]
        if ephemeralPorts {
            let stack = try await ScenarioStack.startEphemeral()
            let outcome: Result<[ScenarioReport], any Error>
            do {
                let environment = try await stack.environment()
                outcome = .success(await Self.untilSignal { await runAll(scenarios, in: environment) })
            } catch {
                outcome = .failure(error)
            }
            await stack.stopEphemeral()
            reports = try outcome.get()
        } else {
            let environment = try await ScenarioStack(state: stateOptions.state).environment()
            reports = await Self.untilSignal { await runAll(scenarios, in: environment) }
        }

        guard !reports.isEmpty else { throw fail("interrupted before any scenario ran", code: 1) }
        if json {
            let text = all || scenarios.count > 1 ? try ScenarioOutput.json(reports) : try ScenarioOutput.json(reports[0])
            ConsoleOutput.standardOutput(text + "\n")
        } else if reports.count > 1 {
            let failed = reports.filter { !$0.passed }.map(\.name)
            ConsoleOutput.standardOutput(failed.isEmpty
                ? "\nall \(reports.count) scenarios passed\n"
                : "\n\(failed.count) of \(reports.count) scenarios failed: \(failed.joined(separator: ", "))\n")
        }
        if reports.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }

    private func runAll(_ scenarios: [Scenario], in base: ScenarioEnvironment) async -> [ScenarioReport] {
        var environment = base
        for (name, url) in serviceURLs { environment.override(service: name, url: url) }
        var reports: [ScenarioReport] = []
        for (offset, scenario) in scenarios.enumerated() {
            if Task.isCancelled { break } // Ctrl-C: the rest do not start
            if !json, offset > 0 { ConsoleOutput.standardOutput("\n") }
            let printer = StepPrinter(enabled: !json)
            let report = await ScenarioRunner().run(scenario, in: environment) { await printer.show($0) }
            if !json { ConsoleOutput.standardOutput(ScenarioConsoleReport.summary(report) + "\n") }
            reports.append(report)
        }
        return reports
    }

    /// One `--service-url NAME=URL`, checked as ArgumentParser reads it.
    static func serviceURL(_ raw: String) throws -> (name: String, url: String) {
        let known = ScenarioService.allCases.map(\.rawValue)
        guard let equals = raw.firstIndex(of: "=") else {
            throw ValidationError("--service-url \(raw): expected NAME=URL (NAME: \(known.joined(separator: ", ")))")
        }
        let name = String(raw[..<equals])
        let url = String(raw[raw.index(after: equals)...])
        guard known.contains(name) else {
            throw ValidationError("--service-url \(raw): unknown service \"\(name)\" (known: \(known.joined(separator: ", ")))")
        }
        guard let parsed = URLComponents(string: url), ["http", "https"].contains(parsed.scheme ?? ""),
              let host = parsed.host, !host.isEmpty else {
            throw ValidationError("--service-url \(raw): \"\(url)\" is not an http:// or https:// URL")
        }
        return (name, url)
    }

    /// Runs `body`; SIGINT or SIGTERM cancels it: the steps end as cancelled, the finally steps still run, and
    /// an ephemeral stack is still stopped.
    private static func untilSignal(_ body: @escaping @Sendable () async -> [ScenarioReport]) async -> [ScenarioReport] {
        await withTaskGroup(of: [ScenarioReport]?.self) { group in
            group.addTask { await body() }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
                return nil
            }
            var reports: [ScenarioReport] = []
            while let next = await group.next() {
                group.cancelAll()
                if let next { reports = next }
            }
            return reports
        }
    }
}

/// Prints each step once, as it finishes (the runner reports every change, including starts).
private final class StepPrinter: Sendable {
    private let printed = Mutex<Set<Int>>([])
    private let enabled: Bool

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ report: ScenarioReport) async {
        guard enabled else { return }
        let lines = printed.withLock { printed in
            report.steps.compactMap { step -> String? in
                guard !printed.contains(step.index), let line = ScenarioConsoleReport.line(step, total: report.steps.count) else { return nil }
                printed.insert(step.index)
                return line
            }
        }
        for line in lines { ConsoleOutput.standardOutput(line + "\n") }
    }
}
