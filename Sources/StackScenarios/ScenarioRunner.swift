import WireFormats

/// Runs a scenario's steps in order against an environment, then its `finally` steps, reporting as it goes.
public struct ScenarioRunner: Sendable {
    /// Deadline of one request.
    public var requestTimeout: Duration

    public init() {
        requestTimeout = .seconds(30)
    }

    /// Runs every step; `progress` gets the whole report after each change (a step starting or ending).
    public func run(_ scenario: Scenario, in environment: ScenarioEnvironment,
                    progress: @escaping @Sendable (ScenarioReport) async -> Void = { _ in }) async -> ScenarioReport {
        let started = ContinuousClock.now
        let all = scenario.steps.map { ($0, false) } + scenario.cleanup.map { ($0, true) }
        var report = ScenarioReport(
            status: "running", name: scenario.name,
            steps: all.enumerated().map { offset, entry in
                ScenarioStepReport(index: offset + 1, name: entry.0.name, status: "pending", detail: nil, durationMs: nil, cleanup: entry.1)
            },
            durationMs: 0)
        await progress(report)

        var variables = environment.variables.mapValues { JSONValue.string($0) }
        variables["run_id"] = .string(Self.runID())
        // A variable that cannot be computed fails the first step; the `finally` steps still run.
        var setupFailure: String?
        for variable in scenario.variables {
            do { variables[variable.name] = try variable.value.resolve(variables) } catch {
                setupFailure = "variable \(variable.name): \(error)"
                break
            }
        }

        var failed = false
        for (offset, (step, cleanup)) in all.enumerated() {
            if failed, !cleanup { continue } // marked skipped already
            report.steps[offset].status = "running"
            report.durationMs = Self.milliseconds(since: started)
            await progress(report)

            let stepStarted = ContinuousClock.now
            let outcome: ScenarioStepOutcome
            if let failure = setupFailure, offset == 0 {
                outcome = .failed(failure)
            } else if Task.isCancelled, !cleanup {
                outcome = .failed("cancelled")
            } else {
                let execution = ScenarioStepExecution(step: step, variables: variables, services: environment.services,
                                                      requestTimeout: requestTimeout)
                // Cleanup runs even when the run is cancelled (Ctrl-C): an unstructured task does not inherit it.
                outcome = cleanup ? await Task { await execution.run() }.value : await execution.run()
            }
            for (name, value) in outcome.saved { variables[name] = value }

            report.steps[offset].status = outcome.passed ? "passed" : "failed"
            report.steps[offset].detail = outcome.detail
            report.steps[offset].durationMs = Self.milliseconds(since: stepStarted)
            if !outcome.passed {
                if !failed, !cleanup {
                    for later in report.steps.indices where later > offset && !report.steps[later].cleanup {
                        report.steps[later].status = "skipped"
                    }
                }
                failed = true
            }
            report.durationMs = Self.milliseconds(since: started)
            await progress(report)
        }
        if setupFailure != nil { failed = true }
        report.status = failed ? "failed" : "passed"
        report.durationMs = Self.milliseconds(since: started)
        await progress(report)
        return report
    }

    /// 16 random hex digits, new per run, so a scenario's names (tenants, idempotency keys) never collide with a past run's.
    static func runID() -> String {
        let hex = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
}
