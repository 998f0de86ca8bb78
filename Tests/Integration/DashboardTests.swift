import Foundation
import StackClients
import Testing

extension IntegrationTests {
    /// stackctl's dashboard port on the real stack: who may do what, the process buttons, the fakes' controls,
    /// chat, and the live event stream.
    @Suite("stackctl dashboard")
    struct DashboardTests {
        @Test("the port answers only its own Host, refuses cross-origin and tokenless changes, and listens on 127.0.0.1")
        func guardsItsPort() async throws {
            try await StackctlRun.with("dash-guard") { stack in
                try await stack.up()
                let dash = try DashboardClient(stack)

                #expect(try await dash.get("/dashboard").status == 401)
                #expect(try await dash.get("/dashboard?token=" + String(repeating: "0", count: 64)).status == 401)
                let login = try await dash.get("/dashboard?token=\(dash.token)")
                #expect(login.status == 303)
                let setCookie = login.headers.first(name: "Set-Cookie") ?? ""
                #expect(setCookie.hasPrefix("stackctl_dashboard_\(dash.port)=") && setCookie.contains("HttpOnly")
                        && setCookie.contains("SameSite=Strict"), "\(setCookie)")
                // Browsers send a host's cookies to every port on it: the cookie is not the control token.
                #expect(!setCookie.contains(dash.token), "\(setCookie)")
                let cookie = try await dash.loginCookie()
                let page = try await dash.get("/dashboard", headers: [cookie])
                #expect(page.status == 200 && page.text.contains("credits-mcp"), "\(page.status)")

                // DNS rebinding: a page served by evil.example that resolves to 127.0.0.1 still says its own Host.
                for host in ["evil.example:\(dash.port)", "127.0.0.1.nip.io:\(dash.port)", "127.0.0.1:1"] {
                    let reply = try await dash.get("/api/status", headers: [("Host", host)])
                    #expect(reply.status == 403, "Host \(host): \(reply.status) \(reply.text)")
                }
                #expect(try await dash.get("/api/status", headers: [("Host", "localhost:\(dash.port)")]).status == 200)

                let renew = "/api/registration/renew"
                let refused: [(String, [(String, String)], Int)] = [
                    ("no token", [("Origin", dash.base)], 401),
                    ("the cookie alone", [cookie, ("Origin", dash.base)], 401),
                    ("a wrong token", [("Authorization", "Bearer nope")], 401),
                    ("another origin", [dash.bearer, ("Origin", "http://evil.example")], 403),
                    ("a cross-site fetch", [dash.bearer, ("Sec-Fetch-Site", "cross-site")], 403),
                ]
                for (what, headers, status) in refused {
                    let reply = try await dash.send(.POST, renew, headers: headers)
                    #expect(reply.status == status, "\(what): \(reply.status) \(reply.text)")
                    #expect((try? dash.json(reply))?["error"] is String, "\(what): \(reply.text)")
                }
                #expect(try await dash.send(.POST, renew).status == 202)
                #expect(try await dash.get("/api/env", headers: [cookie]).status == 200)
                #expect(try await dash.get("/api/env", headers: [("Cookie", "stackctl_dashboard_\(dash.port)=\(dash.token)")]).status == 401)

                // The logs hold the ready summary, whose links carry the token and the dev JWT: private to the user.
                for directory in [stack.stateDir, stack.stateDir.appendingPathComponent("logs")] {
                    let mode = try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int
                    #expect(mode == 0o700, "\(directory.path): \(String(mode ?? -1, radix: 8))")
                }
                #expect(try String(contentsOf: stack.stateDir.appendingPathComponent("logs/stackctl.log"), encoding: .utf8)
                    .contains("/dashboard?token=\(dash.token)"), "the ready summary names the dashboard URL")

