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
/// fake-tais can be killed and started again on the same `--data` file (`restartTAIS`, or `killTAIS` then
/// `startTAISAgain`); `tais` always answers the current process.
///
/// With `Options.stripe`, fake-stripe runs too (started before fake-tais, which gets `STRIPE_URL`, the secret key and
/// the webhook secret), with fake-tais's `/api/v1/stripe/webhook` registered as its webhook endpoint.
final class TAISStack: Sendable {
    struct Options: Sendable {
        /// Extra or overriding environment of fake-tais (e.g. `TAIS_TOOL_TTL_SECONDS`).
        var taisEnvironment: [String: String] = [:]
        /// Extra or overriding environment of credits-mcp.
        var mcpEnvironment: [String: String] = [:]
        /// Also start fake-stripe and wire fake-tais's top-ups and webhook to it.
        var stripe = false
        /// fake-stripe's `STRIPE_WEBHOOK_RETRY_SECONDS`: fast retries, so a test sees a redelivery within seconds.
        var stripeRetrySeconds = "0.2,0.4,0.8,1.6,3.2"
        /// Extra or overriding environment of fake-stripe.
        var stripeEnvironment: [String: String] = [:]
    }

    /// What fake-tais and fake-stripe share when `Options.stripe` is on.
    static let stripeSecretKey = "sk_test_it"
    static let stripeWebhookSecret = "whsec_it_secret_1234"
    static let webhookPath = "/api/v1/stripe/webhook"

    static let tenantA = "acme"
    static let tenantB = "globex"
    static let admins = ["Administrators"]

    let directory: URL
    let apiKey: String
    let options: Options
    let openMeter: ServiceProcess
    let mcp: ServiceProcess
    /// fake-stripe, when `Options.stripe` is on.
    let stripe: ServiceProcess?
    /// fake-stripe's `/_fake/` controls, when `Options.stripe` is on.
    let stripeControl: FakeStripeControl?
    private let taisProcess: Mutex<ServiceProcess>
    /// fake-stripe's webhook endpoint id for fake-tais (re-pointed if a restart had to take another port).
    private let webhookEndpoint: Mutex<String?>
    let control: FakeOpenMeterControl
    /// Chats go through credits-mcp and OpenMeter; generous, so a slow debug build does not fail a test.
    let http = HTTPRequester(timeout: .seconds(60))

    var taisDataFile: URL { directory.appendingPathComponent("tais.sqlite") }
    var mcpEndpoint: String { mcp.baseURL + "/mcp" }
    var taisProcessNow: ServiceProcess { taisProcess.withLock { $0 } }
    /// A client of the running fake-tais without a token.
    var tais: TAISClient { TAISClient(baseURL: taisProcessNow.baseURL, requester: http) }

    private init(
        directory: URL, apiKey: String, options: Options, openMeter: ServiceProcess, stripe: ServiceProcess?, webhookEndpoint: String?,
        tais: ServiceProcess, mcp: ServiceProcess
    ) {
        self.directory = directory
        self.apiKey = apiKey
        self.options = options
        self.openMeter = openMeter
        self.mcp = mcp
        self.stripe = stripe
        stripeControl = stripe.map { FakeStripeControl(baseURL: $0.baseURL, requester: HTTPRequester(timeout: .seconds(20))) }
        self.webhookEndpoint = Mutex(webhookEndpoint)
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
            var stripe: ServiceProcess?
            var webhookEndpoint: String?
            if options.stripe {
                let process = try await startStripe(directory: directory, options: options)
                started.append(process)
                stripe = process
            }
            let tais = try await startTAIS(
                directory: directory, dataFile: directory.appendingPathComponent("tais.sqlite"),
                openMeterURL: openMeter.baseURL, apiKey: apiKey, environment: taisEnvironment(options, stripe: stripe)
            )
            started.append(tais)
            if let stripe {
                webhookEndpoint = try await FakeStripeControl(baseURL: stripe.baseURL).addWebhookEndpoint(
                    url: tais.baseURL + webhookPath, secret: stripeWebhookSecret
                )
            }
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
            return TAISStack(
                directory: directory, apiKey: apiKey, options: options, openMeter: openMeter, stripe: stripe,
                webhookEndpoint: webhookEndpoint, tais: tais, mcp: mcp
            )
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
        "STRIPE_URL": "", "STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": "", "TAIS_PUBLIC_URL": "", "TOPUP_MIN_USD": "", "TOPUP_MAX_USD": "",
    ]

