import Foundation
import ProcessSupport
import StackClients
import Synchronization
import Testing
import WireFormats

/// fake-openmeter, fake-tais and credits-mcp as real child processes, wired as in production: fake-tais's outbox
/// posts chat credit events to fake-openmeter (with its API key), its agent calls credits-mcp, and credits-mcp runs
/// with `MCP_AUTH=jwt` against fake-tais's JWKS and reads fake-openmeter. Every process listens on `--port 0` and
/// keeps its files in one private temp folder, so a test starts from nothing and leaves nothing.
///
/// fake-tais can be killed and started again on the same `--data` file (`restartTAIS`); `tais` always answers the
/// current process.
final class TAISStack: Sendable {
    struct Options: Sendable {
        /// Extra or overriding environment of fake-tais (e.g. `TAIS_TOOL_TTL_SECONDS`).
        var taisEnvironment: [String: String] = [:]
        /// Extra or overriding environment of credits-mcp.
        var mcpEnvironment: [String: String] = [:]
    }

    static let tenantA = "acme"
    static let tenantB = "globex"
    static let admins = ["Administrators"]

    let directory: URL
    let apiKey: String
    let options: Options
    let openMeter: ServiceProcess
    let mcp: ServiceProcess
    private let taisProcess: Mutex<ServiceProcess>
    let control: FakeOpenMeterControl
    /// Chats go through credits-mcp and OpenMeter; generous, so a slow debug build does not fail a test.
    let http = HTTPRequester(timeout: .seconds(60))

    var taisDataFile: URL { directory.appendingPathComponent("tais.sqlite") }
    var mcpEndpoint: String { mcp.baseURL + "/mcp" }
    var taisProcessNow: ServiceProcess { taisProcess.withLock { $0 } }
    /// A client of the running fake-tais without a token.
    var tais: TAISClient { TAISClient(baseURL: taisProcessNow.baseURL, requester: http) }

    private init(directory: URL, apiKey: String, options: Options, openMeter: ServiceProcess, tais: ServiceProcess, mcp: ServiceProcess) {
        self.directory = directory
        self.apiKey = apiKey
        self.options = options
        self.openMeter = openMeter
        self.mcp = mcp
        taisProcess = Mutex(tais)
        control = FakeOpenMeterControl(baseURL: openMeter.baseURL, apiKey: apiKey, requester: HTTPRequester(timeout: .seconds(20)))
    }

    /// Runs `body` against a fresh stack and stops every process afterwards, also when `body` throws;
    /// a failure records the logs' tails.
    static func with<T: Sendable>(_ options: Options = Options(), _ body: (TAISStack) async throws -> T) async throws -> T {
        let stack = try await start(options)
        do {
            let result = try await body(stack)
            stack.stop()
            return result
        } catch {
            Issue.record("\(error)\n\(stack.logTail())")
            stack.stop()
            throw error
        }
    }

