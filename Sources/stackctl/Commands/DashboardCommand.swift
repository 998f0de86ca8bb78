import ArgumentParser
import Foundation
import StackSupervisor

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Print the running stack's dashboard URL (it carries this run's control token).",
        discussion: """
            The dashboard is served by the supervisor on its control port (STACKCTL_PORT, default 8700, 127.0.0.1 only). \
            Opening the URL turns the token into a cookie. See docs/dashboard.md.

            Example: xdg-open "$(stackctl dashboard)"
            """)

    @OptionGroup var stateOptions: StateOptions

    func run() async throws {
        let state = stateOptions.state
        guard let client = ControlClient.connect(state), let token = state.controlToken() else {
            throw fail("no stack running on \(state.url.path) (`stackctl up` starts one)", code: 2)
        }
        print("\(client.runtime.controlURL)/dashboard?token=\(token)")
    }
}
