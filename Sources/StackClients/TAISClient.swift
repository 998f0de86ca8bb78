import NIOHTTP1
import WireFormats

/// Drives one fake-tais process over HTTP (docs/fake-tais.md): the real API under `/api/` with a bearer
/// token, the JWKS, and the fake-only `/_fake/` hooks (tokens, key rotation, grants, tenant plans, outbox,
/// clock, reset, faults, request journal), which need no token.
///
/// The bearer token is a per-client setting (`token`, or a copy with `withToken(_:)`) that any `/api/`
/// call can override with its `token:` argument. Every method throws `StackClientError.unexpectedStatus`
/// (status and body; `TAISErrorBody.of(error)` reads the body) when fake-tais answers anything but the
/// documented success status, and `StackClientError.invalidResponse` when the answer cannot be read.
/// `send(_:_:token:headers:json:)` returns any answer as is, for checks of refusals.
public struct TAISClient: Sendable {
    /// E.g. `http://127.0.0.1:5001`, without a trailing slash.
    public let baseURL: String
    /// Sent as `Authorization: Bearer <token>` on `/api/` calls unless a call passes its own.
    public var token: String?
    let http: HTTPRequester

    public static let toolsPath = "/api/v2/tools-service/tools"
    public static let sessionsPath = "/api/v2/sessions-service"