    static func start(_ options: Options) async throws -> TAISStack {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tais-it-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let apiKey = "om-key-\(UUID().uuidString)"
        var started: [ServiceProcess] = []
        do {
            let openMeter = try await StackUnderTest.startOpenMeter(
                directory: directory, dataFile: directory.appendingPathComponent("openmeter.sqlite"), apiKey: apiKey
            )
            started.append(openMeter)
            let tais = try await startTAIS(
                directory: directory, dataFile: directory.appendingPathComponent("tais.sqlite"),
                openMeterURL: openMeter.baseURL, apiKey: apiKey, environment: options.taisEnvironment
            )
            started.append(tais)
            var environment = StackUnderTest.cleanMCPEnvironment
            environment["MCP_AUTH"] = "jwt"
            environment["TAIS_JWKS_URL"] = tais.baseURL + "/.well-known/jwks.json"
            environment["OPENMETER_URL"] = openMeter.baseURL
            environment["OPENMETER_API_KEY"] = apiKey
            environment["DOWNLOAD_DIR"] = directory.appendingPathComponent("downloads", isDirectory: true).path
            for (key, value) in options.mcpEnvironment { environment[key] = value }
            let mcp = try await ServiceProcess(
                executable: try BuiltProducts.executable("credits-mcp"), arguments: ["--port", "0"],
                environment: environment, workingDirectory: directory
            )
            return TAISStack(directory: directory, apiKey: apiKey, options: options, openMeter: openMeter, tais: tais, mcp: mcp)
        } catch {
            for process in started.reversed() { process.stop() }
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Settings a developer's shell could carry into fake-tais, cleared (an empty value counts as unset).
    static let cleanTAISEnvironment: [String: String] = [
        "TAIS_PORT": "", "TAIS_DATA": "", "OPENMETER_URL": "", "OPENMETER_API_KEY": "", "TAIS_TOOL_TTL_SECONDS": "",
        "CHAT_CREDITS_PER_MESSAGE": "", "CREDITS_PER_USD": "", "TAIS_KEY_GRACE_SECONDS": "", "TAIS_JWT_LEEWAY_SECONDS": "",
        "TAIS_TOOL_TIMEOUT_SECONDS": "", "LOG_LEVEL": "info",
    ]

    /// Starts fake-tais on `dataFile`, sending chat usage to `openMeterURL` with `apiKey`; `port` 0 picks a free one.
    static func startTAIS(
        directory: URL, dataFile: URL, openMeterURL: String, apiKey: String, environment: [String: String], port: Int = 0
    ) async throws -> ServiceProcess {
        try await ServiceProcess(
            executable: try BuiltProducts.executable("fake-tais"),
            arguments: [
                "--host", "127.0.0.1", "--port", String(port), "--data", dataFile.path,
                "--openmeter-url", openMeterURL, "--openmeter-api-key", apiKey,
            ],
            environment: cleanTAISEnvironment.merging(environment) { $1 },
            workingDirectory: directory
        )
    }

    /// Kills fake-tais with `signal` (SIGKILL: no clean shutdown) and starts it again on the same data file and,
    /// when it is free again, the same port (credits-mcp keeps fetching the JWKS there).
    func restartTAIS(signal: Int32 = SIGKILL) async throws {
        let old = taisProcessNow
        let port = old.port
        old.stop(signal: signal)
        var lastError: (any Error)?
        for attempt in 0..<5 {
            do {
                let fresh = try await Self.startTAIS(
                    directory: directory, dataFile: taisDataFile, openMeterURL: openMeter.baseURL, apiKey: apiKey,
                    environment: options.taisEnvironment, port: attempt < 4 ? port : 0
                )
                taisProcess.withLock { $0 = fresh }
                return
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        throw lastError ?? StackTestError("fake-tais did not restart")
    }

    func stop() {
        mcp.stop()
        taisProcessNow.stop()
        openMeter.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The last lines of every log, for failure messages.
    func logTail(lines: Int = 25) -> String {
        func tail(_ text: String) -> String { text.split(separator: "\n").suffix(lines).joined(separator: "\n") }
        return "--- fake-tais log:\n\(tail(taisProcessNow.log))\n--- credits-mcp log:\n\(tail(mcp.log))\n--- fake-openmeter log:\n\(tail(openMeter.log))"
    }

    // MARK: - Fixtures

    /// A caller of fake-tais: its token and a client that sends it.
    struct Caller: Sendable {
        let tenant: String
        let user: String
        let token: String
        let client: TAISClient
    }

    /// A caller ready to chat: credits granted, credits-mcp registered as a tool, a session using it.
    struct ChatSetup: Sendable {
        let caller: Caller
        let tool: TAISTool
        let session: TAISSession

        var client: TAISClient { caller.client }

        /// Sends `content` to the session and returns the answer.
        func chat(_ content: String, idempotencyKey: String? = nil) async throws -> TAISMessage {
            try await client.sendMessage(session.id, content, idempotencyKey: idempotencyKey)
        }
    }

    /// Mints a token for `user` of `tenant` (fake-tais's defaults for whatever is nil).
    func caller(
        _ tenant: String = TAISStack.tenantA, user: String = "ada", groups: [String]? = nil, roles: [String]? = nil, ttlSeconds: Int? = nil
    ) async throws -> Caller {
        let token = try await tais.mint(tenant: tenant, user: user, groups: groups, roles: roles, ttlSeconds: ttlSeconds)
        return Caller(tenant: tenant, user: user, token: token, client: tais.withToken(token))
    }

    /// Grants `credits` to the tenant (none when 0), registers credits-mcp and opens a session with it.
    func chatSetup(
        _ tenant: String = TAISStack.tenantA, user: String = "ada", groups: [String]? = nil, credits: Double = 100,
        budgetCredits: Double? = nil
    ) async throws -> ChatSetup {
        let caller = try await caller(tenant, user: user, groups: groups)
        if credits > 0 { try await tais.grant(tenant: tenant, credits: credits, description: "integration tests") }
        let tool = try await caller.client.registerTool(name: "credits", url: mcpEndpoint, description: "AI-credit usage")
        let session = try await caller.client.createSession(title: "credits chat", budgetCredits: budgetCredits, toolIds: [tool.id])
        return ChatSetup(caller: caller, tool: tool, session: session)
    }

    // MARK: - OpenMeter

    /// How many reads (meter queries, v2 event lists: what credits-mcp does for a tool call) fake-openmeter has
    /// journaled since the last clear; fake-tais's outbox posting credit events does not count.
    func openMeterReads() async throws -> Int {
        let journal = try await control.requests()
        return journal.entries.filter { $0.method == "GET" || $0.path.contains("/meters/") }.count
    }

    /// fake-tais's chat events of `tenant` as fake-openmeter lists them.
    func chatEvents(tenant: String) async throws -> [StoredEvent] {
        try await control.listEvents(filter: .object([
            ("subject", .object([("$eq", .string(tenant))])), ("type", .object([("$eq", .string("ai_credits"))])),
        ])).filter { $0.source == "fake-tais" }
    }

    /// The `ai_credits` meter's total for `tenant` over all time, per `groupBy` key values (e.g. module), from
    /// `GET /api/v1/meters/ai_credits/query`.
    func meterTotals(tenant: String, groupBy: String) async throws -> [String: Double] {
        let url = openMeter.baseURL + "/api/v1/meters/ai_credits/query?subject=\(tenant)&groupBy=\(groupBy)"
        let reply = try await http.get(url, headers: [("Authorization", "Bearer \(apiKey)")])
        try #require(reply.status == 200, "meter query: HTTP \(reply.status) \(reply.text.prefix(300))")
        guard case .array(let rows)? = try reply.json(operation: "meter query")["data"] else {
            throw StackTestError("meter query: no data array in \(reply.text.prefix(300))")
        }
        var totals: [String: Double] = [:]
        for row in rows {
            guard case .number(let value)? = row["value"] else { continue }
            totals[row["groupBy"]?[groupBy]?.stringValue ?? "", default: 0] += value
        }
        return totals
    }
}

// MARK: - Assertions

/// Runs `body`, which must fail with HTTP `status` and the error code `code`; returns the error body.
@discardableResult
func expectTAISFailure(
    _ status: Int, _ code: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> some Sendable
) async -> TAISErrorBody? {
    do {
        let value = try await body()
        Issue.record("\(what): expected HTTP \(status) \(code), got a success: \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        guard let (actual, errorBody) = TAISErrorBody.of(error) else {
            Issue.record("\(what): expected HTTP \(status) \(code), got \(error)", sourceLocation: sourceLocation)
            return nil
        }
        #expect(actual == status && errorBody?.error == code, "\(what): expected HTTP \(status) \(code), got \(error)", sourceLocation: sourceLocation)
        return errorBody
    }
}

/// A reply that must be HTTP `status` with the error code `code`.
@discardableResult
func expectTAISReply(
    _ reply: HTTPReply, _ status: Int, _ code: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) -> TAISErrorBody? {
    let body = TAISErrorBody(reply)
    #expect(reply.status == status && body?.error == code, "\(what): expected HTTP \(status) \(code), got \(reply.status) \(reply.text.prefix(300))", sourceLocation: sourceLocation)
    return body
}

/// The usage entries of `tenant`'s ledger (every page).
func usageEntries(_ client: TAISClient, _ tenant: String) async throws -> [TAISLedgerEntry] {
    try await client.allLedgerEntries(org: tenant, category: "usage")
}
