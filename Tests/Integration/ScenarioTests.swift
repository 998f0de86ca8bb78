import Foundation
import Testing

extension IntegrationTests {
    /// The named scenarios of compose/scenarios run by the built `stackctl scenario` against one real stack started
    /// for the suite (`up --detach --ephemeral-ports`). The guards that each one fails when its behaviour breaks are
    /// in ScenarioGuardTests.swift, on the same stack.
    @Suite("Named scenarios", .scenarioStack)
    struct Scenarios {
        @Test("scenario list shows every scenario with its description and step count")
        func listShowsAll() async throws {
            let stack = try ScenarioStack.shared()
            let list = try await stack.listScenarios(json: true)
            try #require(list.code == 0, "\(list)")
            struct Summary: Decodable { let name: String; let description: String; let steps: Int }
            let summaries = try JSONDecoder().decode([Summary].self, from: Data(list.stdout.utf8))
            #expect(Set(ScenarioStack.names).isSubset(of: summaries.map(\.name)), "\(summaries.map(\.name))")
            #expect(summaries.map(\.name) == summaries.map(\.name).sorted(), "not sorted by name")
            for summary in summaries {
                #expect(!summary.description.isEmpty && summary.steps > 0, "\(summary)")
            }
            let text = try await stack.listScenarios(json: false)
            #expect(text.code == 0, "\(text)")
            for name in ScenarioStack.names {
                #expect(text.stdout.contains(name), "\(name) missing from:\n\(text.stdout)")
            }
        }

        @Test("Each scenario passes: exit 0, every step (cleanup included) passed", arguments: ScenarioStack.names)
        func scenarioPasses(_ name: String) async throws {
            let run = try await ScenarioStack.shared().runScenario(name)
            #expect(run.code == 0, "\(run)")
            #expect(run.passed, "\(run)")
            #expect(run.report?.name == name, "\(run)")
        }

        @Test("The scenarios run again on the same stack: all pass a second time in one `scenario run --all`")
        func allPassAgain() async throws {
            let stack = try ScenarioStack.shared()
            let result = try await stack.run.run(["scenario", "run", "--all", "--json"], timeout: .seconds(170))
            #expect(result.code == 0, "\(result)")
            let reports = try JSONDecoder().decode([ScenarioRunReport].self, from: Data(result.stdout.utf8))
            #expect(Set(ScenarioStack.names).isSubset(of: reports.map(\.name)), "\(reports.map(\.name))")
            for report in reports {
                let failed = report.steps.filter { $0.status != "passed" }
                #expect(report.status == "passed" && failed.isEmpty,
                        "\(report.name): \(failed.map { "\($0.name): \($0.detail ?? $0.status)" })")
            }
        }
    }
}
