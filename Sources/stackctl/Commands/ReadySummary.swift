import Foundation
import StackSupervisor

/// The block `up` ends with: where everything is, who you are, and a first thing to try. The token is shown
/// shortened: this text also lands in logs/stackctl.log, and `stackctl env` prints it whole.
struct ReadySummary {
    let status: StackStatus
    let env: [String: String]
    let stateDir: String
    let detached: Bool
    let elapsed: Duration
    /// The dashboard with the per-run token (which becomes a cookie on the first visit).
    var dashboardURL: String? = nil

    /// How the user runs stackctl: `scripts/stackctl` sets STACKCTL_COMMAND so the hints name it.
    var program: String { ProcessInfo.processInfo.environment["STACKCTL_COMMAND"] ?? "stackctl" }


    var text: String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let stateFlag = stateDir == ".stackctl" ? "" : " --state-dir \(stateDir)"
        var lines = ["", "The credits stack is up (\(String(format: "%.1f", seconds)) s). " +
                     (detached ? "`\(program) down\(stateFlag)` stops it." : "Ctrl-C stops it.")]
        let width = status.services.map(\.name.count).max() ?? 10
        for service in status.services {
            let name = service.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let state = service.state == .external ? "external" : (service.healthy ? "healthy" : service.state.rawValue)
            let pid = service.pid.map { "pid \($0)" } ?? ""
            lines.append("  \(name)  \(service.url ?? "-")  \(state)  \(pid)")
        }
        if let mcp = env["MCP_URL"] { lines.append("  MCP endpoint: \(mcp)") }
        if let registration = status.registration {
            lines.append("  tenant \(registration.tenant ?? "?"), user \(registration.user ?? "?")")
            lines.append("  tool \(registration.toolId ?? "?") (expires \(registration.expiresAt ?? "?"), renewed automatically)")
            lines.append("  session \(registration.sessionId ?? "?")")
        }
        if let token = env["TAIS_JWT"] {
            lines.append("  token \(token.prefix(16))… (`\(program) env\(stateFlag)` prints it with every URL)")
        }
        if let dashboardURL {
            lines.append("Dashboard (processes, logs, clock and faults, chat, scenarios; the link carries this run's token):")
            lines.append("  \(dashboardURL)")
        }
        if let link = status.billingLink(env: env) {
            lines.append("Settings → Billing (buy credits through fake-stripe's pay page; the link logs you in):")
            lines.append("  \(link)")
        }
        if status.registration != nil {
            lines.append("Ask the chat agent:")
            lines.append("  \(program) chat\(stateFlag) \"How many AI credits has my tenant used this month?\"")
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}
