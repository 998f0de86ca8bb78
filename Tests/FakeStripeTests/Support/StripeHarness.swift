import FakeControls
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Testing
@testable import FakeStripe

/// The frozen instant every test starts at: Wednesday 2026-03-18 14:25:36 UTC.
let testEpoch = Date(timeIntervalSince1970: 1_773_843_936)
let epochSeconds = 1_773_843_936
/// The secret key tests call the API with unless they say otherwise.
let testKey = "sk_test_51FakeStripeUnitTests0000abcd"
/// The public URL pay pages are served under in these tests.
let testPublicURL = "http://stripe.test"

/// One answer of the in-process fake-stripe, with its JSON parsed loosely.
struct StripeReply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    /// `error` of Stripe's error body.
    var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
    /// `data` of a list.
    var data: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }
    var ids: [String] { data.compactMap { $0["id"] as? String } }
    var id: String { json["id"] as? String ?? "" }

    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    var requestId: String? { header("Request-Id") }
}

/// `a[b]=c&…` with values percent-encoded (and names too, brackets included, when `encodeNames`).
func formBody(_ pairs: [(String, String)], encodeNames: Bool = false) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
    return pairs.map { (encodeNames ? encode($0.0) : $0.0) + "=" + encode($0.1) }.joined(separator: "&")
}

/// The parameters of a typical one-item session: `quantity` × `unitAmount` cents of "AI credits".
func sessionParams(
    unitAmount: Int = 5000, quantity: Int = 1, currency: String = "usd", name: String = "AI credits",
    description: String? = nil, extra: [(String, String)] = []
) -> [(String, String)] {
    var pairs: [(String, String)] = [
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", currency),
        ("line_items[0][price_data][unit_amount]", String(unitAmount)),
        ("line_items[0][price_data][product_data][name]", name),
        ("line_items[0][quantity]", String(quantity)),
        ("success_url", "https://merchant.test/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
        ("cancel_url", "https://merchant.test/billing?checkout=cancelled"),
    ]
    if let description { pairs.append(("line_items[0][price_data][product_data][description]", description)) }
    return pairs + extra
}

/// A client of one in-process fake-stripe (router transport), its clock frozen at `testEpoch` unless given.
struct StripeTestClient: Sendable {
    let client: any TestClientProtocol
    let app: FakeStripeApp

    var clock: FakeClock { app.clock }
    var now: Int { Int(app.clock.now().timeIntervalSince1970) }

    func send(
        _ method: HTTPRequest.Method, _ uri: String, key: String? = testKey, form: String? = nil, json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> StripeReply {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        if json != nil { headers[.contentType] = "application/json" }
        let body = (form ?? json).map { ByteBuffer(string: $0) }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        return StripeReply(status: response.status, headers: response.headers, body: Array(response.body.readableBytesView))
    }

    func get(_ uri: String, key: String? = testKey) async throws -> StripeReply {
        try await send(.get, uri, key: key)
    }

    /// A `/v1` POST with a form body, optionally under an `Idempotency-Key`.
    func post(_ uri: String, _ pairs: [(String, String)] = [], key: String? = testKey, idempotencyKey: String? = nil) async throws -> StripeReply {
        var headers: HTTPFields = [:]
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        return try await send(.post, uri, key: key, form: formBody(pairs), headers: headers)
    }

    func createSession(_ pairs: [(String, String)] = sessionParams(), idempotencyKey: String? = nil) async throws -> StripeReply {
        try await post("/v1/checkout/sessions", pairs, idempotencyKey: idempotencyKey)
    }

    /// Creates a session that must succeed and returns its id.
    func createdSession(_ pairs: [(String, String)] = sessionParams()) async throws -> String {
        let reply = try await createSession(pairs)
        #expect(reply.status == .ok, "\(reply.text)")
        return reply.id
    }

    func session(_ id: String, query: String = "") async throws -> [String: Any] {
        try await get("/v1/checkout/sessions/\(id)\(query)").json
    }

    /// Pays headless through `/_fake/`, as the page would.
    func pay(_ id: String, card: String = "4242424242424242") async throws -> StripeReply {
        try await send(.post, "/_fake/checkout/sessions/\(id)/pay", key: nil, json: #"{"card":"\#(card)"}"#)
    }

    func events(_ query: String = "") async throws -> [[String: Any]] {
        let reply = try await get("/v1/events\(query)")
        #expect(reply.status == .ok, "\(reply.text)")
        return reply.data
    }
}

/// Runs `body` against a fresh in-memory fake-stripe; `services` run beside it (the webhook deliverer).
func withStripe(
    clock: FakeClock = FakeClock(mode: .frozen(testEpoch)),
    configure: (inout StripeConfiguration) -> Void = { _ in },
    services: (FakeStripeApp) -> [any Service] = { _ in [] },
    _ body: @Sendable (StripeTestClient) async throws -> Void
) async throws {
    var configuration = StripeConfiguration()
    configuration.dataPath = ":memory:"
    configuration.publicURL = testPublicURL
    configure(&configuration)
    let app = try FakeStripeApp(configuration: configuration, clock: clock, logger: quietLogger)
    let application = Application(router: app.buildRouter(), services: services(app), logger: quietLogger)
    try await application.test(.router) { client in
        try await body(StripeTestClient(client: client, app: app))
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "fake-stripe-tests")
    logger.logLevel = .critical
    return logger
}()

/// Polls `condition` until it holds; records an issue and returns false after `timeout`.
@discardableResult
func waitUntil(
    _ what: String, timeout: Duration = .seconds(30), _ condition: @Sendable () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(25))
    }
    Issue.record("timed out waiting until \(what)")
    return false
}

extension Dictionary where Key == String, Value == Any {
    func object(_ key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
    func string(_ key: String) -> String? { self[key] as? String }
    func int(_ key: String) -> Int? { self[key] as? Int }
    func isNull(_ key: String) -> Bool { self[key] is NSNull }
}
