import FakeControls
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
@testable import FakeTAIS

/// One answer of the in-process fake-tais, with its JSON parsed loosely.
struct TAISReply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    var error: String? { json["error"] as? String }
    var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
}

/// A client of one in-process fake-tais (router transport), with a frozen clock the test moves.
struct TAISTestClient: Sendable {
    let client: any TestClientProtocol
    let app: FakeTAISApp

    var clock: FakeClock { app.clock }

    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, body: String? = nil, headers extra: HTTPFields = [:]) async throws -> TAISReply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        return TAISReply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    /// A token minted by the app's own TokenService.
    func token(tenant: String = "acme", user: String = "ada", groups: [String]? = nil, roles: [String]? = nil, ttl: Int? = nil) throws -> String {
        try app.tokens.mint(MintRequest(tenant: tenant, user: user, groups: groups, roles: roles, ttlSeconds: ttl)).token
    }

    func grant(_ tenant: String, _ credits: Double) async throws {
        let reply = try await send(.post, "/_fake/grants", body: #"{"tenant":"\#(tenant)","credits":\#(credits)}"#)
        #expect(reply.status == .created, "\(reply.text)")
    }

    func registerTool(_ token: String, name: String = "credits-mcp", url: String = "http://127.0.0.1:9/mcp") async throws -> TAISReply {
        try await send(.post, "/api/v2/tools-service/tools", token: token, body: #"{"name":"\#(name)","url":"\#(url)","transport":"streamable-http"}"#)
    }

    func createSession(_ token: String, body: String = #"{"title":"t"}"#) async throws -> String {
        let reply = try await send(.post, "/api/v2/sessions-service", token: token, body: body)
        #expect(reply.status == .created, "\(reply.text)")
        return reply.json["id"] as? String ?? ""
    }

    func chat(_ token: String, session: String, _ content: String = "How many credits did we use this month?", key: String? = nil) async throws -> TAISReply {
        var headers: HTTPFields = [:]
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["content": content]), as: UTF8.self)
        return try await send(.post, "/api/v2/sessions-service/\(session)/messages", token: token, body: body, headers: headers)
    }

    func summary(_ token: String, org: String = "acme") async throws -> [String: Any] {
        try await send(.get, "/api/v1/organizations/\(org)/ai-credits/summary", token: token).json
    }
}

/// The frozen instant every test starts at: Wednesday 2026-03-18 14:25:36 UTC.
let testEpoch = Date(timeIntervalSince1970: 1_773_843_936)

/// Runs `body` against a fresh in-memory fake-tais whose clock is frozen at `testEpoch`.
func withTAIS(
    configure: (inout TAISConfiguration) -> Void = { _ in },
    _ body: @Sendable (TAISTestClient) async throws -> Void
) async throws {
    var configuration = TAISConfiguration()
    configuration.dataPath = ":memory:"
    configure(&configuration)
    var logger = Logger(label: "fake-tais-tests")
    logger.logLevel = .critical
    let app = try FakeTAISApp(configuration: configuration, clock: FakeClock(mode: .frozen(testEpoch)), logger: logger)
    let application = Application(router: app.buildRouter())
    try await application.test(.router) { client in
        try await body(TAISTestClient(client: client, app: app))
    }
}
