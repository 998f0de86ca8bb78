import Foundation
import StackScenarios
import Testing
@testable import StackDashboard

/// The server-rendered pages: the ids dashboard.js and the browser tests rely on are there, values are escaped
/// wherever they land (text, attributes, ids, the embedded snapshot), and only http(s) URLs become links.
@Suite struct DashboardPagesTests {
    static let hostile = "\"'><img src=x onerror=alert(1)></script><script>alert(2)</script>&amp;"

    static func process(_ name: String, state: String = "running", external: Bool = false, url: String? = nil) -> ProcessView {
        ProcessView(name: name, state: state, healthy: state == "running", pid: 4242, url: url ?? "http://127.0.0.1:5000",
                    restarts: 2, lastExit: nil, uptimeSeconds: 125.7, rssBytes: 12_582_912, cpuPercent: 1.25, external: external)
    }

    static func context(processes: [ProcessView]? = nil, registration: RegistrationView? = nil, clock: ClockView? = nil,
                        faults: [String] = [], billingLink: String? = "http://127.0.0.1:4000/login?token=a.b&next=/settings/billing",
                        token: String = "0123abcd") -> PageContext {
        let processes = processes ?? [process("credits-mcp"), process("fake-openmeter"), process("fake-stripe"), process("fake-tais"),
                                      process("openmeter", state: "external", external: true)]
        let registration = registration ?? RegistrationView(
            toolId: "tool_1", sessionId: "ses_1", tenant: "tenant-01", user: "admin@tenant-01.example",
            expiresAt: "2026-12-01T04:10:30Z", secondsLeft: 3_599.4, renewals: 3, state: "registered", lastError: nil)
        let snapshot = DashboardSnapshot(
            state: "running", processes: processes, registration: registration,
            clock: clock ?? ClockView(now: "2026-12-01T03:10:30Z", mode: "offset", offsetSeconds: 3_600),
            openMeterFaults: faults, billingLink: billingLink, takenAtMs: 1_796_094_630_000)
        return PageContext(token: token, snapshot: snapshot, processNames: processes.map(\.name).sorted())
    }

    static func hostileContext() -> PageContext {
        let h = hostile
        let process = ProcessView(name: h, state: h, healthy: false, pid: nil, url: "javascript:alert(1)", restarts: 0, lastExit: h,
                                  uptimeSeconds: nil, rssBytes: nil, cpuPercent: nil, external: false)
        let registration = RegistrationView(toolId: h, sessionId: h, tenant: h, user: h, expiresAt: h, secondsLeft: -5,
                                            renewals: 0, state: h, lastError: h)
        return context(processes: [process], registration: registration, clock: ClockView(now: h, mode: h, offsetSeconds: 0),
                       faults: [h], billingLink: "javascript:alert(document.cookie)", token: h)
    }