                // /proc/net/tcp lists the listening socket: 0100007F is 127.0.0.1.
                let table = try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)
                let hexPort = String(format: "%04X", dash.port)
                let listening = table.split(separator: "\n").filter { $0.contains(":\(hexPort) ") && $0.contains(" 0A ") }
                #expect(!listening.isEmpty && listening.allSatisfy { $0.contains("0100007F:\(hexPort)") }, "\(listening)")
            }
        }

        @Test("stop and start a process from the port; every state change reaches the open event stream")
        func stopAndStartLive() async throws {
            try await StackctlRun.with("dash-stop") { stack in
                try await stack.up()
                let dash = try DashboardClient(stack)
                let before = try await stack.status()
                let oldPID = try #require(before.service("credits-mcp")?.pid)
                let oldProcess = try #require(ProcTable.stat(oldPID))

                let stopped = try await DashboardEvents.await(dash, trigger: {
                    let reply = try await dash.send(.POST, "/api/processes/credits-mcp/stop")
                    #expect(reply.status == 202, "\(reply.text)")
                }, until: { event in
                    Self.process("credits-mcp", in: event)?["state"] as? String == "stopped"
                })
                #expect(Self.process("credits-mcp", in: stopped)?["pid"] == nil || Self.process("credits-mcp", in: stopped)?["pid"] is NSNull)
                let whileStopped = try await stack.status()
                #expect(whileStopped.service("fake-tais")?.state == "running", "\(whileStopped)")
                #expect(!ProcTable.isAlive(oldProcess))

                let started = try await DashboardEvents.await(dash, trigger: {
                    let reply = try await dash.send(.POST, "/api/processes/credits-mcp/start")
                    #expect(reply.status == 202, "\(reply.text)")
                }, until: { event in
                    let process = Self.process("credits-mcp", in: event)
                    return process?["state"] as? String == "running" && process?["healthy"] as? Bool == true
                })
                let newPID = Self.process("credits-mcp", in: started)?["pid"] as? Int
                #expect(newPID != nil && newPID != Int(oldPID))
                // A new credits-mcp run means a new registration (the keeper renews on its restart).
                try await stack.waitForStatus("the registration renewed after credits-mcp came back") { status in
                    (status.registration?.renewals ?? 0) >= 1 && status.registration?.state == "registered"
                }
                #expect(try await dash.send(.POST, "/api/processes/nope/stop").status == 404)
                let again = try await dash.send(.POST, "/api/processes/credits-mcp/start")
                #expect(again.status == 409 && again.text.contains("already"), "\(again.text)")

                // A stopped fake is named when the clocks cannot all move together.
                #expect(try await dash.send(.POST, "/api/processes/fake-stripe/stop").status == 202)
                try await stack.waitForStatus("fake-stripe stopped") { $0.service("fake-stripe")?.state == "stopped" }
                let split = try await dash.send(.POST, "/api/fakes/clock/advance", json: #"{"seconds":60}"#)
                #expect(split.status == 502 && split.text.contains("fake-stripe") && split.text.contains("fake-tais moved"), "\(split.text)")
                #expect(try await dash.send(.POST, "/api/processes/fake-stripe/start").status == 202)
                try await stack.waitForStatus("fake-stripe back") { $0.service("fake-stripe")?.healthy == true }
                #expect(try await dash.send(.POST, "/api/fakes/clock/real").status == 200)
            }
        }

        @Test("+1 hour moves every fake's clock and the registration renews; back to real time; faults by kind; a log line streams")
        func fakesControls() async throws {
            try await StackctlRun.with("dash-fakes") { stack in
                try await stack.up()
                let dash = try DashboardClient(stack)
                let env = try await stack.env()

                let advanced = try await dash.send(.POST, "/api/fakes/clock/advance", json: #"{"seconds":3000}"#)
                #expect(advanced.status == 200, "\(advanced.text)")
                let clocks = (try dash.json(advanced)["clocks"] as? [[String: Any]]) ?? []
                #expect(Set(clocks.compactMap { $0["process"] as? String }) == ["fake-stripe", "fake-tais"], "\(advanced.text)")
                #expect(clocks.allSatisfy { ($0["offsetSeconds"] as? Double).map { abs($0 - 3000) < 5 } == true }, "\(advanced.text)")
                try await stack.waitForStatus("renewed once fake-tais's clock passed 80% of the tool's hour", timeout: .seconds(30)) { status in
                    (status.registration?.renewals ?? 0) >= 1 && status.registration?.state == "registered"
                }
                let real = try await dash.send(.POST, "/api/fakes/clock/real")
                let realClocks = (try dash.json(real)["clocks"] as? [[String: Any]]) ?? []
                #expect(realClocks.allSatisfy { $0["mode"] as? String == "real" }, "\(real.text)")
                #expect(try await dash.send(.POST, "/api/fakes/clock/advance", json: #"{"seconds":"soon"}"#).status == 400)

                let openMeter = try #require(env["OPENMETER_URL"])
                let key = env["OPENMETER_API_KEY"] ?? ""
                let meters = { try await dash.http.get(openMeter + "/api/v1/meters", headers: [("Authorization", "Bearer \(key)")]).status }
                let on = try await dash.send(.POST, "/api/fakes/openmeter/faults", json: #"{"kind":"outage"}"#)
                let onFaults = try dash.json(on)["faults"] as? [String]
                #expect(on.status == 201 && onFaults == ["outage"], "\(on.text)")
                #expect(try await meters() == 503)
                let off = try await dash.send(.DELETE, "/api/fakes/openmeter/faults?kind=outage")
                let offFaults = try dash.json(off)["faults"] as? [String]
                #expect(off.status == 200 && offFaults == [], "\(off.text)")
                #expect(try await meters() == 200)
                #expect(try await dash.send(.POST, "/api/fakes/openmeter/faults", json: #"{"kind":"meltdown"}"#).status == 400)

                // A supervisor note written after the stream opened arrives as a log event.
                let line = try await DashboardEvents.await(dash, query: "?logs=all&tail=0", trigger: {
                    _ = try await dash.send(.POST, "/api/fakes/clock/advance", json: #"{"seconds":1}"#)
                }, until: { event in
                    event.name == "log" && event.data.contains("moved every fake's clock by +1 s")
                })
                #expect(line.object?["process"] as? String == "stackctl")
                _ = try await dash.send(.POST, "/api/fakes/clock/real")
            }
        }

        @Test("chat through the port: a rendered table, tool calls, credits and balance; a new session; reset and reseed")
        func chatAndReset() async throws {
            try await StackctlRun.with("dash-chat") { stack in
                try await stack.up()
                let dash = try DashboardClient(stack)
                let status = try await stack.status()
                let stackSession = try #require(status.registration?.sessionId)

                let sessions = try dash.json(try await dash.get("/api/chat/sessions", headers: [dash.bearer]))["sessions"] as? [[String: Any]]
                #expect(sessions?.first?["id"] as? String == stackSession && sessions?.first?["isStackSession"] as? Bool == true)

                let question = #"{"content":"How many AI credits has each user in my tenant used this month?"}"#
                let answer = try await dash.send(.POST, "/api/chat/sessions/\(stackSession)/messages", json: question)
                #expect(answer.status == 200, "\(answer.text)")
                let body = try dash.json(answer)
                let message = try #require(body["message"] as? [String: Any])
                let html = message["html"] as? String ?? ""
                #expect(html.contains("<table") && html.contains("<th"), "\(html)")
                let calls = message["toolCalls"] as? [[String: Any]] ?? []
                #expect(!calls.isEmpty && calls.allSatisfy { $0["isError"] as? Bool == false }, "\(calls)")
                #expect((message["creditsCharged"] as? Double ?? 0) > 0)
                let balance = try #require(body["balanceCredits"] as? Double)

                let created = try await dash.send(.POST, "/api/chat/sessions", json: #"{"title":"second"}"#)
                #expect(created.status == 201, "\(created.text)")
                let second = try #require(try dash.json(created)["id"] as? String)
                let again = try await dash.send(.POST, "/api/chat/sessions/\(second)/messages", json: question)
                #expect(again.status == 200, "\(again.text)")
                let after = try #require(try dash.json(again)["balanceCredits"] as? Double)
                #expect(after < balance)
                #expect(try await dash.send(.POST, "/api/chat/sessions/\(second)/messages", json: #"{"content":"  "}"#).status == 400)

                let reset = try await dash.send(.POST, "/api/fakes/reset")
                #expect(reset.status == 200, "\(reset.text)")
                let outcome = try dash.json(reset)
                #expect((outcome["reset"] as? [String])?.sorted() == ["fake-openmeter", "fake-stripe", "fake-tais"], "\(reset.text)")
                #expect(outcome["seeded"] as? Int == 30000, "\(reset.text)")
                let renewed = try await stack.waitForStatus("registered again after the reset") { status in
                    (status.registration?.renewals ?? 0) >= 1 && status.registration?.state == "registered"
                }
                let session = try #require(renewed.registration?.sessionId)
                let fresh = try await dash.send(.POST, "/api/chat/sessions/\(session)/messages", json: question)
                #expect(fresh.status == 200, "\(fresh.text)")
                let freshBalance = try #require(try dash.json(fresh)["balanceCredits"] as? Double)
                let charged = try #require((try dash.json(fresh)["message"] as? [String: Any])?["creditsCharged"] as? Double)
                #expect(abs(freshBalance - (1000 - charged)) < 0.001, "the ledger starts over with the starting credits: \(freshBalance)")
            }
        }

        static func process(_ name: String, in event: DashboardEvents.Event) -> [String: Any]? {
            guard event.name == "snapshot", let processes = event.object?["processes"] as? [[String: Any]] else { return nil }
            return processes.first { $0["name"] as? String == name }
        }
    }
}
