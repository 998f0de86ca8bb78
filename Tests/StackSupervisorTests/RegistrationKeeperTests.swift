import FakeControls
import FakeTAIS
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StackClients
import Synchronization
import Testing
@testable import StackSupervisor

/// The keeper against a real fake-tais served in-process on a free port, its clock frozen and moved by the tests.
@Suite("Registration: the keeper against fake-tais")
struct RegistrationKeeperTests {
    // MARK: - Harness

    struct LiveTAIS: Sendable {
        let url: String
        let app: FakeTAISApp
        /// A client without a token (fake-only routes).
        var client: TAISClient { TAISClient(baseURL: url) }
    }

    final class LogLines: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
        func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
        var sink: @Sendable (String) -> Void { { [self] line in append(line) } }
    }

    static let epoch = Date(timeIntervalSince1970: 1_773_843_936)

    static func withLiveTAIS(toolTTL: Int = 3600, _ body: @Sendable (LiveTAIS) async throws -> Void) async throws {
        var configuration = TAISConfiguration()
        configuration.dataPath = ":memory:"
        configuration.toolTTLSeconds = toolTTL
        var logger = Logger(label: "registration-tests")
        logger.logLevel = .critical
        let app = try FakeTAISApp(configuration: configuration, clock: FakeClock(mode: .frozen(epoch)), logger: logger)
        let application = Application(router: app.buildRouter(), logger: logger)
        try await application.test(.live) { client in
            let port = try #require(client.port)
            try await body(LiveTAIS(url: "http://localhost:\(port)", app: app))
        }
    }

    static func plan(
        _ tais: LiveTAIS, directory: URL? = nil, requested: String? = nil, credits: Double = 0, tokenTTL: Int = 3600,
        source: TokenSource? = nil
    ) -> RegistrationPlan {
        var settings = Registration(toolName: "credits-mcp", toolProcess: "credits-mcp")
        settings.checkSeconds = 1
        var dev = DevIdentity(tenant: "acme", user: "ada")
        dev.roles = ["Owner"]
        dev.groups = ["Administrators"]
        dev.ttlSeconds = tokenTTL
        return RegistrationPlan(
            taisURL: tais.url, toolURL: "http://127.0.0.1:8765/mcp", toolName: "credits-mcp", requestedSessionID: requested,
            sessionTitle: "registration tests", settings: settings, tokenSource: source ?? .mint(dev), startingCredits: credits,
            stateDirectory: directory
        )
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("registration-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Polls `condition` until it holds, failing after `timeout`.
    static func waitUntil(
        _ what: String, timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }

    /// Runs `body` while `keeper.keepAlive()` runs beside it; stops it afterwards and checks it returned.
    static func whileKeepingAlive(_ keeper: RegistrationKeeper, _ body: @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await keeper.keepAlive() }
            do {
                try await body()
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    static func deadline(_ seconds: Int = 10) -> ContinuousClock.Instant { .now + .seconds(seconds) }

    static func status(_ error: any Error) -> Int? { TAISErrorBody.of(error)?.status }

    // MARK: - establish

    @Test func establishRegistersTheToolAndWiresASession() async throws {
        try await Self.withLiveTAIS { tais in
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let logs = LogLines()
            let keeper = RegistrationKeeper(plan: Self.plan(tais, directory: directory, credits: 25), log: logs.sink, random: { 0.5 })
            let snapshot = try await keeper.establish(deadline: Self.deadline())

            #expect(snapshot.state == "registered")
            #expect(snapshot.renewals == 0)
            #expect(snapshot.tenant == "acme" && snapshot.user == "ada")
            #expect(snapshot.lastError == nil)
            let toolID = try #require(snapshot.toolId)
            let sessionID = try #require(snapshot.sessionId)
            #expect(toolID.hasPrefix("tool_") && sessionID.hasPrefix("ses_"))
            let token = try #require(await keeper.currentToken())
            let api = tais.client.withToken(token)

            let session = try await api.session(sessionID)
            #expect(session.toolIds == [toolID])
            let tool = try await api.tool(toolID)
            #expect(tool.url == "http://127.0.0.1:8765/mcp" && tool.name == "credits-mcp")
            #expect(snapshot.expiresAt == tool.expiresAt)
            #expect(try await api.listTools().map(\.id) == [toolID])
            #expect(snapshot.tokenExpiresAt == "2026-03-18T15:25:36Z")

            // Starting credits, once.
            #expect(try await api.billingSummary(org: "acme").balanceCredits == 25)
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(".granted").path))

            // registration.json: the registration and the token, 0600.
            let record = try #require(RegistrationRecord.load(from: directory))
            #expect(record.toolId == toolID && record.sessionId == sessionID && record.tenant == "acme" && record.user == "ada")
            #expect(record.token == token && record.expiresAt == tool.expiresAt && record.renewals == 0)
            let attributes = try FileManager.default.attributesOfItem(atPath: RegistrationRecord.fileURL(in: directory).path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

            #expect(logs.contains("registered credits-mcp as \(toolID) (expires \(tool.expiresAt))"), "\(logs.all)")
            #expect(logs.contains("created session \(sessionID)"))
            #expect(!logs.all.contains { $0.contains(token) })

            // A later run on the same state dir: same session, no second grant, the old tool removed.
            let second = RegistrationKeeper(plan: Self.plan(tais, directory: directory, credits: 25), log: logs.sink)
            let again = try await second.establish(deadline: Self.deadline())
            #expect(again.sessionId == sessionID)
            let newToolID = try #require(again.toolId)
            #expect(newToolID != toolID)
            #expect(try await api.session(sessionID).toolIds == [newToolID])
            #expect(try await api.listTools().map(\.id) == [newToolID])
            #expect(try await api.billingSummary(org: "acme").balanceCredits == 25)
            #expect(logs.contains("reusing session \(sessionID)"))
        }
    }

    @Test func aRequestedSessionIsUsed() async throws {
        try await Self.withLiveTAIS { tais in
            let token = try await tais.client.mint(tenant: "acme", user: "ada")
            let session = try await tais.client.withToken(token).createSession(title: "mine")
            let keeper = RegistrationKeeper(plan: Self.plan(tais, requested: session.id), log: { _ in })
            let snapshot = try await keeper.establish(deadline: Self.deadline())
            #expect(snapshot.sessionId == session.id)
            #expect(try await tais.client.withToken(token).session(session.id).toolIds == [try #require(snapshot.toolId)])
        }
    }

    @Test func aRequestedUnknownSessionFailsAtOnceNamingIt() async throws {
        try await Self.withLiveTAIS { tais in
            let keeper = RegistrationKeeper(plan: Self.plan(tais, requested: "ses_doesnotexist"), log: { _ in })
            let started = ContinuousClock.now
            let failure = await #expect(throws: RegistrationFailure.self) {
                try await keeper.establish(deadline: Self.deadline(30))
            }
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(failure?.message.contains("ses_doesnotexist") == true, "\(failure?.message ?? "")")
            #expect(failure?.message.contains("does not exist") == true)
            #expect(failure?.status == 404)
            let snapshot = await keeper.snapshot()
            #expect(snapshot.state == "failed" && snapshot.lastError?.contains("ses_doesnotexist") == true)
            // The registration made before the session check was removed again.
            let token = try #require(await keeper.currentToken())
            #expect(try await tais.client.withToken(token).listTools().isEmpty)
        }
    }

    @Test func aRefusalThatRetryingCannotFixFailsAtOnceWithTAISsAnswer() async throws {
        try await Self.withLiveTAIS { tais in
            try await tais.client.setTenant("acme", toolCap: 0)
            let keeper = RegistrationKeeper(plan: Self.plan(tais), log: { _ in })
            let started = ContinuousClock.now
            let failure = await #expect(throws: RegistrationFailure.self) {
                try await keeper.establish(deadline: Self.deadline(30))
            }
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(failure?.status == 403)
            #expect(failure?.message.contains("register credits-mcp") == true)
            #expect(failure?.message.contains("plan_limit_reached") == true, "\(failure?.message ?? "")")
        }
    }

    @Test func aProvidedTokenThatTAISRefusesFailsWith401() async throws {
        try await Self.withLiveTAIS { tais in
            let forged = RegistrationJWTTests.token(#"{"sub":"ada","tenant_id":"acme","exp":1}"#)
            let keeper = RegistrationKeeper(plan: Self.plan(tais, source: .provided(forged)), log: { _ in })
            let failure = await #expect(throws: RegistrationFailure.self) {
                try await keeper.establish(deadline: Self.deadline())
            }
            #expect(failure?.status == 401)
            #expect(failure?.message.contains("TAIS refused TAIS_JWT") == true, "\(failure?.message ?? "")")
            #expect(failure?.message.contains(forged) == false)

            let unreadable = RegistrationKeeper(plan: Self.plan(tais, source: .provided("nonsense")), log: { _ in })
            let bad = await #expect(throws: RegistrationFailure.self) {
                try await unreadable.establish(deadline: Self.deadline())
            }
            #expect(bad?.message.hasPrefix("TAIS_JWT cannot be read: not a JWT") == true)
        }
    }

    @Test func aProvidedTokenIsUsedAsIsWithoutGrants() async throws {
        try await Self.withLiveTAIS { tais in
            let token = try await tais.client.mint(tenant: "acme", user: "ada")
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let keeper = RegistrationKeeper(plan: Self.plan(tais, directory: directory, credits: 50, source: .provided(token)), log: { _ in })
            let snapshot = try await keeper.establish(deadline: Self.deadline())
            #expect(snapshot.state == "registered" && snapshot.tenant == "acme")
            #expect(await keeper.currentToken() == token)
            #expect(try await tais.client.withToken(token).billingSummary(org: "acme").balanceCredits == 0)
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(".granted").path))
        }
    }

    @Test func transientFailuresAreRetriedUntilTheDeadline() async throws {
        try await Self.withLiveTAIS { tais in
            try await tais.client.addFault(FaultSpec(path: TAISClient.toolsPath, method: "POST", status: 503, count: 2))
            let logs = LogLines()
            let keeper = RegistrationKeeper(plan: Self.plan(tais), log: logs.sink)
            let snapshot = try await keeper.establish(deadline: Self.deadline())
            #expect(snapshot.state == "registered")
            #expect(logs.contains("waiting for TAIS to register credits-mcp"), "\(logs.all)")
            let token = try #require(await keeper.currentToken())
            #expect(try await tais.client.withToken(token).listTools().count == 1)
        }
        // Nothing listening: gives up at the deadline, naming the URL.
        var settings = Registration(toolName: "credits-mcp", toolProcess: "credits-mcp")
        settings.checkSeconds = 1
        let plan = RegistrationPlan(
            taisURL: "http://127.0.0.1:1", toolURL: "http://127.0.0.1:8765/mcp", toolName: "credits-mcp", settings: settings,
            tokenSource: .mint(DevIdentity(tenant: "acme", user: "ada"))
        )
        let keeper = RegistrationKeeper(plan: plan, log: { _ in })
        let started = ContinuousClock.now
        let failure = await #expect(throws: RegistrationFailure.self) {
            try await keeper.establish(deadline: .now + .seconds(1))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(failure?.message.contains("before the deadline") == true, "\(failure?.message ?? "")")
        #expect(failure?.message.contains("http://127.0.0.1:1") == true, "\(failure?.message ?? "")")
    }

    // MARK: - keepAlive

    @Test func keepAliveRenewsOnceTAISExpiredTheTool() async throws {
        try await Self.withLiveTAIS(toolTTL: 60) { tais in
            let logs = LogLines()
            let keeper = RegistrationKeeper(plan: Self.plan(tais), log: logs.sink, random: { 0.5 })
            let first = try await keeper.establish(deadline: Self.deadline())
            let oldTool = try #require(first.toolId)
            let sessionID = try #require(first.sessionId)
            try await Self.whileKeepingAlive(keeper) {
                try await tais.client.advanceClock(seconds: 61)
                try await Self.waitUntil("the keeper renewed") { await keeper.snapshot().renewals >= 1 }
            }
            let snapshot = await keeper.snapshot()
            #expect(snapshot.renewals == 1)
            #expect(snapshot.state == "registered")
            #expect(snapshot.sessionId == sessionID)
            let newTool = try #require(snapshot.toolId)
            #expect(newTool != oldTool)
            let token: String = try #require(await keeper.currentToken())
            let api = tais.client.withToken(token)
            #expect(try await api.session(sessionID).toolIds == [newTool])
            #expect(try await api.listTools().map(\.id) == [newTool])
            await #expect(throws: StackClientError.self) { try await api.tool(oldTool) }
            #expect(logs.contains("TAIS no longer has \(oldTool)"), "\(logs.all)")
            #expect(logs.contains("renewed credits-mcp as \(newTool)"))
        }
    }

    @Test func keepAliveRenewsBeforeExpiryWhenTheFakeClockPassesTheRenewalPoint() async throws {
        try await Self.withLiveTAIS(toolTTL: 100) { tais in
            let logs = LogLines()
            var plan = Self.plan(tais)
            plan.taisHasFakeClock = true
            let keeper = RegistrationKeeper(plan: plan, log: logs.sink, random: { 0.5 })
            let first = try await keeper.establish(deadline: Self.deadline())
            let oldTool = try #require(first.toolId)
            let token: String = try #require(await keeper.currentToken())
            try await Self.whileKeepingAlive(keeper) {
                // 85 s of 100: past the 80 % renewal point, still valid on TAIS.
                try await tais.client.advanceClock(seconds: 85)
                try await Self.waitUntil("the keeper renewed") { await keeper.snapshot().renewals >= 1 }
            }
            let snapshot = await keeper.snapshot()
            #expect(snapshot.toolId != oldTool && snapshot.state == "registered")
            #expect(logs.contains("TAIS's clock is at 85% of \(oldTool)'s lifetime"), "\(logs.all)")
            #expect(!logs.contains("TAIS no longer has"), "renewed only after it expired: \(logs.all)")
            #expect(try await tais.client.withToken(token).session(try #require(snapshot.sessionId)).toolIds == [snapshot.toolId!])
        }
    }

    @Test func checkNowRenewsARegistrationMadeAfterTAISsClockNow() async throws {
        try await Self.withLiveTAIS(toolTTL: 100) { tais in
            let logs = LogLines()
            var plan = Self.plan(tais)
            plan.taisHasFakeClock = true
            let keeper = RegistrationKeeper(plan: plan, log: logs.sink, random: { 0.5 })
            let first = try await keeper.establish(deadline: Self.deadline())
            let oldTool = try #require(first.toolId)
            try await Self.whileKeepingAlive(keeper) {
                // The dashboard's "back to real time" after the registration was made on a clock 50 s ahead.
                try await tais.client.advanceClock(seconds: -50)
                await keeper.checkNow()
                try await Self.waitUntil("the keeper renewed") { await keeper.snapshot().renewals >= 1 }
            }
            #expect(await keeper.snapshot().toolId != oldTool)
            #expect(logs.contains("TAIS's clock is before \(oldTool) was registered"), "\(logs.all)")
        }
    }

    @Test func withoutAFakeClockOnlyExpiryOrTheScheduleRenews() async throws {
        try await Self.withLiveTAIS(toolTTL: 100) { tais in
            let logs = LogLines()
            let keeper = RegistrationKeeper(plan: Self.plan(tais), log: logs.sink, random: { 0.5 })
            let first = try await keeper.establish(deadline: Self.deadline())
            @Sendable func checks() async throws -> Int {
                try await tais.client.requests(matching: "/api/v2/tools-service/tools/*").entries.filter { $0.method == "GET" }.count
            }
            try await Self.whileKeepingAlive(keeper) {
                try await tais.client.advanceClock(seconds: 85)
                let before = try await checks()
                // Three checks (one a second) pass without a renewal: without a clock to read, 85 % is not seen.
                try await Self.waitUntil("three more checks") { (try? await checks()).map { $0 >= before + 3 } ?? false }
            }
            #expect(await keeper.snapshot().renewals == 0)
            #expect(await keeper.snapshot().toolId == first.toolId)
        }
    }

    @Test func keepAliveReMintsAnExpiredDevTokenAndRenews() async throws {
        try await Self.withLiveTAIS(toolTTL: 3600) { tais in
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let logs = LogLines()
            let keeper = RegistrationKeeper(plan: Self.plan(tais, directory: directory, tokenTTL: 3600), log: logs.sink)
            let first = try await keeper.establish(deadline: Self.deadline())
            let oldToken = try #require(await keeper.currentToken())
            try await Self.whileKeepingAlive(keeper) {
                // Both the tool and the token expire on fake-tais's clock.
                try await tais.client.advanceClock(seconds: 3700)
                try await Self.waitUntil("the keeper renewed") { await keeper.snapshot().renewals >= 1 }
            }
            let newToken = try #require(await keeper.currentToken())
            #expect(newToken != oldToken)
            let snapshot = await keeper.snapshot()
            #expect(snapshot.toolId != first.toolId && snapshot.state == "registered")
            #expect(snapshot.tokenExpiresAt == "2026-03-18T16:27:16Z")
            #expect(logs.contains("re-minted a dev token"), "\(logs.all)")
            #expect(try await tais.client.withToken(newToken).session(try #require(snapshot.sessionId)).toolIds == [try #require(snapshot.toolId)])
            let record = try #require(RegistrationRecord.load(from: directory))
            #expect(record.token == newToken && record.renewals == 1 && record.toolId == snapshot.toolId)
        }
    }

    @Test func renewNowRenewsAtOnce() async throws {
        try await Self.withLiveTAIS { tais in
            let logs = LogLines()
            var plan = Self.plan(tais)
            plan.settings.checkSeconds = 3600   // only renewNow can cause a renewal within the test
            let keeper = RegistrationKeeper(plan: plan, log: logs.sink)
            let first = try await keeper.establish(deadline: Self.deadline())
            let oldTool = try #require(first.toolId)
            try await Self.whileKeepingAlive(keeper) {
                // Let keepAlive reach its wait first, so the wake-up is what ends it.
                try await Task.sleep(for: .milliseconds(100))
                await keeper.renewNow(reason: "credits-mcp restarted")
                try await Self.waitUntil("the keeper renewed", timeout: .seconds(5)) { await keeper.snapshot().renewals == 1 }
                await keeper.renewNow(reason: "asked again")
                try await Self.waitUntil("the keeper renewed twice", timeout: .seconds(5)) { await keeper.snapshot().renewals == 2 }
            }
            let snapshot = await keeper.snapshot()
            let newTool = try #require(snapshot.toolId)
            #expect(newTool != oldTool)
            let token: String = try #require(await keeper.currentToken())
            let api = tais.client.withToken(token)
            #expect(try await api.session(try #require(snapshot.sessionId)).toolIds == [newTool])
            #expect(try await api.listTools().map(\.id) == [newTool])
            #expect(logs.contains("reason: credits-mcp restarted"), "\(logs.all)")
            #expect(logs.contains("reason: asked again"))
        }
    }

    @Test func keepAliveShowsFailuresAndRecovers() async throws {
        try await Self.withLiveTAIS { tais in
            let keeper = RegistrationKeeper(plan: Self.plan(tais), log: { _ in })
            _ = try await keeper.establish(deadline: Self.deadline())
            try await Self.whileKeepingAlive(keeper) {
                try await tais.client.addFault(FaultSpec(path: TAISClient.toolsPath + "/*", method: "GET", status: 503))
                try await Self.waitUntil("the failure shows") { await keeper.snapshot().state == "retrying" }
                #expect(await keeper.snapshot().lastError?.contains("503") == true)
                try await tais.client.clearFaults()
                try await Self.waitUntil("it recovers") { await keeper.snapshot().state == "registered" }
            }
            #expect(await keeper.snapshot().lastError == nil)
            #expect(await keeper.snapshot().renewals == 0)
        }
    }

    @Test func keepAliveStopsPromptlyWhenCancelled() async throws {
        try await Self.withLiveTAIS { tais in
            var plan = Self.plan(tais)
            plan.settings.checkSeconds = 3600
            let keeper = RegistrationKeeper(plan: plan, log: { _ in })
            _ = try await keeper.establish(deadline: Self.deadline())
            let started = ContinuousClock.now
            try await Self.whileKeepingAlive(keeper) { try await Task.sleep(for: .milliseconds(100)) }
            #expect(ContinuousClock.now - started < .seconds(2))
        }
    }

    // MARK: - deregister

    @Test func deregisterDeletesTheTool() async throws {
        try await Self.withLiveTAIS { tais in
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let keeper = RegistrationKeeper(plan: Self.plan(tais, directory: directory), log: { _ in })
            let first = try await keeper.establish(deadline: Self.deadline())
            let toolID = try #require(first.toolId)
            try await Self.whileKeepingAlive(keeper) {
                await keeper.deregister()
            }
            let token: String = try #require(await keeper.currentToken())
            let api = tais.client.withToken(token)
            #expect(try await api.listTools().isEmpty)
            await #expect(throws: StackClientError.self) { try await api.tool(toolID) }
            let snapshot = await keeper.snapshot()
            #expect(snapshot.state == "deregistered" && snapshot.toolId == nil && snapshot.sessionId == first.sessionId)
            let record = try #require(RegistrationRecord.load(from: directory))
            #expect(record.toolId == nil && record.sessionId == first.sessionId)
        }
    }
}
