import Foundation
import StackClients
import WireFormats

/// Keeps credits-mcp registered as a TAIS tool and wired to a chat session: gets a token (decodes a
/// provided one or mints a dev one), grants the starting credits once, registers the tool, reuses or creates
/// the session and points it at the tool; then renews before the registration expires, renews at once when
/// TAIS dropped it, and re-mints a minted token before it runs out. Every TAIS call goes through `TAISClient`.
///
/// A renewal registers a new tool, points the session at it, then deletes the old registration, so renewals
/// never pile up against the plan's cap of live registrations. `registration.json` in the state dir (mode
/// 0600, it holds the token) is rewritten after each change. The token is never logged.
///
/// Call `establish` once, then `keepAlive` in a task of its own until shutdown; `renewNow`, `snapshot`,
/// `currentToken` and `deregister` may be called at any time from elsewhere.
public actor RegistrationKeeper {
    private let plan: RegistrationPlan
    private let log: @Sendable (String) -> Void
    private let changes: ChangeSignal?
    private let random: @Sendable () -> Double
    private let tais: TAISClient

    // The token.
    private var token: String?
    private var identity: JWTIdentity?
    private var tokenMintedAt: ContinuousClock.Instant?
    private var tokenLifetime: Double?

    // The registration.
    private var toolId: String? { didSet { if toolId != oldValue { changes?.notify() } } }
    private var sessionId: String? { didSet { if sessionId != oldValue { changes?.notify() } } }
    private var toolExpiresAt: String? { didSet { if toolExpiresAt != oldValue { changes?.notify() } } }
    private var renewals = 0 { didSet { if renewals != oldValue { changes?.notify() } } }
    private var registeredOnce = false
    private var state = "pending" { didSet { if state != oldValue { changes?.notify() } } }
    private var lastError: String? { didSet { if lastError != oldValue { changes?.notify() } } }
    private var renewDue: ContinuousClock.Instant?
    private var deregistered = false
    private var grantDone = false
    /// Registrations made but not wired (a renewal that failed half-way) whose deletion failed; retried.
    private var orphanToolIDs: [String] = []

    // What `registration.json` of an earlier run held.
    private var recordLoaded = false
    private var previousRun: RegistrationRecord?

    // Wake-ups of `keepAlive`.
    private var renewalRequest: (reason: String, sequence: Int)?
    /// `checkNow()`: look at the tool on the next turn of `keepAlive`.
    private var checkRequested = false
    private var requestSequence = 0
    private var wakeRequested = false
    private var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
    private var waitCounter = 0
    private var firedWait = 0

    public init(
        plan: RegistrationPlan, log: @escaping @Sendable (String) -> Void, changes: ChangeSignal? = nil,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.changes = changes
        self.plan = plan
        self.log = log
        self.random = random
        self.tais = TAISClient(baseURL: plan.taisURL, requester: HTTPRequester(client: Self.httpClient, timeout: .seconds(10)))
    }

    /// A refused connection fails at once (no reconnect loop until the request's deadline), so the keeper's
    /// own backoff and deadline decide how long to wait for TAIS.
    private static let httpClient = FailFastHTTPClient.make(connectionsPerHost: 4)

    // MARK: - Public API

    /// Token (decode provided / mint), starting credits on a fresh state dir (only when minting), register the
    /// tool, reuse or create the session, point it at the tool. Transient failures (TAIS unreachable, 5xx, 429)
    /// are retried with backoff until `deadline`; a refusal retrying cannot fix (401, 403, 404 of the requested
    /// session, 422, …) fails at once. Throws `RegistrationFailure` naming what failed and TAIS's answer.
    public func establish(deadline: ContinuousClock.Instant) async throws -> RegistrationSnapshot {
        deregistered = false
        state = "registering"
        do {
            try await registerAndWire(reason: nil, patience: .until(deadline))
            return snapshot()
        } catch let failure as RegistrationFailure {
            state = "failed"
            lastError = failure.message
            log("registration failed: \(failure.message)")
            throw failure
        } catch {
            state = "failed"
            lastError = Task.isCancelled ? "cancelled" : "\(error)"
            throw error
        }
    }

    /// Runs until cancelled (or `deregister`), never throws: renews at `renewalDelay` after each registration,
    /// checks the tool every `settings.checkSeconds` (a 404 means TAIS dropped or expired it: renew at once),
    /// re-mints a minted token when less than `1 − renewAtFraction` of its lifetime is left, and retries
    /// failures with backoff (1 s doubling to 30 s), visible in the snapshot as state `retrying` and `lastError`.
    public func keepAlive() async {
        let period = Duration.seconds(max(plan.settings.checkSeconds, 1))
        var nextCheck = ContinuousClock.now + period
        var failure: (action: Action, at: ContinuousClock.Instant, delay: Double)?
        while !Task.isCancelled, !deregistered {
            let now = ContinuousClock.now
            var action: Action?
            var wakeAt = nextCheck
            if let request = renewalRequest {
                action = .renew(request.reason)
            } else if checkRequested, toolId != nil {
                checkRequested = false
                action = .check
            } else if let failed = failure {
                if now >= failed.at { action = failed.action } else { wakeAt = failed.at }
            } else if toolId == nil {
                action = .renew("not registered yet")
            } else if let due = renewDue, now >= due {
                action = .renew("scheduled, at \(Int((plan.settings.renewAtFraction * 100).rounded()))% of the registration's lifetime")
            } else if let due = tokenRefreshDue(), now >= due {
                action = .remint
            } else if now >= nextCheck {
                action = .check
            } else {
                wakeAt = [renewDue, tokenRefreshDue(), nextCheck].compactMap { $0 }.min() ?? nextCheck
            }
            guard let action else {
                await pause(until: wakeAt)
                continue
            }
            switch action {
            case .check:
                nextCheck = ContinuousClock.now + period
                await check()
            case .renew(let reason):
                if renewalRequest?.reason == reason { renewalRequest = nil }
                do {
                    try await registerAndWire(reason: reason, patience: .once)
                    failure = nil
                    nextCheck = ContinuousClock.now + period
                } catch {
                    if Task.isCancelled || deregistered { return }
                    failure = noteFailure(.renew(reason), error, previous: failure)
                }
            case .remint:
                do {
                    try await mintToken(.once)
                    failure = nil
                } catch {
                    if Task.isCancelled || deregistered { return }
                    failure = noteFailure(.remint, error, previous: failure)
                }
            }
        }
    }

    /// Renew at once (credits-mcp or TAIS restarted, or asked through the control API); wakes `keepAlive`.
    public func renewNow(reason: String) {
        requestSequence += 1
        renewalRequest = (reason, requestSequence)
        wake()
    }

    /// Check the tool at once (the fakes' clocks moved): a tool TAIS dropped, or one past the renewal point of its
    /// lifetime on TAIS's clock, is renewed right away; wakes `keepAlive`.
    public func checkNow() {
        checkRequested = true
        wake()
    }

    public func snapshot() -> RegistrationSnapshot {
        RegistrationSnapshot(
            toolId: toolId, sessionId: sessionId, tenant: identity?.tenant, user: identity?.user, expiresAt: toolExpiresAt,
            renewals: renewals, state: state, lastError: lastError, tokenExpiresAt: tokenExpiresAtText
        )
    }

    /// The bearer token in use (provided or the latest minted), nil before `establish` got one.
    public func currentToken() -> String? { token }

    /// Best-effort `DELETE` of the tool (and of any half-made registration), for `down`; stops `keepAlive`.
    /// State `deregistered`; `registration.json` keeps the session (for the next run) without the tool.
    public func deregister() async {
        deregistered = true
        renewalRequest = nil
        wake()
        let ids = (toolId.map { [$0] } ?? []) + orphanToolIDs
        orphanToolIDs = []
        if token != nil {
            for id in ids {
                do {
                    try await deleteTool(id)
                    log("deregistered \(plan.toolName) (\(id))")
                } catch {
                    log("could not deregister \(id): \(Self.describe(error))")
                }
            }
        }
        toolId = nil
        toolExpiresAt = nil
        renewDue = nil
        state = "deregistered"
        lastError = nil
        persist()
    }

    // MARK: - Registering

    private enum Action: Equatable {
        case check
        case renew(String)
        case remint
    }

    /// How long a step keeps trying when TAIS is unreachable or answers 5xx.
    private enum Patience {
        case until(ContinuousClock.Instant)
        case once
    }

    /// One registration: token, starting credits, a new tool, the session pointed at it, the old tool deleted.
    private func registerAndWire(reason: String?, patience: Patience) async throws {
        let startSequence = requestSequence
        loadRecordIfNeeded()
        try await ensureToken(patience)
        try await grantIfNeeded(patience)
        await removeOrphans()

        let name = plan.toolName, url = plan.toolURL, description = plan.toolDescription
        let tool = try await attempt("register \(name) at \(url)", patience) { client in
            try await client.registerTool(name: name, url: url, description: description)
        }
        if deregistered {
            try? await deleteTool(tool.id)
            throw RegistrationFailure("deregistered while registering")
        }
        let session: TAISSession
        do {
            session = try await wire(tool.id, patience)
        } catch {
            await discard(tool.id)
            throw error
        }

        var old = toolId
        if old == nil, let previous = previousRun?.toolId, previousRun?.tenant == identity?.tenant {
            old = previous
        }
        previousRun?.toolId = nil
        toolId = tool.id
        sessionId = session.id
        toolExpiresAt = tool.expiresAt
        let lifetime = Self.lifetime(of: tool) ?? {
            log("TAIS reported unreadable times for \(tool.id) (created \(tool.createdAt), expires \(tool.expiresAt)); assuming one hour")
            return 3600
        }()
        let delay = renewalDelay(
            lifetimeSeconds: lifetime, fraction: plan.settings.renewAtFraction, jitter: plan.settings.jitterFraction, random: random()
        )
        renewDue = ContinuousClock.now + .milliseconds(Int64((delay * 1000).rounded()))
        if registeredOnce {
            renewals += 1
            log("renewed \(name) as \(tool.id) (expires \(tool.expiresAt); reason: \(reason ?? "requested")); session \(session.id) uses it")
        } else {
            registeredOnce = true
            log("registered \(name) as \(tool.id) (expires \(tool.expiresAt)); session \(session.id) uses it")
        }
        state = "registered"
        lastError = nil
        if let request = renewalRequest, request.sequence <= startSequence { renewalRequest = nil }
        persist()
        if let old, old != tool.id {
            await discard(old)
        }
    }

    /// Points the session (requested, this run's, the last run's, or a new one) at `toolID`.
    private func wire(_ toolID: String, _ patience: Patience) async throws -> TAISSession {
        let chosen = try await chooseSession(patience)
        do {
            return try await point(chosen, at: toolID, patience)
        } catch let failure as RegistrationFailure where failure.status == 404 && plan.requestedSessionID == nil {
            log("session \(chosen) is gone from TAIS; creating a new one")
            sessionId = nil
            let created = try await createSession(patience)
            return try await point(created, at: toolID, patience)
        }
    }

    private func point(_ session: String, at toolID: String, _ patience: Patience) async throws -> TAISSession {
        try await attempt("point session \(session) at \(toolID)", patience) { client in
            try await client.updateSession(session, toolIds: [toolID])
        }
    }

    /// The session to use: this run's; else the requested one (it must exist); else the last run's if TAIS
    /// still has it for this token; else a new one.
    private func chooseSession(_ patience: Patience) async throws -> String {
        if let sessionId { return sessionId }
        if let requested = plan.requestedSessionID {
            do {
                let found = try await attempt("find the requested session \(requested)", patience) { client in
                    try await client.session(requested)
                }
                log("using session \(found.id)")
                return found.id
            } catch let failure as RegistrationFailure where failure.status == 404 {
                let tenant = identity.map { " for tenant \($0.tenant)" } ?? ""
                throw RegistrationFailure(
                    "the requested session \(requested) does not exist\(tenant) (\(failure.detail ?? failure.message))", status: 404
                )
            }
        }
        if let previous = previousRun?.sessionId {
            previousRun?.sessionId = nil
            let found = try await attempt("look up the last run's session \(previous)", patience) { client -> TAISSession? in
                do {
                    return try await client.session(previous)
                } catch {
                    if let status = TAISErrorBody.of(error)?.status, status != 401, (400..<500).contains(status), status != 408, status != 429 {
                        return nil
                    }
                    throw error
                }
            }
            if let found {
                log("reusing session \(found.id) from the last run")
                return found.id
            }
            log("the last run's session \(previous) is gone; creating a new one")
        }
        return try await createSession(patience)
    }

    private func createSession(_ patience: Patience) async throws -> String {
        let title = plan.sessionTitle
        let created = try await attempt("create a session", patience) { client in
            try await client.createSession(title: title)
        }
        sessionId = created.id
        log("created session \(created.id)")
        return created.id
    }

    // MARK: - Token and credits

    private func ensureToken(_ patience: Patience) async throws {
        if token != nil {
            if let due = tokenRefreshDue(), ContinuousClock.now >= due { try await mintToken(patience) }
            return
        }
        switch plan.tokenSource {
        case .provided(let jwt):
            do {
                identity = try JWTIdentity.decode(jwt, claims: plan.claims)
            } catch {
                throw RegistrationFailure("TAIS_JWT cannot be read: \(error.message)")
            }
            token = jwt.trimmingCharacters(in: .whitespacesAndNewlines)
        case .mint:
            try await mintToken(patience)
        }
    }

    /// Mints a dev token from fake-tais (`POST /_fake/tokens`).
    private func mintToken(_ patience: Patience) async throws {
        guard case .mint(let dev) = plan.tokenSource else { return }
        let request = TAISMintRequest(
            tenant: dev.tenant, user: dev.user, email: dev.email,
            groups: dev.groups.isEmpty ? nil : dev.groups, roles: dev.roles.isEmpty ? nil : dev.roles, ttlSeconds: dev.ttlSeconds
        )
        let minted = try await attempt("mint a dev token for \(dev.user) of tenant \(dev.tenant)", patience, authorized: false) { client in
            try await client.mintToken(request)
        }
        let decoded: JWTIdentity
        do {
            decoded = try JWTIdentity.decode(minted.token, claims: ClaimNames())
        } catch {
            throw RegistrationFailure("fake-tais minted a token stackctl cannot read: \(error.message)")
        }
        let renewed = token != nil
        token = minted.token
        identity = decoded
        tokenMintedAt = ContinuousClock.now
        if let exp = decoded.expiresAt, let iat = decoded.issuedAt, exp > iat {
            tokenLifetime = exp.timeIntervalSince(iat)
        } else {
            tokenLifetime = Double(dev.ttlSeconds)
        }
        log("\(renewed ? "re-minted" : "minted") a dev token for \(decoded.user) of tenant \(decoded.tenant) (expires \(tokenExpiresAtText ?? "never"))")
        if state == "retrying" && toolId != nil {
            state = "registered"
            lastError = nil
        }
        persist()
    }

    /// When a minted token is due for re-minting: `renewAtFraction` of its lifetime after it was minted.
    private func tokenRefreshDue() -> ContinuousClock.Instant? {
        guard case .mint = plan.tokenSource, let mintedAt = tokenMintedAt, let lifetime = tokenLifetime else { return nil }
        let fraction = min(max(plan.settings.renewAtFraction, 0.05), 1)
        return mintedAt + .milliseconds(Int64((lifetime * fraction * 1000).rounded()))
    }

    private var tokenExpiresAtText: String? {
        identity?.expiresAt.map { RFC3339.format(seconds: Int64($0.timeIntervalSince1970.rounded(.down))) }
    }

    /// The starting credits, once per state dir (marker `.granted`), only when minting against the fake.
    private func grantIfNeeded(_ patience: Patience) async throws {
        guard case .mint = plan.tokenSource, plan.startingCredits > 0, !grantDone, let tenant = identity?.tenant else { return }
        let marker = plan.stateDirectory?.appendingPathComponent(".granted")
        if let marker, FileManager.default.fileExists(atPath: marker.path) {
            grantDone = true
            return
        }
        let credits = plan.startingCredits
        _ = try await attempt("grant \(Self.number(credits)) starting credits to tenant \(tenant)", patience, authorized: false) { client in
            try await client.grant(tenant: tenant, credits: credits, description: "stackctl starting credits")
        }
        grantDone = true
        log("granted \(Self.number(credits)) starting credits to tenant \(tenant)")
        if let marker {
            do {
                try FileManager.default.createDirectory(at: marker.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data("\(Self.number(credits)) credits granted to \(tenant)\n".utf8).write(to: marker)
            } catch {
                log("cannot write \(marker.path): \(error)")
            }
        }
    }

    // MARK: - Checking

    /// `GET` the tool: a 404 means TAIS dropped or expired it, so renew at once.
    private func check() async {
        guard let id = toolId else { return }
        do {
            let tool = try await attempt("check \(id)", .once) { client in try await client.tool(id) }
            guard toolId == id else { return }
            toolExpiresAt = tool.expiresAt
            if let share = await shareOfLifetimeOnTAISClock(tool), renewalRequest == nil {
                if share >= plan.settings.renewAtFraction {
                    requestSequence += 1
                    renewalRequest = ("TAIS's clock is at \(Int((share * 100).rounded()))% of \(id)'s lifetime", requestSequence)
                } else if share < -0.01 {
                    // The fakes' clocks went back (to real time) past the moment this registration was made: renew
                    // so its lifetime runs on the clock as it is now, and a later jump renews when expected.
                    requestSequence += 1
                    renewalRequest = ("TAIS's clock is before \(id) was registered", requestSequence)
                }
            }
            if state == "retrying" {
                log("TAIS has \(id) again; all well")
                state = "registered"
                lastError = nil
            }
        } catch let failure as RegistrationFailure where failure.status == 404 {
            guard toolId == id, !deregistered else { return }
            log("TAIS no longer has \(id) (expired or dropped); renewing")
            requestSequence += 1
            renewalRequest = ("TAIS dropped \(id)", requestSequence)
        } catch {
            guard !Task.isCancelled, !deregistered else { return }
            let message = (error as? RegistrationFailure)?.message ?? Self.describe(error)
            if lastError != message { log("cannot check the registration: \(message)") }
            state = "retrying"
            lastError = message
        }
    }

    private func noteFailure(
        _ action: Action, _ error: any Error, previous: (action: Action, at: ContinuousClock.Instant, delay: Double)?
    ) -> (action: Action, at: ContinuousClock.Instant, delay: Double) {
        let delay = previous.map { min($0.delay * 2, 30) } ?? 1
        let message = (error as? RegistrationFailure)?.message ?? Self.describe(error)
        let what = action == .remint ? "re-minting the token" : "renewing"
        log("\(what) failed: \(message); retrying in \(Self.number(delay)) s")
        state = "retrying"
        lastError = message
        return (action, ContinuousClock.now + .seconds(delay), delay)
    }

    // MARK: - Deleting

    private func deleteTool(_ id: String) async throws {
        try await attempt("delete \(id)", .once) { client in
            do {
                try await client.deleteTool(id)
            } catch {
                if TAISErrorBody.of(error)?.status == 404 { return }
                throw error
            }
        }
    }

    /// Deletes a registration no longer in use; if TAIS cannot be reached, remembers it for later.
    private func discard(_ id: String) async {
        do {
            try await deleteTool(id)
            log("removed the old registration \(id)")
        } catch {
            if case .unexpectedStatus? = Self.clientError(error) {
                log("could not remove the old registration \(id): \(Self.describe(error))")
            } else if !orphanToolIDs.contains(id) {
                orphanToolIDs.append(id)
            }
        }
    }

    private func removeOrphans() async {
        let ids = orphanToolIDs
        orphanToolIDs = []
        for id in ids { await discard(id) }
    }

    // MARK: - Calling TAIS

    /// Runs `body` with a client carrying the current token (unless `authorized` is false). A 401 for a
    /// minted token re-mints it once and tries again; transient failures are retried with backoff (0.25 s
    /// doubling to 2 s) until the deadline of `patience`; anything else throws `RegistrationFailure` at once.
    private func attempt<T: Sendable>(
        _ what: String, _ patience: Patience, authorized: Bool = true, _ body: @Sendable (TAISClient) async throws -> T
    ) async throws -> T {
        var delay = 0.25
        var reminted = false
        var announced = false
        while true {
            if Task.isCancelled { throw CancellationError() }
            let client = authorized ? tais.withToken(token) : tais.withToken(nil)
            do {
                return try await body(client)
            } catch {
                if Task.isCancelled || error is CancellationError { throw CancellationError() }
                if error is RegistrationFailure { throw error }
                let status = Self.clientError(error).flatMap { failure -> Int? in
                    if case .unexpectedStatus(_, let status, _) = failure { return status }
                    return nil
                }
                if status == 401, authorized, case .mint = plan.tokenSource, !reminted {
                    reminted = true
                    log("TAIS refused the dev token (401); minting a new one")
                    try await mintToken(patience)
                    continue
                }
                guard Self.isTransient(error), case .until(let deadline) = patience else {
                    throw RegistrationFailure("could not \(what): \(describeForFailure(error))", status: status, detail: Self.describe(error))
                }
                let now = ContinuousClock.now
                guard now < deadline else {
                    throw RegistrationFailure(
                        "could not \(what) before the deadline: \(describeForFailure(error))", status: status, detail: Self.describe(error)
                    )
                }
                if !announced {
                    announced = true
                    log("waiting for TAIS to \(what): \(Self.describe(error))")
                }
                try await Task.sleep(until: min(now + .milliseconds(Int64(delay * 1000)), deadline), clock: .continuous)
                delay = min(delay * 2, 2)
            }
        }
    }

    private static func clientError(_ error: any Error) -> StackClientError? {
        error as? StackClientError
    }

    /// TAIS unreachable, timing out, 5xx, 408 or 429: worth trying again.
    private static func isTransient(_ error: any Error) -> Bool {
        switch clientError(error) {
        case .unexpectedStatus(_, let status, _)?: status >= 500 || status == 408 || status == 429
        case .invalidResponse?, .rpcError?, .notInitialized?: false
        case nil: true
        }
    }

    /// The error in words, never with the token.
    private static func describe(_ error: any Error) -> String {
        switch clientError(error) {
        case .unexpectedStatus(let operation, let status, let body)?:
            let shown = body.count > 500 ? String(body.prefix(500)) + "…" : body
            return "TAIS answered \(status) to \(operation): \(shown)"
        case let other?:
            return other.description
        case nil:
            if let failure = error as? RegistrationFailure { return failure.message }
            return "TAIS is unreachable (\(error))"
        }
    }

    /// `describe` plus a hint for the refusals people run into.
    private func describeForFailure(_ error: any Error) -> String {
        var text = Self.describe(error)
        guard let (status, body) = TAISErrorBody.of(error) else {
            return Self.isTransient(error) ? text.replacingOccurrences(of: "TAIS is unreachable", with: "TAIS at \(plan.taisURL) is unreachable") : text
        }
        if status == 401, case .provided = plan.tokenSource {
            text += " (TAIS refused TAIS_JWT"
            if let exp = identity?.expiresAt, exp < Date() {
                text += "; it expired at \(RFC3339.format(seconds: Int64(exp.timeIntervalSince1970)))"
            }
            text += ")"
        } else if status == 403, body?.error == "plan_limit_reached" {
            let cap = body?.cap.map { " of \($0)" } ?? ""
            text += " (the tenant's plan allows no more live registrations\(cap); delete some or raise the plan)"
        }
        return text
    }

    // MARK: - State

    private func loadRecordIfNeeded() {
        guard !recordLoaded else { return }
        recordLoaded = true
        guard let directory = plan.stateDirectory, let record = RegistrationRecord.load(from: directory) else { return }
        previousRun = record
        renewals = 0
    }

    private func persist() {
        guard let directory = plan.stateDirectory else { return }
        let record = RegistrationRecord(
            taisURL: plan.taisURL, toolId: toolId ?? (deregistered ? nil : previousRun?.toolId), sessionId: sessionId ?? previousRun?.sessionId, tenant: identity?.tenant,
            user: identity?.user, expiresAt: toolExpiresAt, renewals: renewals, token: token, tokenExpiresAt: tokenExpiresAtText
        )
        do {
            try record.save(to: directory)
        } catch {
            log("cannot write \(RegistrationRecord.fileURL(in: directory).path): \(error)")
        }
    }

    /// How much of the tool's lifetime has passed on fake-tais's own clock; nil for a real TAIS (no such clock)
    /// or when the clock cannot be read.
    private func shareOfLifetimeOnTAISClock(_ tool: TAISTool) async -> Double? {
        guard plan.taisHasFakeClock, let lifetime = Self.lifetime(of: tool), lifetime > 0,
              let created = RFC3339.parse(tool.createdAt),
              let clock = try? await tais.withToken(nil).clock(), let now = RFC3339.parse(clock.now) else { return nil }
        return Double(now.seconds - created.seconds) / lifetime
    }

    private static func lifetime(of tool: TAISTool) -> Double? {
        guard let created = RFC3339.parse(tool.createdAt), let expires = RFC3339.parse(tool.expiresAt) else { return nil }
        let seconds = Double(expires.seconds - created.seconds) + Double(expires.nanos - created.nanos) / 1e9
        return seconds > 0 ? seconds : nil
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    // MARK: - Waiting

    /// Sleeps until `deadline`, a `renewNow`/`deregister`, or cancellation, whichever comes first.
    private func pause(until deadline: ContinuousClock.Instant) async {
        if wakeRequested || Task.isCancelled {
            wakeRequested = false
            return
        }
        waitCounter += 1
        let id = waitCounter
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                await self.timerFired(id)
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                if wakeRequested || firedWait == id {
                    continuation.resume()
                } else {
                    waiter = (id, continuation)
                }
            }
            group.cancelAll()
        }
        wakeRequested = false
    }

    private func timerFired(_ id: Int) {
        if let current = waiter, current.id == id {
            waiter = nil
            current.continuation.resume()
        } else {
            firedWait = id
        }
    }

    private func wake() {
        if let current = waiter {
            waiter = nil
            current.continuation.resume()
        } else {
            wakeRequested = true
        }
    }
}
