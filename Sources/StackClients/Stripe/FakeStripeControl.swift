import Foundation
import NIOHTTP1
import WireFormats

/// fake-stripe's `/_fake/` controls (docs/fake-stripe.md): pay or expire a session headless, webhook endpoints,
/// faults and the attempt log, the clock and reset. Shared by the integration tests and the benchmark.
public struct FakeStripeControl: Sendable {
    public let baseURL: String
    let requester: HTTPRequester

    public init(baseURL: String, requester: HTTPRequester = HTTPRequester(timeout: .seconds(30))) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.requester = requester
    }

    /// One webhook delivery attempt as the log shows it.
    public struct Attempt: Decodable, Sendable {
        public var id: Int
        public var eventId: String
        public var eventType: String
        public var endpointId: String
        public var attempt: Int
        public var status: String
        public var responseStatus: Int?
        public var error: String?
        public var fault: String?
        public var signedAt: Int?
        public var sentAt: Double
        public var durationMs: Double
    }

    /// `POST /_fake/checkout/sessions/{id}/pay`: `paid` or `declined` (the whole answer as JSON).
    public func pay(_ sessionId: String, card: String = "4242424242424242") async throws -> JSONValue {
        let reply = try await post("/_fake/checkout/sessions/\(Self.segment(sessionId))/pay", .object([("card", .string(card))]))
        try Self.expect(reply, 200, "pay \(sessionId)")
        return try reply.json(operation: "pay \(sessionId)")
    }

    /// `POST /_fake/checkout/sessions/{id}/expire`.
    public func expire(_ sessionId: String) async throws {
        let reply = try await post("/_fake/checkout/sessions/\(Self.segment(sessionId))/expire", nil)
        try Self.expect(reply, 200, "expire \(sessionId)")
    }

    /// `POST /_fake/webhook_endpoints` → the endpoint's id.
    @discardableResult
    public func addWebhookEndpoint(url: String, secret: String) async throws -> String {
        let reply = try await post("/_fake/webhook_endpoints", .object([("url", .string(url)), ("secret", .string(secret))]))
        try Self.expect(reply, 201, "add webhook endpoint")
        return try reply.json()["id"]?.stringValue ?? ""
    }

    /// `POST /_fake/webhook_faults {"kind","count","eventType"?}`: `count` 0 means until cleared.
    public func addWebhookFault(_ kind: String, count: Int = 1, delayMs: Int? = nil, eventType: String? = nil) async throws {
        var members: [(key: String, value: JSONValue)] = [("kind", .string(kind)), ("count", .number(Double(count)))]
        if let delayMs { members.append(("delayMs", .number(Double(delayMs)))) }
        if let eventType { members.append(("eventType", .string(eventType))) }
        let reply = try await post("/_fake/webhook_faults", .object(members))
        try Self.expect(reply, 201, "add webhook fault \(kind)")
    }

    public func clearWebhookFaults() async throws {
        let reply = try await requester.send(.DELETE, baseURL + "/_fake/webhook_faults")
        try Self.expect(reply, 204, "clear webhook faults")
    }

    /// `GET /_fake/webhook_attempts`: the newest `limit` attempts (of one event), oldest first.
    public func attempts(event: String? = nil, limit: Int = 100_000) async throws -> [Attempt] {
        let query = "?limit=\(limit)" + (event.map { "&event=" + Self.segment($0) } ?? "")
        let reply = try await requester.get(baseURL + "/_fake/webhook_attempts" + query)
        try Self.expect(reply, 200, "webhook attempts")
        struct Page: Decodable { var attempts: [Attempt] }
        do {
            return try JSONDecoder().decode(Page.self, from: Data(reply.body)).attempts
        } catch {
            throw StackClientError.invalidResponse(operation: "webhook attempts", reason: "\(error)")
        }
    }

    /// `POST /_fake/events/{id}/resend` → how many deliveries were queued.
    @discardableResult
    public func resend(eventId: String) async throws -> Int {
        let reply = try await post("/_fake/events/\(Self.segment(eventId))/resend", nil)
        try Self.expect(reply, 200, "resend \(eventId)")
        guard case .number(let count)? = try reply.json()["queued"] else { return 0 }
        return Int(count)
    }

    /// `POST /_fake/clock/advance`.
    public func advanceClock(seconds: Double) async throws {
        let reply = try await post("/_fake/clock/advance", .object([("seconds", .number(seconds))]))
        try Self.expect(reply, 200, "advance clock")
    }

    func post(_ path: String, _ body: JSONValue?) async throws -> HTTPReply {
        var headers: [(String, String)] = []
        var bytes: [UInt8]?
        if let body {
            var writer = JSONWriter()
            writer.value(body)
            bytes = writer.bytes
            headers.append(("Content-Type", "application/json"))
        }
        return try await requester.send(.POST, baseURL + path, headers: headers, body: bytes)
    }

    static func expect(_ reply: HTTPReply, _ status: Int, _ operation: String) throws(StackClientError) {
        guard reply.status == status else { throw .unexpectedStatus(operation: operation, status: reply.status, body: reply.text) }
    }

    static func segment(_ text: String) -> String { URLText.percentEncoded(text) }
}
