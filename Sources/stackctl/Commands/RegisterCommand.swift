import ArgumentParser
import Foundation
import StackSupervisor
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

struct RegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register credits-mcp with any TAIS (fake or real) and wire it to a session; --watch keeps it registered.",
        discussion: """
            Reads TAIS_URL, TAIS_JWT (decoded for tenant, user and expiry; claim names from x-stackctl.claims) and \
            MCP_URL (the credits-mcp endpoint the agent will call), falling back to the running stack's. The \
            session is --session, else TAIS_SESSION_ID, else (on a terminal) asked for, else a new one. Prints \
            TAIS_TOOL_ID and TAIS_SESSION_ID. With --watch it renews the registration before it expires (and at \
            once if TAIS drops it) until Ctrl-C, then deregisters. Exit 4 when the tool cannot be registered.
            """)

    @OptionGroup var stateOptions: StateOptions

    @Option(help: "The session to wire the tool to.")
    var session: String?

    @Flag(help: "Keep the registration alive until Ctrl-C.")
    var watch = false

    @Option(help: "The stack file (tool name, renewal settings, claim names).")
    var stack: String = "compose/stack.yaml"

    func run() async throws {
        let endpoints = await StackEndpoints.resolve(stateOptions.state)
        guard let tais = endpoints["TAIS_URL"] else { throw fail("set TAIS_URL (or start the stack)", code: 2) }
        guard let token = endpoints["TAIS_JWT"], !token.isEmpty else { throw fail("set TAIS_JWT (or start the stack)", code: 2) }
        guard let toolURL = endpoints["MCP_URL"] else { throw fail("set MCP_URL: the credits-mcp endpoint, e.g. https://mcp.example.com/mcp", code: 2) }
        let file = try? StackFile.load(path: stack)
        let settings = file?.stackctl.registration ?? Registration(toolName: "credits-mcp", toolProcess: "credits-mcp")
        var requested = session ?? endpoints["TAIS_SESSION_ID"]
        if requested == nil, isatty(0) == 1 {
            print("TAIS session id to wire the tool to (empty: create one): ", terminator: "")
            if let line = readLine()?.trimmingCharacters(in: .whitespaces), !line.isEmpty { requested = line }
        }
        let plan = RegistrationPlan(
            taisURL: tais, toolURL: toolURL, toolName: settings.toolName,
            toolDescription: "AI-credit usage of your tenant (OpenMeter), registered by stackctl",
            requestedSessionID: requested, sessionTitle: "Credits questions", settings: settings,
            tokenSource: .provided(token), claims: file?.stackctl.claims ?? ClaimNames(), startingCredits: 0,
            stateDirectory: nil)
        let keeper = RegistrationKeeper(plan: plan, log: { ConsoleOutput.standardError($0 + "\n") })
        let snapshot: RegistrationSnapshot
        do {
            snapshot = try await keeper.establish(deadline: .now + .seconds(30))
        } catch {
            throw fail("cannot register with \(tais): \(error)", code: 4)
        }
        print("TAIS_TOOL_ID=\(snapshot.toolId ?? "")")
        print("TAIS_SESSION_ID=\(snapshot.sessionId ?? "")")
        guard watch else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await keeper.keepAlive() }
            let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
            for await _ in signals { break }
            group.cancelAll()
        }
        await keeper.deregister()
    }
}
