/// `/dashboard`: the processes, the registration, the fakes' clock and faults, and the billing link.
///
/// Ids: `process-table`, per process `process-row-NAME`, `process-state-NAME`, `process-health-NAME`,
/// `process-pid-NAME`, `process-url-NAME`, `process-restarts-NAME`, `process-uptime-NAME` (`data-seconds`),
/// `process-rss-NAME`, `process-cpu-NAME`, `process-exit-NAME`, `restart-NAME`, `stop-NAME`, `start-NAME`;
/// `registration-state`, `registration-tool`, `registration-session`, `registration-tenant`, `registration-user`,
/// `registration-expires`, `registration-left` (`data-seconds`), `registration-renewals`, `registration-error`,
/// `renew-now`; `clock-now`, `clock-mode` (`data-mode`), `clock-offset`, `clock-advance-hour`, `clock-advance-day`,
/// `clock-real`; `fault-outage`, `fault-latency`, `fault-rate_limit` (`aria-pressed`, `data-on`); `reset-reseed`;
/// `billing-link`.
extension DashboardPages {
    static func overview(_ context: PageContext) -> String {
        let snapshot = context.snapshot
        let main = """
            \(processesPanel(snapshot.processes))
            <div class="columns">
            \(registrationPanel(snapshot.registration))
            \(fakesPanel(snapshot))
            </div>
            """
        return document(.overview, context, main: main)
    }

    /// The fault kinds fake-openmeter takes, with their button labels.
    static let faultKinds: [(kind: String, label: String)] = [
        ("outage", "Outage (503)"), ("latency", "Latency (+1.5 s)"), ("rate_limit", "Rate limit (429)"),
    ]

    // MARK: processes

    private static func processesPanel(_ processes: [ProcessView]) -> String {
        let rows = processes.map(processRow).joined(separator: "\n")
        let empty = processes.isEmpty ? "<tr class=\"empty\"><td colspan=\"10\">No processes.</td></tr>" : ""
        return """
            <section class="panel" aria-labelledby="processes-title">
            <h2 id="processes-title">Processes</h2>
            <div class="scroll-x">
            <table id="process-table" class="grid">
            <thead><tr><th scope="col">Process</th><th scope="col">State</th><th scope="col">Health</th><th scope="col" class="num">PID</th><th scope="col">URL</th><th scope="col" class="num">Restarts</th><th scope="col" class="num">Uptime</th><th scope="col" class="num">RSS</th><th scope="col" class="num">CPU</th><th scope="col">Actions</th></tr></thead>
            <tbody id="process-rows">
            \(rows)\(empty)
            </tbody>
            </table>
            </div>
            </section>
            """
    }

    static func processRow(_ process: ProcessView) -> String {
        let e = PageFormat.e
        let name = e(process.name)
        let url = PageFormat.webHref(process.url).map { "<a href=\"\(e($0))\" target=\"_blank\" rel=\"noopener\">\(e($0))</a>" }
            ?? e(process.url ?? PageFormat.missing)
        let uptime = process.uptimeSeconds.map { "\(Int64(max(0, $0.isFinite ? $0 : 0)))" } ?? ""
        let exit = process.lastExit.map { "<small id=\"process-exit-\(name)\" class=\"muted\">last exit: \(e($0))</small>" }
            ?? "<small id=\"process-exit-\(name)\" class=\"muted\"></small>"
        return """
            <tr id="process-row-\(name)" data-process="\(name)" data-state="\(e(process.state))" data-healthy="\(process.healthy)" data-external="\(process.external)">
            <th scope="row" class="name">\(name)</th>
            <td>\(pill(id: "process-state-\(process.name)", process.state)) \(exit)</td>
            <td><span id="process-health-\(name)" class="health" data-healthy="\(process.healthy)">\(healthText(process))</span></td>
            <td id="process-pid-\(name)" class="num">\(process.pid.map { "\($0)" } ?? PageFormat.missing)</td>
            <td id="process-url-\(name)" class="url">\(url)</td>
            <td id="process-restarts-\(name)" class="num">\(process.restarts)</td>
            <td id="process-uptime-\(name)" class="num" data-seconds="\(uptime)">\(process.uptimeSeconds.map(PageFormat.duration) ?? PageFormat.missing)</td>
            <td id="process-rss-\(name)" class="num">\(PageFormat.bytes(process.rssBytes))</td>
            <td id="process-cpu-\(name)" class="num">\(PageFormat.cpu(process.cpuPercent))</td>
            <td class="actions">\(processButtons(process))</td>
            </tr>
            """
    }

    private static func healthText(_ process: ProcessView) -> String {
        if process.healthy { return "healthy" }
        return process.state == "running" || process.state == "external" ? "unhealthy" : PageFormat.missing
    }