    public init(baseURL: String, token: String? = nil, requester: HTTPRequester = HTTPRequester()) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.token = token
        self.http = requester
    }

    /// The same client sending `token` (nil: none).
    public func withToken(_ token: String?) -> TAISClient {
        var copy = self
        copy.token = token
        return copy
    }

    // MARK: - Identity

    /// `POST /_fake/tokens`: a dev JWT signed by fake-tais.
    public func mintToken(_ request: TAISMintRequest) async throws -> TAISMintedToken {
        let reply = try await send(.POST, "/_fake/tokens", token: .none, json: request.json)
        try expect(reply, [200, 201], "POST /_fake/tokens")
        return try TAISJSON.decode(TAISMintedToken.self, from: reply, operation: "POST /_fake/tokens")
    }

    /// `mintToken` for `tenant`/`user` with defaults for the rest; returns the token only.
    public func mint(
        tenant: String, user: String, groups: [String]? = nil, roles: [String]? = nil, ttlSeconds: Int? = nil
    ) async throws -> String {
        try await mintToken(TAISMintRequest(tenant: tenant, user: user, groups: groups, roles: roles, ttlSeconds: ttlSeconds)).token
    }

    /// `GET /.well-known/jwks.json`.
    public func jwks() async throws -> TAISJWKS {
        let reply = try await send(.GET, "/.well-known/jwks.json", token: .none)
        try expect(reply, [200], "GET /.well-known/jwks.json")
        struct Document: Decodable { var keys: [TAISJWK] }
        let document = try TAISJSON.decode(Document.self, from: reply, operation: "GET /.well-known/jwks.json")
        return TAISJWKS(keys: document.keys, text: reply.text, cacheControl: reply.header("Cache-Control"))
    }

    /// `POST /_fake/keys/rotate`.
    @discardableResult
    public func rotateKeys() async throws -> TAISKeyRotation {
        let reply = try await send(.POST, "/_fake/keys/rotate", token: .none)
        try expect(reply, [200, 201], "POST /_fake/keys/rotate")
        return try TAISJSON.decode(TAISKeyRotation.self, from: reply, operation: "POST /_fake/keys/rotate")
    }

    // MARK: - Tool registry

    /// `POST /api/v2/tools-service/tools` → 201.
    public func registerTool(
        name: String, url: String, description: String = "", transport: String = "streamable-http", token: String? = nil
    ) async throws -> TAISTool {
        let body = JSONValue.object([
            ("name", .string(name)), ("description", .string(description)), ("url", .string(url)), ("transport", .string(transport)),
        ])
        return try await call(.POST, Self.toolsPath, token: token, json: body, expecting: 201)
    }

    /// `GET /api/v2/tools-service/tools`: the caller tenant's live registrations, oldest first.
    public func listTools(token: String? = nil) async throws -> [TAISTool] {
        let list: TAISItems<TAISTool> = try await call(.GET, Self.toolsPath, token: token, expecting: 200)
        return list.items
    }

    /// `GET /api/v2/tools-service/tools/{id}`.
    public func tool(_ id: String, token: String? = nil) async throws -> TAISTool {
        try await call(.GET, Self.toolsPath + "/" + Self.segment(id), token: token, expecting: 200)
    }

    /// `DELETE /api/v2/tools-service/tools/{id}` → 204.
    public func deleteTool(_ id: String, token: String? = nil) async throws {
        let path = Self.toolsPath + "/" + Self.segment(id)
        try expect(try await send(.DELETE, path, token: bearer(token)), [204], "DELETE \(path)")
    }

    // MARK: - Sessions

    /// `POST /api/v2/sessions-service` → 201.
    public func createSession(
        title: String, budgetCredits: Double? = nil, toolIds: [String]? = nil, token: String? = nil
    ) async throws -> TAISSession {
        let body = TAISJSON.object([
            ("title", .string(title)), ("budgetCredits", budgetCredits.map(JSONValue.number)), ("toolIds", TAISJSON.strings(toolIds)),
        ])
        return try await call(.POST, Self.sessionsPath, token: token, json: body, expecting: 201)
    }

    /// `GET /api/v2/sessions-service/{id}`.
    public func session(_ id: String, token: String? = nil) async throws -> TAISSession {
        try await call(.GET, Self.sessionsPath + "/" + Self.segment(id), token: token, expecting: 200)
    }

    /// `PATCH /api/v2/sessions-service/{id}`: `toolIds` (nil: left out) and the budget.
    public func updateSession(
        _ id: String, toolIds: [String]?, budgetCredits: TAISBudgetChange = .unchanged, token: String? = nil
    ) async throws -> TAISSession {
        let body = TAISJSON.object([("toolIds", TAISJSON.strings(toolIds)), ("budgetCredits", budgetCredits.json)])
        return try await call(.PATCH, Self.sessionsPath + "/" + Self.segment(id), token: token, json: body, expecting: 200)
    }

    // MARK: - Chat

    /// `POST /api/v2/sessions-service/{id}/messages {"content"}` → 200, the agent's answer.
    /// With `idempotencyKey`, sends `Idempotency-Key`: a retry returns the first answer.
    public func sendMessage(
        _ sessionID: String, _ content: String, idempotencyKey: String? = nil, token: String? = nil
    ) async throws -> TAISMessage {
        let reply = try await sendMessageReply(sessionID, content, idempotencyKey: idempotencyKey, token: token)
        let operation = "POST \(Self.sessionsPath)/\(sessionID)/messages"
        try expect(reply, [200], operation)
        return try TAISJSON.decode(TAISMessage.self, from: reply, operation: operation)
    }

    /// `sendMessage`, returning whatever fake-tais answered.
    public func sendMessageReply(
        _ sessionID: String, _ content: String, idempotencyKey: String? = nil, token: String? = nil
    ) async throws -> HTTPReply {
        try await send(
            .POST, Self.sessionsPath + "/" + Self.segment(sessionID) + "/messages", token: bearer(token),
            headers: idempotencyKey.map { [("Idempotency-Key", $0)] } ?? [], json: .object([("content", .string(content))])
        )
    }

    /// `GET /api/v2/sessions-service/{id}/messages`: the conversation, oldest first.
    public func messages(_ sessionID: String, token: String? = nil) async throws -> [TAISMessage] {
        let list: TAISItems<TAISMessage> = try await call(
            .GET, Self.sessionsPath + "/" + Self.segment(sessionID) + "/messages", token: token, expecting: 200
        )
        return list.items
    }

    // MARK: - Billing

    /// `GET /api/v1/organizations/{orgId}/ai-credits/summary`.
    public func billingSummary(org: String, token: String? = nil) async throws -> TAISBillingSummary {
        try await call(.GET, "/api/v1/organizations/\(Self.segment(org))/ai-credits/summary", token: token, expecting: 200)
    }

    /// `GET /api/v1/organizations/{orgId}/ai-credits/ledger`; `category` is `purchases` or `usage` (nil: every entry).
    public func ledger(
        org: String, category: String? = nil, page: Int? = nil, pageSize: Int? = nil, token: String? = nil
    ) async throws -> TAISLedgerPage {
        var query: [(String, String)] = []
        if let category { query.append(("category", category)) }
        if let page { query.append(("page", String(page))) }
        if let pageSize { query.append(("pageSize", String(pageSize))) }
        let path = "/api/v1/organizations/\(Self.segment(org))/ai-credits/ledger" + (query.isEmpty ? "" : "?" + FakeOpenMeterControl.queryString(query))
        return try await call(.GET, path, token: token, expecting: 200)
    }

    /// Every ledger entry of `category`, page by page, newest first.
    public func allLedgerEntries(org: String, category: String? = nil, token: String? = nil) async throws -> [TAISLedgerEntry] {
        var entries: [TAISLedgerEntry] = []
        var page = 1
        while true {
            let current = try await ledger(org: org, category: category, page: page, pageSize: 100, token: token)
            entries += current.items
            if current.items.isEmpty || entries.count >= current.total { return entries }
            page += 1
        }
    }

    // MARK: - Fake-only state

    /// `POST /_fake/grants` → 201, the grant's ledger entry.
    @discardableResult
    public func grant(tenant: String, credits: Double, description: String? = nil) async throws -> TAISLedgerEntry {
        let body = TAISJSON.object([
            ("tenant", .string(tenant)), ("credits", .number(credits)), ("description", description.map(JSONValue.string)),
        ])
        let reply = try await send(.POST, "/_fake/grants", token: .none, json: body)
        try expect(reply, [201], "POST /_fake/grants")
        return try TAISJSON.decode(TAISLedgerEntry.self, from: reply, operation: "POST /_fake/grants")
    }

    /// `POST /_fake/tenants/{tenant}`: change the plan and/or override the registration cap.
    @discardableResult
    public func setTenant(_ tenant: String, plan: String? = nil, toolCap: Int? = nil) async throws -> TAISTenantSettings {
        let body = TAISJSON.object([("plan", plan.map(JSONValue.string)), ("toolCap", toolCap.map { .number(Double($0)) })])
        let path = "/_fake/tenants/" + Self.segment(tenant)
        let reply = try await send(.POST, path, token: .none, json: body)
        try expect(reply, [200], "POST \(path)")
        return try TAISJSON.decode(TAISTenantSettings.self, from: reply, operation: "POST \(path)")
    }

    /// `GET /_fake/outbox`.
    public func outbox() async throws -> TAISOutboxCounts {
        let reply = try await send(.GET, "/_fake/outbox", token: .none)
        try expect(reply, [200], "GET /_fake/outbox")
        return try TAISJSON.decode(TAISOutboxCounts.self, from: reply, operation: "GET /_fake/outbox")
    }

    /// `GET /_fake/clock`.
    public func clock() async throws -> TAISClockState {
        try await clockCall(.GET, "/_fake/clock", nil)
    }

    /// `POST /_fake/clock/advance {"seconds"}` (negative goes back).
    @discardableResult
    public func advanceClock(seconds: Double) async throws -> TAISClockState {
        try await clockCall(.POST, "/_fake/clock/advance", .object([("seconds", .number(seconds))]))
    }

    /// `POST /_fake/clock/set {"now","frozen"}`; `now` is RFC 3339.
    @discardableResult
    public func setClock(now: String, frozen: Bool = true) async throws -> TAISClockState {
        try await clockCall(.POST, "/_fake/clock/set", .object([("now", .string(now)), ("frozen", .bool(frozen))]))
    }

    /// `POST /_fake/clock/real`: back to real time.
    @discardableResult
    public func realClock() async throws -> TAISClockState {
        try await clockCall(.POST, "/_fake/clock/real", nil)
    }

    /// `POST /_fake/reset`: removes every tool, session, message, ledger entry and outbox event (keys stay).
    public func reset() async throws {
        try expect(try await send(.POST, "/_fake/reset", token: .none), [200, 204], "POST /_fake/reset")
    }

    /// `POST /_fake/faults` (as fake-openmeter's); returns the new rule's id.
    @discardableResult
    public func addFault(_ fault: FaultSpec) async throws -> String {
        let reply = try await http.send(.POST, baseURL + "/_fake/faults", headers: [("Content-Type", "application/json")], body: fault.json)
        try expect(reply, [201], "POST /_fake/faults")
        guard let id = try reply.json(operation: "POST /_fake/faults")["id"]?.stringValue else {
            throw StackClientError.invalidResponse(operation: "POST /_fake/faults", reason: "no id in \(reply.text)")
        }
        return id
    }

    /// `DELETE /_fake/faults`: removes every rule.
    public func clearFaults() async throws {
        try expect(try await send(.DELETE, "/_fake/faults", token: .none), [204], "DELETE /_fake/faults")
    }

    /// `GET /_fake/requests`, optionally only paths matching the pattern.
    public func requests(matching pathPattern: String? = nil) async throws -> RequestJournalSnapshot {
        let path = "/_fake/requests" + (pathPattern.map { "?" + FakeOpenMeterControl.queryString([("path", $0)]) } ?? "")
        let reply = try await send(.GET, path, token: .none)
        try expect(reply, [200], "GET /_fake/requests")
        return try RequestJournalSnapshot(reply.json(operation: "GET /_fake/requests"))
    }

    /// True when `GET /health` answers 200.
    public func isHealthy() async -> Bool {
        (try? await send(.GET, "/health", token: .none))?.status == 200
    }

    // MARK: - Raw requests

    /// Which `Authorization` a raw request sends.
    public enum Bearer: Sendable, Equatable {
        /// None at all.
        case none
        /// `Authorization: Bearer <token>`, whatever the token is (forged ones included).
        case token(String)
    }

    /// Sends `method path` (path with its query) with `Authorization` as given, `headers`, and `json` as the
    /// body (`Content-Type: application/json`), returning whatever fake-tais answered.
    public func send(
        _ method: HTTPMethod, _ path: String, token: Bearer, headers: [(String, String)] = [], json: JSONValue? = nil
    ) async throws -> HTTPReply {
        var list: [(String, String)] = []
        if case .token(let value) = token { list.append(("Authorization", "Bearer \(value)")) }
        if json != nil { list.append(("Content-Type", "application/json")) }
        list += headers
        return try await http.send(method, baseURL + path, headers: list, body: json.map(TAISJSON.body))
    }

    /// The bearer of an `/api/` call: the call's own token, else the client's.
    public func bearer(_ token: String? = nil) -> Bearer {
        (token ?? self.token).map(Bearer.token) ?? .none
    }

    // MARK: - Helpers

    private func call<T: Decodable>(
        _ method: HTTPMethod, _ path: String, token: String?, json: JSONValue? = nil, expecting status: Int
    ) async throws -> T {
        let reply = try await send(method, path, token: bearer(token), json: json)
        let operation = "\(method.rawValue) \(path)"
        try expect(reply, [status], operation)
        return try TAISJSON.decode(T.self, from: reply, operation: operation)
    }

    private func clockCall(_ method: HTTPMethod, _ path: String, _ json: JSONValue?) async throws -> TAISClockState {
        let reply = try await send(method, path, token: .none, json: json)
        try expect(reply, [200], "\(method.rawValue) \(path)")
        return try TAISJSON.decode(TAISClockState.self, from: reply, operation: "\(method.rawValue) \(path)")
    }

    func expect(_ reply: HTTPReply, _ statuses: Set<Int>, _ operation: String) throws(StackClientError) {
        guard statuses.contains(reply.status) else {
            throw .unexpectedStatus(operation: operation, status: reply.status, body: reply.text)
        }
    }

    /// One path segment, percent-encoded.
    static func segment(_ text: String) -> String {
        URLText.percentEncoded(text)
    }
}