    /// The hostile value never appears raw: no tag, no attribute break-out, no extra script element.
    static func expectInert(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!html.contains("<img"), sourceLocation: sourceLocation)
        #expect(!html.contains("\"'>"), sourceLocation: sourceLocation)
        #expect(!html.contains("<script>alert"), sourceLocation: sourceLocation)
        #expect(!html.contains("href=\"javascript:"), sourceLocation: sourceLocation)
        #expect(html.components(separatedBy: "<script").count - 1 <= 2, "only dashboard.js and the JSON block", sourceLocation: sourceLocation)
        #expect(html.components(separatedBy: "</script>").count - 1 <= 2, sourceLocation: sourceLocation)
    }

    static func ids(_ html: String) -> Set<String> {
        var ids = Set<String>()
        var rest = html[...]
        while let range = rest.range(of: " id=\"") {
            let after = rest[range.upperBound...]
            guard let end = after.firstIndex(of: "\"") else { break }
            ids.insert(String(after[..<end]))
            rest = after[end...]
        }
        return ids
    }

    static func embeddedSnapshot(_ html: String) throws -> (raw: String, snapshot: DashboardSnapshot) {
        let open = "<script type=\"application/json\" id=\"initial-snapshot\">"
        let start = try #require(html.range(of: open))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let raw = String(html[start.upperBound..<end.lowerBound])
        return (raw, try JSONDecoder().decode(DashboardSnapshot.self, from: Data(raw.utf8)))
    }

    // MARK: overview

    @Test func overviewHasEveryIdTheBrowserTestsUse() {
        let html = DashboardPages.overview(Self.context())
        let ids = Self.ids(html)
        for name in ["credits-mcp", "fake-openmeter", "fake-stripe", "fake-tais"] {
            for prefix in ["process-row-", "process-state-", "process-health-", "process-pid-", "process-url-", "process-restarts-",
                           "process-uptime-", "process-rss-", "process-cpu-", "restart-", "stop-", "start-"] {
                #expect(ids.contains(prefix + name), "missing #\(prefix)\(name)")
            }
        }
        for id in ["registration-state", "registration-tool", "registration-session", "registration-tenant", "registration-user",
                   "registration-renewals", "registration-expires", "registration-left", "registration-error", "renew-now",
                   "clock-now", "clock-mode", "clock-offset", "clock-advance-hour", "clock-advance-day", "clock-real",
                   "fault-outage", "fault-latency", "fault-rate_limit", "reset-reseed", "billing-link", "status", "stack-state",
                   "live-status", "initial-snapshot", "nav-overview", "nav-logs", "nav-chat", "nav-scenarios", "process-table"] {
            #expect(ids.contains(id), "missing #\(id)")
        }
        #expect(html.contains("<meta name=\"stackctl-token\" content=\"0123abcd\">"))
        #expect(html.contains("<script src=\"/dashboard/assets/dashboard.js\" defer></script>"))
        #expect(html.contains("<link rel=\"stylesheet\" href=\"/dashboard/assets/dashboard.css\">"))
        #expect(html.contains("<a id=\"nav-overview\" href=\"/dashboard\" aria-current=\"page\">"))
    }

    @Test func overviewRendersTheSnapshotsValues() {
        let html = DashboardPages.overview(Self.context(faults: ["latency"]))
        #expect(html.contains("<tr id=\"process-row-credits-mcp\" data-process=\"credits-mcp\" data-state=\"running\" data-healthy=\"true\""))
        #expect(html.contains("<span id=\"process-state-credits-mcp\" class=\"pill\" data-state=\"running\">running</span>"))
        #expect(html.contains("<td id=\"process-pid-credits-mcp\" class=\"num\">4242</td>"))
        #expect(html.contains("<td id=\"process-restarts-credits-mcp\" class=\"num\">2</td>"))
        #expect(html.contains("<td id=\"process-uptime-credits-mcp\" class=\"num\" data-seconds=\"125\">2m 05s</td>"))
        #expect(html.contains("<td id=\"process-rss-credits-mcp\" class=\"num\">12.0 MiB</td>"))
        #expect(html.contains("<td id=\"process-cpu-credits-mcp\" class=\"num\">1.2%</td>") || html.contains(">1.3%</td>"))
        #expect(html.contains("<a href=\"http://127.0.0.1:5000\" target=\"_blank\" rel=\"noopener\">"))
        #expect(html.contains("<dd id=\"registration-left\" data-seconds=\"3599\">59m 59s</dd>"))
        #expect(html.contains("<dd id=\"registration-renewals\">3</dd>"))
        #expect(html.contains("<span id=\"clock-mode\" class=\"pill\" data-mode=\"offset\""))
        #expect(html.contains("<dd id=\"clock-offset\" data-seconds=\"3600.0\">+1h 00m 00s</dd>"))
        #expect(html.contains("id=\"fault-latency\" class=\"toggle\" data-action=\"fault\" data-kind=\"latency\" aria-pressed=\"true\" data-on=\"true\""))
        #expect(html.contains("id=\"fault-outage\" class=\"toggle\" data-action=\"fault\" data-kind=\"outage\" aria-pressed=\"false\""))
        #expect(html.contains("<a id=\"billing-link\" href=\"http://127.0.0.1:4000/login?token=a.b&amp;next=/settings/billing\" target=\"_blank\" rel=\"noopener\">"))
    }

    @Test func externalProcessesHaveNoButtonsAndStopStartFollowTheState() {
        let stopped = Self.process("fake-stripe", state: "stopped")
        let html = DashboardPages.overview(Self.context(processes: [Self.process("credits-mcp"), stopped,
                                                                      Self.process("openmeter", state: "external", external: true)]))
        let ids = Self.ids(html)
        #expect(!ids.contains("restart-openmeter") && !ids.contains("stop-openmeter") && !ids.contains("start-openmeter"))
        #expect(html.contains("id=\"stop-credits-mcp\" data-action=\"stop\" data-process=\"credits-mcp\">"))
        #expect(html.contains("id=\"start-credits-mcp\" data-action=\"start\" data-process=\"credits-mcp\" disabled>"))
        #expect(html.contains("id=\"stop-fake-stripe\" data-action=\"stop\" data-process=\"fake-stripe\" disabled>"))
        #expect(html.contains("id=\"start-fake-stripe\" data-action=\"start\" data-process=\"fake-stripe\">"))
    }

    @Test func theEmbeddedSnapshotIsTheContextsAndCannotEndItsScriptBlock() throws {
        let context = Self.hostileContext()
        let html = DashboardPages.overview(context)
        let (raw, snapshot) = try Self.embeddedSnapshot(html)
        #expect(!raw.contains("<") && !raw.contains(">") && !raw.contains("&"))
        #expect(raw.contains("\\u003c/script\\u003e"))
        #expect(snapshot == context.snapshot)
    }

    @Test func aHostileValueInEveryFieldStaysInertOnEveryPage() {
        let context = Self.hostileContext()
        let h = Self.hostile
        let session = ChatSessionView(id: h, title: h, createdAt: h, isStackSession: true)
        let call = ChatToolCallView(toolName: h, arguments: h, durationMs: 1, isError: true)
        let messages = [
            ChatMessageView(role: "user", content: h, html: h, toolCalls: [], creditsCharged: nil, createdAt: h),
            ChatMessageView(role: "assistant", content: h + "\n\n[x](javascript:alert(1))", html: h, toolCalls: [call], creditsCharged: 1, createdAt: h),
            ChatMessageView(role: h, content: h, html: h, toolCalls: [], creditsCharged: nil, createdAt: h),
        ]
        let pages = [
            DashboardPages.overview(context),
            DashboardPages.logs(context, selected: h),
            DashboardPages.chat(context, sessions: [session], selected: h, messages: messages),
            DashboardPages.scenarios(context, scenarios: [ScenarioSummary(name: h, description: h, steps: 1)]),
        ]
        for html in pages {
            Self.expectInert(html)
            #expect(html.contains("&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        }
        // The token lands escaped in its meta tag.
        #expect(pages[0].contains("<meta name=\"stackctl-token\" content=\"&quot;&#39;&gt;&lt;img"))
        // Ids made of the value are escaped too (they stay one attribute).
        #expect(pages[0].contains("id=\"process-row-&quot;&#39;&gt;&lt;img"))
        #expect(pages[3].contains("id=\"run-&quot;&#39;&gt;&lt;img"))
        // The session link percent-encodes the id in its query.
        #expect(pages[2].contains("href=\"/dashboard/chat?session=%22%27%3E%3Cimg%20src%3Dx"))
    }

    @Test func onlyWebURLsBecomeLinks() {
        let html = DashboardPages.overview(Self.context(
            processes: [Self.process("credits-mcp", url: "javascript:alert(1)")], billingLink: "data:text/html,x"))
        #expect(html.contains("<td id=\"process-url-credits-mcp\" class=\"url\">javascript:alert(1)</td>"))
        #expect(html.contains("<a id=\"billing-link\" aria-disabled=\"true\">"))
        #expect(!html.contains("href=\"javascript:") && !html.contains("href=\"data:text"))
    }

    @Test func overviewWithoutRegistrationOrClock() {
        let snapshot = DashboardSnapshot(state: "starting", processes: [], registration: nil, clock: nil, openMeterFaults: [],
                                         billingLink: nil, takenAtMs: 0)
        let html = DashboardPages.overview(PageContext(token: "t", snapshot: snapshot, processNames: []))
        #expect(html.contains("<span id=\"registration-state\" class=\"pill\" data-state=\"none\">none</span>"))
        #expect(html.contains("id=\"renew-now\" data-action=\"renew\" disabled>"))
        #expect(html.contains("id=\"clock-advance-hour\" data-action=\"clock-advance\" data-seconds=\"3600\" disabled>"))
        #expect(html.contains("<td colspan=\"10\">No processes.</td>"))
        #expect(html.contains("<span id=\"stack-state\" class=\"pill\" data-state=\"starting\""))
    }

    // MARK: logs, chat, scenarios, 401

    @Test func logsPageOffersMergedAndEachProcess() {
        let merged = DashboardPages.logs(Self.context(), selected: nil)
        let ids = Self.ids(merged)
        for id in ["log-process", "log-filter", "log-tail", "log-view", "log-count", "log-follow", "log-clear"] {
            #expect(ids.contains(id), "missing #\(id)")
        }
        #expect(merged.contains("<option value=\"all\" selected>"))
        #expect(merged.contains("data-process=\"all\" data-lines=\"0\""))
        #expect(merged.contains("<a id=\"nav-logs\" href=\"/dashboard/logs\" aria-current=\"page\">"))
        let one = DashboardPages.logs(Self.context(), selected: "fake-tais")
        #expect(one.contains("<option value=\"fake-tais\" selected>fake-tais</option>"))
        #expect(!one.contains("<option value=\"all\" selected>"))
        #expect(one.contains("data-process=\"fake-tais\""))
    }

    @Test func chatPageShowsSessionsConversationToolCallsAndCharge() {
        let sessions = [ChatSessionView(id: "ses_stack", title: nil, createdAt: "2026-12-01T03:10:30.123Z", isStackSession: true),
                        ChatSessionView(id: "ses_2", title: "Second", createdAt: nil, isStackSession: false)]
        let call = ChatToolCallView(toolName: "get_credit_usage_by_tenant", arguments: #"{"from":"2026-12-01"}"#, durationMs: 39.4, isError: false)
        let messages = [
            ChatMessageView(role: "user", content: "How many?\n<b>", html: "", toolCalls: [], creditsCharged: nil, createdAt: "2026-12-01T03:10:31Z"),
            ChatMessageView(role: "assistant", content: MarkdownHTMLTests.usageAnswer, html: "", toolCalls: [call], creditsCharged: 1,
                            createdAt: "2026-12-01T03:10:31Z"),
        ]
        let html = DashboardPages.chat(Self.context(), sessions: sessions, selected: nil, messages: messages)
        let ids = Self.ids(html)
        for id in ["chat-sessions", "chat-new", "chat-question", "chat-ask", "chat-log", "chat-balance", "chat-form",
                   "chat-session-ses_stack", "chat-session-ses_2"] {
            #expect(ids.contains(id), "missing #\(id)")
        }
        #expect(html.contains("<a id=\"chat-session-ses_stack\" href=\"/dashboard/chat?session=ses_stack\" data-session=\"ses_stack\" aria-current=\"true\">"))
        #expect(html.contains("<span class=\"badge\">stack</span>"))
        #expect(html.contains("data-session=\"ses_stack\" data-state=\"idle\" data-messages=\"2\""))
        #expect(html.contains("<div class=\"text\">How many?\n&lt;b&gt;</div>"))
        #expect(html.contains("<th align=\"right\">credits</th>"))
        #expect(html.contains(">Download Excel</a>"))
        #expect(html.contains("<tr class=\"tool-call\" data-error=\"false\"><td><code>get_credit_usage_by_tenant</code></td><td><code class=\"args\">{&quot;from&quot;:&quot;2026-12-01&quot;}</code></td><td class=\"num\">39 ms</td>"))
        #expect(html.contains("<span class=\"charge\" data-credits=\"1\">1 credit charged</span>"))
        #expect(html.contains("2026-12-01 03:10:30Z"))
        #expect(!ids.contains("chat-empty"))

        let empty = DashboardPages.chat(Self.context(), sessions: [], selected: nil, messages: [])
        #expect(empty.contains("id=\"chat-ask\" disabled"))
        #expect(Self.ids(empty).contains("chat-empty"))
    }

    @Test func scenariosPageListsEachWithARunButton() {
        let html = DashboardPages.scenarios(Self.context(), scenarios: [
            ScenarioSummary(name: "declined-then-good-card", description: "A declined card, then a good one", steps: 6),
        ])
        let ids = Self.ids(html)
        for id in ["scenario-table", "scenario-row-declined-then-good-card", "run-declined-then-good-card", "scenario-status",
                   "scenario-steps", "scenario-name", "scenario-duration"] {
            #expect(ids.contains(id), "missing #\(id)")
        }
        #expect(html.contains("data-action=\"scenario-run\" data-scenario=\"declined-then-good-card\">Run</button>"))
        #expect(html.contains("<span id=\"scenario-status\" class=\"verdict\" data-state=\"idle\">"))
        #expect(DashboardPages.scenarios(Self.context(), scenarios: []).contains("No scenarios"))
    }

    @Test func unauthorizedPageSaysWhereTheTokenLinkIs() {
        let html = DashboardPages.unauthorized()
        #expect(html.contains("Open the dashboard URL that <code>stackctl up</code> printed (it carries the token)"))
        #expect(!html.contains("stackctl-token"))
        #expect(!html.contains("<script"))
    }

    @Test func formatsMatchDashboardJS() {
        #expect(PageFormat.duration(0) == "0s")
        #expect(PageFormat.duration(59.9) == "59s")
        #expect(PageFormat.duration(125) == "2m 05s")
        #expect(PageFormat.duration(3_600) == "1h 00m 00s")
        #expect(PageFormat.duration(90_061) == "1d 01h 01m")
        #expect(PageFormat.timeLeft(-12.5) == "expired 12s ago")
        #expect(PageFormat.timeLeft(nil) == "—")
        #expect(PageFormat.offset(-300) == "-5m 00s")
        #expect(PageFormat.offset(0.4) == "none")
        #expect(PageFormat.bytes(600) == "1 KiB")
        #expect(PageFormat.bytes(3 * 1_073_741_824) == "3.00 GiB")
        #expect(PageFormat.milliseconds(1_250) == "1.25 s")
        #expect(PageFormat.credits(1_050) == "1050")
        #expect(PageFormat.credits(0.125) == "0.125")
        #expect(PageFormat.time("2026-12-01T03:10:30.123456+00:00") == "2026-12-01 03:10:30+00:00")
    }

    @Test func assetsAreNonEmptyAndSelfContained() {
        #expect(DashboardScript.source.contains("EventSource"))
        #expect(DashboardScript.source.contains("\"Authorization\": \"Bearer \" + token"))
        #expect(!DashboardScript.source.contains("http://") && !DashboardScript.source.contains("https://"))
        #expect(DashboardStyle.source.contains(".log-view"))
        #expect(!DashboardStyle.source.contains("@import") && !DashboardStyle.source.contains("url("))
    }
}