    /// None for an external process; stop while it runs or starts, start once it stopped or failed.
    private static func processButtons(_ process: ProcessView) -> String {
        guard !process.external else { return "<span class=\"muted\">external</span>" }
        let e = PageFormat.e
        let name = e(process.name)
        let canStop = ["pending", "starting", "running", "restarting"].contains(process.state)
        let canStart = ["stopped", "failed"].contains(process.state)
        return """
            <button type="button" id="restart-\(name)" data-action="restart" data-process="\(name)">Restart</button>\
            <button type="button" id="stop-\(name)" data-action="stop" data-process="\(name)"\(canStop ? "" : " disabled")>Stop</button>\
            <button type="button" id="start-\(name)" data-action="start" data-process="\(name)"\(canStart ? "" : " disabled")>Start</button>
            """
    }

    // MARK: registration

    private static func registrationPanel(_ registration: RegistrationView?) -> String {
        let e = PageFormat.e
        func value(_ text: String?) -> String { text.map { "<code>\(e($0))</code>" } ?? PageFormat.missing }
        let state = registration?.state ?? "none"
        let left = registration?.secondsLeft.flatMap { $0.isFinite ? "\(Int64($0.rounded(.down)))" : nil } ?? ""
        return """
            <section class="panel" aria-labelledby="registration-title">
            <h2 id="registration-title">Registration</h2>
            <dl class="facts">
            <dt>State</dt><dd>\(pill(id: "registration-state", state))</dd>
            <dt>Tool</dt><dd id="registration-tool">\(value(registration?.toolId))</dd>
            <dt>Session</dt><dd id="registration-session">\(value(registration?.sessionId))</dd>
            <dt>Tenant</dt><dd id="registration-tenant">\(e(registration?.tenant ?? PageFormat.missing))</dd>
            <dt>User</dt><dd id="registration-user">\(e(registration?.user ?? PageFormat.missing))</dd>
            <dt>Expires</dt><dd id="registration-expires">\(PageFormat.timeElement(registration?.expiresAt))</dd>
            <dt>Time left</dt><dd id="registration-left" data-seconds="\(left)">\(PageFormat.timeLeft(registration?.secondsLeft))</dd>
            <dt>Renewals</dt><dd id="registration-renewals">\(registration?.renewals ?? 0)</dd>
            <dt>Last error</dt><dd id="registration-error" class="error-text" data-empty="\(registration?.lastError == nil)">\(e(registration?.lastError ?? PageFormat.missing))</dd>
            </dl>
            <div class="buttons"><button type="button" id="renew-now" data-action="renew"\(registration == nil ? " disabled" : "")>Renew now</button></div>
            </section>
            """
    }

    // MARK: fakes and billing

    private static func fakesPanel(_ snapshot: DashboardSnapshot) -> String {
        let e = PageFormat.e
        let clock = snapshot.clock
        let disabled = clock == nil ? " disabled" : ""
        var faults = ""
        for (kind, label) in faultKinds {
            let on = snapshot.openMeterFaults.contains(kind)
            faults += "<button type=\"button\" id=\"fault-\(kind)\" class=\"toggle\" data-action=\"fault\" data-kind=\"\(kind)\" "
                + "aria-pressed=\"\(on)\" data-on=\"\(on)\">\(label)</button>"
        }
        let billing: String
        if let href = PageFormat.webHref(snapshot.billingLink) {
            billing = "<a id=\"billing-link\" href=\"\(e(href))\" target=\"_blank\" rel=\"noopener\">fake-tais Settings → Billing</a>"
        } else {
            billing = "<a id=\"billing-link\" aria-disabled=\"true\">no fake-tais in this stack</a>"
        }
        return """
            <section class="panel" aria-labelledby="fakes-title">
            <h2 id="fakes-title">Fakes</h2>
            <h3>Clock</h3>
            <dl class="facts">
            <dt>Now</dt><dd id="clock-now" data-now="\(e(clock?.now ?? ""))">\(e(PageFormat.time(clock?.now)))</dd>
            <dt>Mode</dt><dd><span id="clock-mode" class="pill" data-mode="\(e(clock?.mode ?? "none"))" data-state="\(e(clock?.mode ?? "none"))">\(e(clock?.mode ?? PageFormat.missing))</span></dd>
            <dt>Offset</dt><dd id="clock-offset" data-seconds="\(clock.map { "\($0.offsetSeconds)" } ?? "")">\(clock.map { PageFormat.offset($0.offsetSeconds) } ?? PageFormat.missing)</dd>
            </dl>
            <div class="buttons">\
            <button type="button" id="clock-advance-hour" data-action="clock-advance" data-seconds="3600"\(disabled)>+1 hour</button>\
            <button type="button" id="clock-advance-day" data-action="clock-advance" data-seconds="86400"\(disabled)>+1 day</button>\
            <button type="button" id="clock-real" data-action="clock-real"\(disabled)>Back to real time</button>\
            </div>
            <h3>fake-openmeter faults</h3>
            <div class="buttons">\(faults)</div>
            <h3>Demo data</h3>
            <div class="buttons"><button type="button" id="reset-reseed" class="danger" data-action="reset">Reset and reseed</button></div>
            <p class="hint">Resets every fake, seeds the demo data again, grants the starting credits and registers the tool again.</p>
            <h3>Billing</h3>
            <p>\(billing)</p>
            </section>
            """
    }
}
