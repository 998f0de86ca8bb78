import Foundation
import StackClients
import Testing

/// The one stack the scenario suites share: `stackctl up --detach --ephemeral-ports` in a temp state dir before
/// the first test of the suite it is attached to (`.scenarioStack`), `down` after the last (also when a test
/// fails). Starting it once keeps the suites fast; every scenario uses a fresh tenant or restores what it
/// changed, so the tests do not disturb one another.
struct ScenarioStackTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await StackctlRun.with("scenarios") { run in
            try await run.up()
            let stack = ScenarioStack(run: run, env: try await run.env())
            try await ScenarioStack.$current.withValue(stack) { try await function() }
        }
    }
}

extension Trait where Self == ScenarioStackTrait {
    /// Runs the suite against one shared stack, reachable as `ScenarioStack.shared()`.
    static var scenarioStack: Self { Self() }
}

/// The running stack of a scenario suite and `stackctl scenario` against it.
struct ScenarioStack: Sendable {
    @TaskLocal static var current: ScenarioStack?

    let run: StackctlRun
    /// `stackctl env` of the stack (TAIS_URL, STRIPE_URL, OPENMETER_URL, MCP_URL, TAIS_JWT, …).
    let env: [String: String]

    /// The suite's stack; fails the test when it runs outside a `.scenarioStack` suite.
    static func shared(sourceLocation: SourceLocation = #_sourceLocation) throws -> ScenarioStack {
        try #require(current, "not inside a .scenarioStack suite", sourceLocation: sourceLocation)
    }

    /// The scenarios every stack must ship (compose/scenarios), one per billing or chat edge case of issue 17.
    static let names = [
        "credits-exhausted-then-top-up", "declined-then-good-card", "expired-checkout", "openmeter-outage-mid-chat",
        "plan-cap-override", "registration-renews-mid-chat", "webhook-storm",
    ]

    func url(_ key: String) throws -> String {
        guard let value = env[key] else { throw StackTestError("stackctl env has no \(key): \(env.keys.sorted())") }
        return value
    }

    var tais: TAISClient { get throws { TAISClient(baseURL: try url("TAIS_URL")) } }

    /// `stackctl scenario list [--json]` (no state dir: listing needs no stack).
    func listScenarios(json: Bool) async throws -> StackctlResult {
        try await StackctlRun.execute(
            run.executable, ["scenario", "list"] + (json ? ["--json"] : []), environment: ProcessInfo.processInfo.environment,
            directory: run.packageRoot, timeout: .seconds(60))
    }

    /// `stackctl scenario run NAME --json` (plus `--service-url NAME=URL` for each of `serviceURLs`).
    func runScenario(_ name: String, serviceURLs: [String: String] = [:]) async throws -> ScenarioRun {
        var arguments = ["scenario", "run", name, "--json"]
        for (service, url) in serviceURLs.sorted(by: { $0.key < $1.key }) { arguments += ["--service-url", "\(service)=\(url)"] }
        let result = try await run.run(arguments, timeout: .seconds(150))
        return ScenarioRun(result: result)
    }
}

/// What one `stackctl scenario run --json` did: its exit status and its report.
struct ScenarioRun: Sendable, CustomStringConvertible {
    let result: StackctlResult
    /// nil when stdout is not a report (the failure message then shows stdout and stderr).
    let report: ScenarioRunReport?

    init(result: StackctlResult) {
        self.result = result
        report = try? JSONDecoder().decode(ScenarioRunReport.self, from: Data(result.stdout.utf8))
    }

    var code: Int32 { result.code }

    /// Every step passed (`finally` steps included) and the run says `passed`.
    var passed: Bool { report.map { $0.status == "passed" && $0.steps.allSatisfy { $0.status == "passed" } } ?? false }

    /// The first step that failed, nil when none did.
    var firstFailure: ScenarioRunReport.Step? { report?.steps.first { $0.status == "failed" } }

    var description: String {
        guard let report else { return "\(result)" }
        let steps = report.steps.map { step in
            "  \(step.status.uppercased()) \(step.index) \(step.name)\(step.cleanup ? " (finally)" : "")"
                + (step.detail.map { ": \($0)" } ?? "")
        }.joined(separator: "\n")
        return "scenario \(report.name): \(report.status), exit \(result.code)\n\(steps)\n--- stderr:\n\(result.stderr)"
    }
}

/// `ScenarioReport` (StackScenarios) as `--json` prints it; this target reads the JSON, not the library.
struct ScenarioRunReport: Decodable, Sendable {
    struct Step: Decodable, Sendable {
        let index: Int
        let name: String
        let status: String
        let detail: String?
        let cleanup: Bool
    }

    let status: String
    let name: String
    let steps: [Step]
}
