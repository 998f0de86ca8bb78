import ArgumentParser
import Foundation
import StackScenarios
import StackSupervisor

struct ScenarioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "List and run named scenarios: billing edge cases as repeatable scripts against the stack.",
        discussion: """
            A scenario is a YAML file under compose/scenarios/ (NAME.yaml): steps that call the stack's public \
            APIs and the fakes' /_fake/ controls, each with the outcome it expects (status, JSON fields, body, \
            headers), values saved for later steps, polling with retry, repeats (also concurrent), and finally \
            steps that always run to clean up. `scenario run` prints PASS or FAIL per step and exits 0 only when \
            every scenario passed, so any test suite in any language can use it.

            Examples:
              stackctl scenario list
              stackctl scenario run declined-then-good-card
              stackctl scenario run --all --ephemeral-ports --json > report.json
            """,
        subcommands: [ScenarioListCommand.self, ScenarioRunCommand.self]
    )
}

/// `--scenarios DIR`, shared by `list` and `run`.
struct ScenarioDirectoryOption: ParsableArguments {
    @Option(name: .customLong("scenarios"), help: ArgumentHelp("The scenario directory.", valueName: "dir"))
    var scenarios: String = "compose/scenarios"

    var catalog: ScenarioCatalog {
        ScenarioCatalog(directory: URL(fileURLWithPath: scenarios, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).absoluteURL)
    }
}

struct ScenarioListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Each scenario's name, step count and description.",
        discussion: """
            --json prints [{"name","description","steps"}] sorted by name. A file that is not a valid scenario \
            is reported with its line, step and key (exit 2).
            """)

    @OptionGroup var directory: ScenarioDirectoryOption

    /// Accepted so scripts can pass `run`'s options to both; the list is read from the files alone.
    @OptionGroup var stateOptions: StateOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let summaries: [ScenarioSummary]
        do { summaries = try directory.catalog.summaries() } catch { throw fail("\(error)", code: 2) }
        if json {
            ConsoleOutput.standardOutput(try ScenarioOutput.json(summaries) + "\n")
            return
        }
        guard !summaries.isEmpty else {
            print("no scenarios in \(directory.scenarios)")
            return
        }
        let width = summaries.map(\.name.count).max() ?? 0
        for summary in summaries {
            let steps = summary.steps == 1 ? "1 step" : "\(summary.steps) steps"
            print("\(summary.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(steps.leftPadded(to: 9))  \(summary.description)")
        }
    }
}

/// What `scenario` prints.
enum ScenarioOutput {
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
