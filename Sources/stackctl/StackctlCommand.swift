import ArgumentParser

/// The stack supervisor. Its commands arrive with a later issue; until then it says so
/// instead of pretending, and points at the script that runs the stack today.
@main
struct StackctlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stackctl",
        abstract: "Supervise the local credits stack (not yet available).",
        discussion: """
            stackctl will start fake-openmeter, fake-tais, fake-stripe and credits-mcp in order, \
            health-check them, register the credits tool and renew it, restart what crashes and stop \
            everything cleanly. Until it lands, run the stack with scripts/stack.sh.
            """
    )

    func run() throws {
        print("stackctl is not available yet: run the stack with scripts/stack.sh (see README.md).")
        throw ExitCode(2)
    }
}