    /// fake-stripe's settings a developer's shell could carry in, cleared.
    static let cleanStripeEnvironment: [String: String] = [
        "STRIPE_PORT": "", "STRIPE_DATA": "", "STRIPE_API_KEY": "", "STRIPE_PUBLIC_URL": "", "STRIPE_WEBHOOK_URL": "",
        "STRIPE_WEBHOOK_SECRET": "", "STRIPE_WEBHOOK_RETRY_SECONDS": "", "STRIPE_WEBHOOK_TIMEOUT_SECONDS": "", "LOG_LEVEL": "info",
    ]

    /// fake-tais's environment: the options', plus the wiring to fake-stripe when it runs.
    static func taisEnvironment(_ options: Options, stripe: ServiceProcess?) -> [String: String] {
        var environment: [String: String] = [:]
        if let stripe {
            environment["STRIPE_URL"] = stripe.baseURL
            environment["STRIPE_SECRET_KEY"] = stripeSecretKey
            environment["STRIPE_WEBHOOK_SECRET"] = stripeWebhookSecret
        }
        return environment.merging(options.taisEnvironment) { $1 }
    }

    /// Starts fake-stripe on `<directory>/stripe.sqlite` with fast webhook retries.
    static func startStripe(directory: URL, options: Options) async throws -> ServiceProcess {
        var environment = cleanStripeEnvironment
        environment["STRIPE_WEBHOOK_RETRY_SECONDS"] = options.stripeRetrySeconds
        for (key, value) in options.stripeEnvironment { environment[key] = value }
        return try await ServiceProcess(
            executable: try BuiltProducts.executable("fake-stripe"),
            arguments: ["--host", "127.0.0.1", "--port", "0", "--data", directory.appendingPathComponent("stripe.sqlite").path],
            environment: environment, workingDirectory: directory
        )
    }

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
    /// when it is free again, the same port (credits-mcp keeps fetching the JWKS there, fake-stripe keeps
    /// delivering webhooks there).
    func restartTAIS(signal: Int32 = SIGKILL) async throws {
        killTAIS(signal: signal)
        try await startTAISAgain()
    }

    /// Stops fake-tais with `signal` and leaves it down (`startTAISAgain` brings it back); `tais` keeps
    /// pointing at its port, where nothing answers meanwhile.
    func killTAIS(signal: Int32 = SIGKILL) {
        taisProcessNow.stop(signal: signal)
    }

    /// Starts fake-tais again after `killTAIS`, on the same data file and, when it is free, the same port. Should
    /// it have to take another port, fake-stripe's webhook endpoint is re-pointed there (deliveries owed to
    /// the old endpoint are then lost, so tests of a redelivery check the port).
    func startTAISAgain() async throws {
        let port = taisProcessNow.port
        var lastError: (any Error)?
        for attempt in 0..<5 {
            do {
                let fresh = try await Self.startTAIS(
                    directory: directory, dataFile: taisDataFile, openMeterURL: openMeter.baseURL, apiKey: apiKey,
                    environment: Self.taisEnvironment(options, stripe: stripe), port: attempt < 4 ? port : 0
                )
                taisProcess.withLock { $0 = fresh }
                if fresh.port != port { try await repointWebhookEndpoint() }
                return
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        throw lastError ?? StackTestError("fake-tais did not restart")
    }

    /// Registers the running fake-tais's webhook with fake-stripe and removes the previous endpoint.
    private func repointWebhookEndpoint() async throws {
        guard let stripe, let stripeControl else { return }
        let id = try await stripeControl.addWebhookEndpoint(url: taisProcessNow.baseURL + Self.webhookPath, secret: Self.stripeWebhookSecret)
        let old = webhookEndpoint.withLock { endpoint in
            defer { endpoint = id }
            return endpoint
        }
        if let old {
            _ = try await http.send(.DELETE, stripe.baseURL + "/_fake/webhook_endpoints/" + old)
        }
    }

    func stop() {
        mcp.stop()
        taisProcessNow.stop()
        stripe?.stop()
        openMeter.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The last lines of every log, for failure messages.
    func logTail(lines: Int = 25) -> String {
        func tail(_ text: String) -> String { text.split(separator: "\n").suffix(lines).joined(separator: "\n") }
        let stripeLog = stripe.map { "\n--- fake-stripe log:\n\(tail($0.log))" } ?? ""
        return "--- fake-tais log:\n\(tail(taisProcessNow.log))\n--- credits-mcp log:\n\(tail(mcp.log))\n--- fake-openmeter log:\n\(tail(openMeter.log))" + stripeLog
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
