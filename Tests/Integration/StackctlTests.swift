import Foundation
import StackClients
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension IntegrationTests {
    /// `stackctl` end to end: the built binary runs the real stack (fake-openmeter, fake-tais, credits-mcp) from
    /// compose/stack.yaml on ephemeral ports, each test in its own state dir, and `down`s it afterwards.
    @Suite("stackctl end to end")
    struct StackctlTests {
        static let question = "How many AI credits has my tenant used this month?"
        static let tenant = "tenant-01"
        static let user = "admin@tenant-01.example"

        // MARK: - 1. up, status, env, chat

        @Test("up --detach is ready and registered; status, env and a chat answer the seeded usage from credits-mcp")
        func upStatusEnvAndChat() async throws {
            try await StackctlRun.with("up") { stack in
                let up = try await stack.up()
                #expect(up.stdout.contains("The credits stack is up"), "no ready summary:\n\(up)")
                #expect(up.stdout.contains("stackctl chat"), "the summary has no sample chat line:\n\(up)")

                let status = try await stack.status()
                #expect(status.state == "running", "\(status)")
                #expect(status.services.map(\.name).sorted() == StackctlRun.services, "\(status)")
                for service in status.services {
                    #expect(service.state == "running" && service.healthy, "\(service.name): \(status)")
                    #expect(service.restarts == 0, "\(service.name): \(status)")
                    let pid = try #require(service.pid, "\(service.name) has no pid: \(status)")
                    let process = try #require(ProcTable.stat(pid), "\(service.name)'s pid \(pid) does not exist")
                    #expect(!process.isZombie)
                    #expect(ProcTable.commandLine(pid)?.contains(service.name) == true,
                            "pid \(pid) is not \(service.name) itself: \(ProcTable.commandLine(pid) ?? "?")")
                    let url = try #require(service.url, "\(service.name) has no url: \(status)")
                    #expect(url.hasPrefix("http://127.0.0.1:") && service.port != nil, "\(url)")
                    #expect(up.stdout.contains(url), "the summary does not show \(url):\n\(up.stdout)")
                }
                let registration = try #require(status.registration, "no registration: \(status)")
                #expect(registration.toolId?.hasPrefix("tool_") == true, "\(status)")
                #expect(registration.sessionId?.hasPrefix("ses_") == true, "\(status)")
                #expect(registration.tenant == Self.tenant && registration.user == Self.user, "\(status)")
                #expect(registration.state == "registered" && registration.renewals == 0, "\(status)")
                #expect(registration.expiresAt.flatMap(StackctlTime.parse).map { $0 > Date() } == true, "\(status)")

                let env = try await stack.env()
                for key in ["OPENMETER_URL", "OPENMETER_API_KEY", "MCP_URL", "TAIS_URL", "STRIPE_URL", "TAIS_JWT", "TAIS_SESSION_ID", "TAIS_TOOL_ID"] {
                    #expect(env[key]?.isEmpty == false, "env has no \(key): \(env)")
                }
                #expect(env["OPENMETER_URL"] == status.service("fake-openmeter")?.url)
                #expect(env["TAIS_URL"] == status.service("fake-tais")?.url)
                #expect(env["STRIPE_URL"] == status.service("fake-stripe")?.url)
                #expect(env["MCP_URL"] == status.service("credits-mcp")?.url.map { $0 + "/mcp" })
                #expect(env["TAIS_SESSION_ID"] == registration.sessionId && env["TAIS_TOOL_ID"] == registration.toolId)
                #expect(env["TAIS_JWT"]?.split(separator: ".").count == 3, "TAIS_JWT is not a JWT")

                try await Self.expectSeededUsageAnswer(stack, env: env)

                // The same session through the TAIS API with the env's token: the tool answered, no error.
                let message = try await Self.chatFromTool(env)
                #expect(message.toolCalls.first?.toolId == registration.toolId, "\(message.toolCalls)")
                #expect(StackctlUsageAnswer(message.content)?.tenant == Self.tenant, "\(message.content)")

                // The control API: status for anyone local; the env (the dev JWT) and logs only with the run's token.
                let control = "http://127.0.0.1:\(try #require(stack.controlPort()))"
                let http = HTTPRequester(timeout: .seconds(10))
                #expect(try await http.get(control + "/api/status").status == 200)
                for path in ["/api/env", "/api/logs"] {
                    let refused = try await http.get(control + path, headers: [("Authorization", "Bearer wrong")])
                    #expect(refused.status == 401 && !refused.text.contains(env["TAIS_JWT"] ?? "-"), "\(path): \(refused.status)")
                }
                let token = try String(contentsOf: stack.stateDir.appendingPathComponent("control-token"), encoding: .utf8)
                #expect(try await http.get(control + "/api/env", headers: [("Authorization", "Bearer \(token)")]).status == 200)
            }
        }

        /// `stackctl chat QUESTION` answers with the tool's total of the seeded data: the total OpenMeter holds for
        /// the window the answer states, less the credit event of this very chat (ingested after the answer, so
        /// the tool could not have counted it; counted by the query only when its time falls in the window).
        static func expectSeededUsageAnswer(_ stack: StackctlRun, env: [String: String]) async throws {
            let tais = TAISClient(baseURL: try #require(env["TAIS_URL"]))
            let openMeter = StackctlOpenMeter(baseURL: try #require(env["OPENMETER_URL"]), apiKey: try #require(env["OPENMETER_API_KEY"]))
            // Whatever fake-tais sent before this chat is in OpenMeter before the tool's query.
            try #require(try await waitUntil(timeout: .seconds(30)) { try await tais.outbox().pending == 0 }, "fake-tais's outbox never drained")
            let delivered = try await tais.outbox().delivered
            let before = Set(try await openMeter.events(source: "fake-tais").map(\.id))

            let chat = try await stack.run(["chat", question])
            try #require(chat.code == 0, "\(chat)")
            #expect(chat.stdout.contains("tool call: get_credit_usage_by_tenant"), "not answered by the tool:\n\(chat)")
            #expect(!chat.stdout.contains("(error)"), "the tool call failed:\n\(chat)")
            #expect(chat.stdout.contains("credits charged: 1"), "\(chat)")
            let answer = try #require(StackctlUsageAnswer(chat.stdout), "no usage total in the answer:\n\(chat)")
            #expect(answer.tenant == tenant)
            let from = try #require(StackctlTime.parse(answer.from), "\(answer.from)")
            let to = try #require(StackctlTime.parse(answer.to), "\(answer.to)")

            // This chat's own event reaches OpenMeter through the outbox: wait for it, then query.
            try #require(try await waitUntil(timeout: .seconds(30)) {
                let outbox = try await tais.outbox()
                return outbox.pending == 0 && outbox.delivered > delivered
            }, "the chat's credit event never left fake-tais's outbox")
            let held = try await openMeter.total(subject: tenant, from: answer.from, to: answer.to)
            let chatEvents = try await openMeter.events(source: "fake-tais").filter { !before.contains($0.id) }
            #expect(chatEvents.count == 1, "expected the one credit event of this chat: \(chatEvents)")
            let chatCreditsInWindow = chatEvents
                .filter { StackctlTime.parse($0.time).map { $0 >= from && $0 < to } ?? false }
                .map(\.credits).reduce(0, +)
            let expected = held - chatCreditsInWindow
            if expected.magnitude < 0.005 {
                // Only in the first hour of a month: the seed ends at the last whole hour.
                #expect(answer.totalText == nil || answer.total == 0, "OpenMeter holds nothing for the window:\n\(chat)")
            } else {
                let total = try #require(answer.total, "no total in:\n\(chat)")
                #expect(abs(total - expected) <= 0.005 + 1e-9,
                        "the answer says \(answer.totalText ?? "-") for \(answer.from)..\(answer.to); OpenMeter holds \(held) (of which \(chatCreditsInWindow) from this chat)")
                let table = MarkdownAnswer(chat.stdout)
                #expect(table.header == ["tenant", "credits"], "\(chat.stdout)")
                #expect(table.rows == [[tenant, answer.totalText ?? "-"]], "\(table.rows)")
            }
        }

        /// One chat through TAIS with the env's token and session; requires the tool to have answered.
        @discardableResult
        static func chatFromTool(_ env: [String: String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> TAISMessage {
            let url = try #require(env["TAIS_URL"]), token: String = try #require(env["TAIS_JWT"])
            let tais = TAISClient(baseURL: url, token: token, requester: HTTPRequester(timeout: .seconds(60)))
            let message = try await tais.sendMessage(try #require(env["TAIS_SESSION_ID"]), question)
            let call = try #require(message.toolCalls.first, "the tool was not called:\n\(message.content)", sourceLocation: sourceLocation)
            #expect(call.toolName == "get_credit_usage_by_tenant" && !call.isError,
                    "\(message.toolCalls)\n\(message.content)", sourceLocation: sourceLocation)
            #expect(!message.content.contains("no longer available"), "\(message.content)", sourceLocation: sourceLocation)
            return message
        }

        // MARK: - 2. Two stacks side by side

        @Test("Two stacks run side by side on their own ports, each answers a chat, both go down")
        func twoStacksSideBySide() async throws {
            try await StackctlRun.with("one") { one in
                try await StackctlRun.with("two") { two in
                    async let upOne = one.run(["up", "--detach", "--ephemeral-ports"])
                    async let upTwo = two.run(["up", "--detach", "--ephemeral-ports"])
                    let (first, second) = try await (upOne, upTwo)
                    try #require(first.code == 0, "\(first)\n\(one.logTail())")
                    try #require(second.code == 0, "\(second)\n\(two.logTail())")

                    let statusOne = try await one.status(), statusTwo = try await two.status()
                    #expect(statusOne.state == "running" && statusTwo.state == "running", "\(statusOne)\n\(statusTwo)")
                    let portsOne = Set(statusOne.services.compactMap(\.port) + [one.controlPort()].compactMap { $0 })
                    let portsTwo = Set(statusTwo.services.compactMap(\.port) + [two.controlPort()].compactMap { $0 })
                    #expect(portsOne.count == 5 && portsTwo.count == 5, "\(portsOne) \(portsTwo)")
                    #expect(portsOne.isDisjoint(with: portsTwo), "shared ports: \(portsOne.intersection(portsTwo))")
                    #expect(statusOne.registration?.sessionId != statusTwo.registration?.sessionId)

                    async let chatOne = one.run(["chat", Self.question])
                    async let chatTwo = two.run(["chat", Self.question])
                    let answers = try await [(chatOne, statusOne), (chatTwo, statusTwo)]
                    for (chat, status) in answers {
                        #expect(chat.code == 0, "\(chat)")
                        #expect(chat.stdout.contains("tool call: get_credit_usage_by_tenant") && !chat.stdout.contains("(error)"), "\(chat)")
                        #expect(StackctlUsageAnswer(chat.stdout)?.tenant == Self.tenant, "\(chat)")
                        // The Excel link points at this stack's own credits-mcp.
                        let mcpPort = try #require(status.service("credits-mcp")?.port)
                        #expect(MarkdownAnswer(chat.stdout).downloadLink?.contains(":\(mcpPort)/download/") == true, "\(chat)")
                    }

                    async let downOne = one.run(["down"])
                    async let downTwo = two.run(["down"])
                    let downs = try await [downOne, downTwo]
                    for down in downs { #expect(down.code == 0, "\(down)") }
                    #expect(try await one.status().state == "stopped")
                    #expect(try await two.status().state == "stopped")
                }
            }
        }

        // MARK: - 3. credits-mcp killed

        @Test("kill -9 of credits-mcp: restarted with a new pid, the registration renewed, chats work again")
        func killedServiceRestarts() async throws {
            try await StackctlRun.with("kill-mcp") { stack in
                try await stack.up()
                let before = try await stack.status()
                let oldPID = try #require(before.service("credits-mcp")?.pid)
                let oldProcess = try #require(ProcTable.stat(oldPID))
                let oldTool = try #require(before.registration?.toolId)
                #expect(kill(oldPID, SIGKILL) == 0)

                let after = try await stack.waitForStatus("credits-mcp restarted and the tool registered again") { status in
                    guard let mcp = status.service("credits-mcp"), let registration = status.registration else { return false }
                    return mcp.restarts >= 1 && mcp.healthy && mcp.state == "running" && mcp.pid != nil && mcp.pid != oldPID
                        && registration.renewals >= 1 && registration.state == "registered"
                        && registration.toolId != nil && registration.toolId != oldTool
                }
                let mcp = try #require(after.service("credits-mcp"))
                let lastExit = mcp.lastExit ?? ""
                #expect(lastExit.contains("signal 9") || lastExit.contains("KILL"), "lastExit: \(lastExit)")
                #expect(!ProcTable.isAlive(oldProcess))
                #expect(after.state == "running", "\(after)")
                for other in ["fake-openmeter", "fake-tais"] {
                    #expect(after.service(other)?.pid == before.service(other)?.pid && after.service(other)?.restarts == 0, "\(after)")
                }
                let env = try await stack.env()
                #expect(env["TAIS_TOOL_ID"] == after.registration?.toolId)
                let message = try await Self.chatFromTool(env)
                #expect(message.toolCalls.first?.toolId == after.registration?.toolId)
            }
        }

        // MARK: - 4. Registration expiry

        @Test("fake-tais's clock past the registration's expiry: stackctl registers again, chats never fail meanwhile")
        func expiredRegistrationIsRenewed() async throws {
            try await StackctlRun.with("expiry") { stack in
                try await stack.up()
                let before = try await stack.status()
                let registration = try #require(before.registration)
                let oldTool = try #require(registration.toolId)
                let oldExpiry = try #require(registration.expiresAt.flatMap(StackctlTime.parse))
                let env = try await stack.env()
                let taisURL = try #require(env["TAIS_URL"]), token = try #require(env["TAIS_JWT"])
                let session = try #require(env["TAIS_SESSION_ID"])
                let tais = TAISClient(baseURL: taisURL, token: token, requester: HTTPRequester(timeout: .seconds(60)))

                try await TAISClient(baseURL: taisURL).advanceClock(seconds: 3700)

                var replies: [(status: Int, body: String)] = []
                let renewed = try await stack.waitForStatus("the registration renewed after the expiry") { status in
                    let reply = try await tais.sendMessageReply(session, Self.question)
                    replies.append((reply.status, reply.text))
                    guard let now = status.registration else { return false }
                    return now.renewals > registration.renewals && now.state == "registered"
                        && now.toolId != nil && now.toolId != oldTool
                }
                #expect(!replies.isEmpty)
                let failed = replies.filter { $0.status != 200 }
                #expect(failed.isEmpty, "chats failed while the registration was renewed: \(failed.map { "HTTP \($0.status): \($0.body.prefix(200))" })")
                let newExpiry = try #require(renewed.registration?.expiresAt.flatMap(StackctlTime.parse))
                #expect(newExpiry > oldExpiry.addingTimeInterval(3000), "the new registration expires \(newExpiry), the old one \(oldExpiry)")

                let message = try await Self.chatFromTool(try await stack.env())
                #expect(message.toolCalls.first?.toolId == renewed.registration?.toolId, "\(message.toolCalls)")
            }
        }

        @Test("fake-tais's clock past the renewal point: stackctl renews before expiry, every chat meanwhile answered by the tool")
        func registrationIsRenewedBeforeItExpires() async throws {
            try await StackctlRun.with("renewal-point") { stack in
                try await stack.up()
                let before = try #require(try await stack.status().registration)
                let oldTool = try #require(before.toolId)
                let env = try await stack.env()
                let taisURL = try #require(env["TAIS_URL"])
                // 3,100 s of the 3,600 s lifetime: past the 80 % renewal point (with its jitter), not expired.
                try await TAISClient(baseURL: taisURL).advanceClock(seconds: 3100)
                var answers: [TAISMessage] = []
                let renewed = try await stack.waitForStatus("the registration renewed before it expired") { status in
                    answers.append(try await Self.chatFromTool(env))
                    guard let now = status.registration else { return false }
                    return now.renewals > before.renewals && now.state == "registered" && now.toolId != oldTool
                }
                #expect(!answers.isEmpty)
                #expect(answers.allSatisfy { $0.toolCalls.first.map { !$0.isError } ?? false })
                #expect(stack.logTail().contains("TAIS's clock is at"), "renewed for another reason:\n\(stack.logTail())")
                #expect(!stack.logTail().contains("TAIS no longer has"), "it expired first:\n\(stack.logTail())")
                _ = try await Self.chatFromTool(try await stack.env())
                #expect(renewed.registration?.toolId != oldTool)
            }
        }

        @Test("A real OpenMeter by URL: stackctl neither starts nor seeds fake-openmeter, and chats report to the given one")
        func externalOpenMeterIsUsedNotStarted() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("external-om-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let apiKey = "om-external-\(UUID().uuidString)"
            let openMeter = try await StackUnderTest.startOpenMeter(
                directory: directory, dataFile: directory.appendingPathComponent("om.sqlite"), apiKey: apiKey)
            defer { _ = openMeter.stop() }
            try await StackctlRun.with("external-openmeter") { stack in
                let up = try await stack.run(["up", "--detach", "--ephemeral-ports"],
                                             environment: ["OPENMETER_URL": openMeter.baseURL, "OPENMETER_API_KEY": apiKey])
                try #require(up.code == 0, "\(up)")
                let status = try await stack.status()
                let external = try #require(status.service("fake-openmeter"))
                #expect(external.state == "external" && external.pid == nil && external.url == openMeter.baseURL, "\(status)")
                #expect(!FileManager.default.fileExists(atPath: stack.stateDir.appendingPathComponent("openmeter.sqlite").path))
                #expect(ProcTable.processes(mentioning: stack.stateDir.path).allSatisfy { ProcTable.commandLine($0.pid)?.contains("fake-openmeter") != true })
                let env = try await stack.env()
                #expect(env["OPENMETER_URL"] == openMeter.baseURL && env["OPENMETER_API_KEY"] == apiKey)
                _ = try await Self.chatFromTool(env)
                let control = FakeOpenMeterControl(baseURL: openMeter.baseURL, apiKey: apiKey)
                let arrived = try await waitUntil(timeout: .seconds(30)) {
                    (try? await control.listEvents().contains { $0.subject == "tenant-01" }) ?? false
                }
                #expect(arrived, "the chat's credit event never reached the given OpenMeter")
            }
        }

        @Test("register: one shot against a running TAIS wires a given session; a token TAIS refuses exits 4")
        func registerOneShot() async throws {
            try await StackctlRun.with("register") { stack in
                try await stack.up()
                let env = try await stack.env()
                let taisURL = try #require(env["TAIS_URL"]), token = try #require(env["TAIS_JWT"])
                let tais = TAISClient(baseURL: taisURL, token: token)
                let session = try await tais.createSession(title: "registered by hand")
                let given = ["TAIS_URL": taisURL, "TAIS_JWT": token, "MCP_URL": try #require(env["MCP_URL"])]
                let register = try await stack.run(["register", "--session", session.id], environment: given)
                try #require(register.code == 0, "\(register)")
                let tool = try #require(StackctlRun.parseEnv(register.stdout)["TAIS_TOOL_ID"])
                #expect(StackctlRun.parseEnv(register.stdout)["TAIS_SESSION_ID"] == session.id)
                #expect(try await tais.session(session.id).toolIds == [tool])
                #expect(try await tais.tool(tool).url == env["MCP_URL"])
                #expect(!register.output.contains(token), "the token was printed")

                var forged = given
                forged["TAIS_JWT"] = token.dropLast(4) + "AAAA"
                let refused = try await stack.run(["register", "--session", session.id], environment: forged)
                #expect(refused.code == 4, "\(refused)")
                #expect(refused.stderr.contains("401"), "\(refused)")
            }
        }

        // MARK: - 5. A busy port

        @Test("A taken port: up exits 3 naming the port and its holder, and starts nothing")
        func busyPort() async throws {
            let holder = try StackctlListener()
            defer { holder.close() }
            try await StackctlRun.with("busy-port") { stack in
                let free = try StackctlListener.freePorts(3)
                let up = try await stack.run(["up", "--detach"], environment: [
                    "OPENMETER_PORT": String(holder.port), "STACKCTL_PORT": String(free[0]),
                    "MCP_PORT": String(free[1]), "TAIS_PORT": String(free[2]),
                ])
                #expect(up.code == 3, "\(up)")
                #expect(up.stderr.contains("port \(holder.port)"), "the port is not named:\n\(up)")
                #expect(up.stderr.contains("pid \(getpid())"), "the holder (this test, pid \(getpid())) is not named:\n\(up)")
                #expect(up.output.contains("fake-openmeter"), "the process is not named:\n\(up)")

                let status = try await stack.status()
                #expect(status.state == "stopped" && status.registration == nil, "\(status)")
                #expect(status.services.allSatisfy { $0.state == "stopped" && $0.pid == nil }, "\(status)")
                #expect(ProcTable.processes(mentioning: stack.stateDir.path).isEmpty,
                        "processes started:\n\(ProcTable.describe(ProcTable.processes(mentioning: stack.stateDir.path)))")
                #expect(!FileManager.default.fileExists(atPath: stack.runtimeFile.path), "stackctl.json left behind")
            }
        }

        // MARK: - 6. The supervisor killed

        /// A stack file with fake-openmeter (probed) and a shell script with children of its own.
        static func scriptStackFile(in directory: URL) throws -> URL {
            let text = """
                processes:
                  fake-openmeter:
                    command: ${BIN}/fake-openmeter --data ${STATE_DIR}/openmeter.sqlite
                    environment:
                      - OPENMETER_PORT=${OPENMETER_PORT}
                      - OPENMETER_API_KEY=stackctl-it-key
                    readiness_probe:
                      http_get:
                        host: 127.0.0.1
                        port: ${OPENMETER_PORT}
                        path: /health
                      period_seconds: 1
                      timeout_seconds: 2
                      failure_threshold: 30
                    availability:
                      restart: on_failure
                      backoff_seconds: 1
                      max_restarts: 5
                    shutdown:
                      signal: TERM
                      timeout_seconds: 10

                  sleepers:
                    command: sh -c 'sleep 600 & sleep 600 & wait'
                    availability:
                      restart: "no"

                x-stackctl:
                  ports:
                    fake-openmeter: {env: OPENMETER_PORT, default: 8888, url_env: OPENMETER_URL}

                """
            let file = directory.appendingPathComponent("stack.yaml")
            try text.write(to: file, atomically: true, encoding: .utf8)
            return file
        }

        @Test("kill -9 of the supervisor leaves no child alive, not even a script's own children")
        func killedSupervisorLeavesNothing() async throws {
            try await StackctlRun.with("kill-supervisor") { stack in
                let file = try Self.scriptStackFile(in: stack.directory)
                try await stack.up(["--stack", file.path])
                let status = try await stack.status()
                #expect(status.state == "running" && status.services.allSatisfy(\.healthy), "\(status)")
                let sleepersPID = try #require(status.service("sleepers")?.pid, "\(status)")
                let group = try #require(ProcTable.stat(sleepersPID)).pgrp
                // The script forks its sleeps right after it starts; wait until both exist.
                try #require(try await waitUntil(timeout: .seconds(30)) {
                    ProcTable.all().filter { $0.pgrp == group && ProcTable.comm($0.pid) == "sleep" && !$0.isZombie }.count == 2
                }, "the script's two sleeps never appeared")
                let supervisor = try #require(stack.supervisorPID(), "no pid in stackctl.json")
                let processes = ProcTable.stackProcesses(supervisor: supervisor, status: status)
                // The supervisor, 2 keepers, fake-openmeter, and the script's shell(s) and 2 sleeps.
                #expect(processes.count >= 7, "too few processes found:\n\(ProcTable.describe(processes))")
                #expect(processes.filter { $0.ppid == supervisor }.count == 2, "keepers:\n\(ProcTable.describe(processes))")

                #expect(kill(supervisor, SIGKILL) == 0)
                let gone = try await waitUntil(timeout: .seconds(30)) { processes.allSatisfy { !ProcTable.isAlive($0) } }
                #expect(gone, "alive after kill -9 of the supervisor:\n\(ProcTable.describe(processes.filter(ProcTable.isAlive)))")
                #expect(try await stack.status().state == "stopped")
            }
        }

        @Test("A process that leaves its group (setsid) is still stopped: down returns at once and nothing is left")
        func escapedDescendantIsStopped() async throws {
            try await StackctlRun.with("escaper") { stack in
                let marker = "sleep \(Int.random(in: 100_000...999_999))"
                let file = stack.directory.appendingPathComponent("escaper.yaml")
                try """
                    processes:
                      escaper:
                        command: sh -c 'setsid \(marker) & exec sleep 600'
                    """.write(to: file, atomically: true, encoding: .utf8)
                try await stack.up(["--stack", file.path])
                func escaped() -> [ProcStat] {
                    ProcTable.all().filter { ProcTable.commandLine($0.pid)?.hasPrefix(marker) == true && !$0.isZombie }
                }
                try #require(try await waitUntil(timeout: .seconds(30)) { escaped().count == 1 }, "the setsid child never started")
                let escapedGroup = try #require(escaped().first?.pgrp)
                let service = try #require(try await stack.status().service("escaper")?.pid)
                #expect(escapedGroup != ProcTable.stat(service)?.pgrp, "the child did not leave the service's group")
                let down = try await stack.run(["down"], timeout: .seconds(30))
                #expect(down.code == 0, "\(down)")
                #expect(escaped().isEmpty, "left running after down:\n\(ProcTable.describe(escaped()))")
            }
        }

        @Test("Bad usage exits 2; a URL variable naming a service that does not answer fails up with 1, naming it")
        func usageAndUnreachableExternalService() async throws {
            try await StackctlRun.with("usage") { stack in
                for arguments in [["status", "--bogus"], ["frobnicate"], ["up", "--timeout", "0"], ["restart"]] {
                    let result = try await stack.run(arguments)
                    #expect(result.code == 2, "\(result)")
                }
                let nobody = try StackctlListener.freePorts(1)[0]
                let up = try await stack.run(["up", "--detach", "--ephemeral-ports"],
                                             environment: ["OPENMETER_URL": "http://127.0.0.1:\(nobody)"])
                #expect(up.code == 1, "\(up)")
                #expect(up.stderr.contains("OPENMETER_URL=http://127.0.0.1:\(nobody) does not answer"), "\(up)")
                #expect(ProcTable.processes(mentioning: stack.stateDir.path).isEmpty)
            }
        }

        // MARK: - 7. down

        @Test("down stops every process and the state, a second down says none runs; a second up on the same state dir exits 2")
        func downLeavesNothing() async throws {
            try await StackctlRun.with("down") { stack in
                try await stack.up()
                let status = try await stack.status()
                let supervisor = try #require(stack.supervisorPID(), "no pid in stackctl.json")

                let again = try await stack.run(["up", "--detach", "--ephemeral-ports"])
                #expect(again.code == 2, "\(again)")
                #expect(again.output.contains("already running"), "\(again)")
                #expect(stack.supervisorPID() == supervisor, "the refused up replaced stackctl.json")
                #expect(try await stack.status().state == "running")

                let processes = ProcTable.stackProcesses(supervisor: supervisor, status: status)
                // The supervisor, 3 keepers, 3 services.
                #expect(processes.count >= 7, "too few processes found:\n\(ProcTable.describe(processes))")
                let down = try await stack.run(["down"])
                #expect(down.code == 0, "\(down)")
                let alive = processes.filter(ProcTable.isAlive)
                #expect(alive.isEmpty, "alive once down returned:\n\(ProcTable.describe(alive))")
                #expect(!FileManager.default.fileExists(atPath: stack.runtimeFile.path), "stackctl.json is still there")

                let second = try await stack.run(["down"])
                #expect(second.code == 0, "\(second)")
                #expect(second.stdout.contains("no stack running"), "\(second)")
                let stopped = try await stack.status()
                #expect(stopped.state == "stopped" && stopped.registration == nil, "\(stopped)")
                #expect(stopped.services.allSatisfy { $0.state == "stopped" && $0.pid == nil }, "\(stopped)")
                let env = try await stack.run(["env"])
                #expect(env.code == 2, "env without a stack: \(env)")
            }
        }

        // MARK: - 8. A broken stack file

        @Test("A broken stack file: up exits 2 naming FILE:LINE and the key path of each mistake")
        func brokenStackFile() async throws {
            try await StackctlRun.with("broken") { stack in
                let file = stack.directory.appendingPathComponent("broken.yaml")
                try """
                    processes:
                      a:
                        command: sleep 1
                      x:
                        command: sleep 1
                        depends_on:
                          y:
                            condition: process_healthy
                    x-stackctl:
                      ports:
                        a: {env: A_PORT, default: "8080"}

                    """.write(to: file, atomically: true, encoding: .utf8)
                let up = try await stack.run(["up", "--stack", file.path])
                #expect(up.code == 2, "\(up)")
                #expect(up.stderr.contains("\(file.path):7: processes.x.depends_on.y: "), "\(up)")
                #expect(up.stderr.contains("\(file.path):11: x-stackctl.ports.a.default: "), "\(up)")
                #expect(ProcTable.processes(mentioning: stack.stateDir.path).isEmpty)
            }
        }

        // MARK: - 9. restart, logs, wait

        @Test("restart fake-tais: restarted once, healthy, the registration renewed; logs --tail and wait work")
        func restartLogsWait() async throws {
            try await StackctlRun.with("restart") { stack in
                try await stack.up()
                let before = try await stack.status()
                let oldPID = try #require(before.service("fake-tais")?.pid)
                let renewals = try #require(before.registration?.renewals)

                let restart = try await stack.run(["restart", "fake-tais"])
                #expect(restart.code == 0, "\(restart)")
                let after = try await stack.waitForStatus("fake-tais restarted and the registration renewed") { status in
                    guard let tais = status.service("fake-tais"), let registration = status.registration else { return false }
                    return tais.restarts == 1 && tais.healthy && tais.pid != nil && tais.pid != oldPID
                        && registration.renewals > renewals && registration.state == "registered"
                }
                #expect(after.service("fake-tais")?.url == before.service("fake-tais")?.url, "fake-tais moved: \(after)")

                let wait = try await stack.run(["wait", "--timeout", "30"])
                #expect(wait.code == 0, "\(wait)")

                let logs = try await stack.run(["logs", "fake-tais", "--tail", "5"])
                #expect(logs.code == 0, "\(logs)")
                let lines = logs.stdout.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                #expect((1...5).contains(lines.count), "\(logs)")

                try await Self.chatFromTool(try await stack.env())
            }
        }
    }
}
