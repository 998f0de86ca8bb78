import ArgumentParser
import Foundation
import StackSupervisor

/// `--state-dir`, shared by every command.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: "The stack's state dir: supervisor state, logs, the fakes' data.")
    var stateDir: String = ".stackctl"

    var state: StateDirectory {
        StateDirectory(URL(fileURLWithPath: stateDir, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).absoluteURL)
    }
}

/// Prints `message` to stderr and exits with `code`.
func fail(_ message: String, code: Int32) -> ExitCode {
    ConsoleOutput.standardError("stackctl: " + message + "\n")
    return ExitCode(code)
}

extension SupervisorFailure {
    var exit: ExitCode { fail(message, code: exitCode) }
}
