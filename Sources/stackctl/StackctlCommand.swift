import ArgumentParser
import StackSupervisor

@main
struct StackctlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stackctl",
        abstract: "Run the local credits stack: start, supervise, register, stop.",
        discussion: """
            stackctl reads compose/stack.yaml, starts fake-openmeter, fake-stripe, fake-tais and credits-mcp in dependency \
            order, waits until each is healthy, seeds a new state dir with demo data, mints a dev JWT, registers \
            credits-mcp as a TAIS tool wired to a chat session, renews that registration before it expires, \
            restarts what crashes, and stops everything (dependents first) on Ctrl-C or `stackctl down`. While it runs, \
            its port serves a dashboard (`stackctl dashboard` prints the URL), and `stackctl scenario run NAME` plays \
            a named billing or registration edge case against it.

            Every command that talks to a running stack takes --state-dir (default .stackctl).

            Exit codes: 0 done; 1 a process failed to start or become healthy (its name and last log lines are \
            printed), or a wait timed out; 2 bad usage, a broken stack file, or no stack running where one is \
            needed; 3 a port is taken (its holder is named); 4 the tool could not be registered.

            See docs/stackctl.md.
            """,
        subcommands: [
            UpCommand.self, DownCommand.self, StatusCommand.self, EnvCommand.self, WaitCommand.self,
            LogsCommand.self, RestartCommand.self, TokenCommand.self, RegisterCommand.self, ChatCommand.self, ScenarioCommand.self,
            DashboardCommand.self,
        ]
    )

    /// stackctl re-executes itself as each child's keeper; that path runs before anything else starts threads.
    static func main() async {
        if CommandLine.arguments.count > 1, CommandLine.arguments[1] == ProcessKeeper.subcommand {
            ProcessKeeper.main(arguments: Array(CommandLine.arguments.dropFirst(2)))
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // The contract's exit code for bad usage is 2 (ArgumentParser's own is 64).
            if exitCode(for: error).rawValue == 64 {
                ConsoleOutput.standardError(fullMessage(for: error) + "\n")
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
