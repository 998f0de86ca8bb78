import WireFormats

/// A started top-up: the Stripe Checkout Session and its pay page.
public struct TAISCheckoutStart: Decodable, Sendable, Equatable {
    public var sessionId: String
    public var url: String
    public var expiresAt: String
}

extension TAISClient {
    /// `POST /api/v1/organizations/{orgId}/ai-credits/checkout-session {"creditAmountUsd"}` → 201.
    public func startCheckout(org: String, creditAmountUsd: Int, token: String? = nil) async throws -> TAISCheckoutStart {
        let reply = try await startCheckoutReply(org: org, creditAmountUsd: .number(Double(creditAmountUsd)), token: token)
        let operation = "POST checkout-session"
        try expect(reply, [201], operation)
        return try TAISJSON.decode(TAISCheckoutStart.self, from: reply, operation: operation)
    }

    /// The same call with any JSON amount, answering whatever fake-tais answered (bad input checks).
    public func startCheckoutReply(org: String, creditAmountUsd: JSONValue?, token: String? = nil) async throws -> HTTPReply {
        let body: JSONValue = .object(creditAmountUsd.map { [("creditAmountUsd", $0)] } ?? [])
        return try await send(
            .POST, "/api/v1/organizations/\(Self.segment(org))/ai-credits/checkout-session", token: bearer(token), json: body
        )
    }

    /// `POST …/checkout-session/{id}/sync` → `credited`, `pending` or `expired`.
    public func syncCheckout(org: String, sessionId: String, token: String? = nil) async throws -> String {
        let reply = try await syncCheckoutReply(org: org, sessionId: sessionId, token: token)
        let operation = "POST checkout-session/\(sessionId)/sync"
        try expect(reply, [200], operation)
        guard let status = try reply.json(operation: operation)["status"]?.stringValue else {
            throw StackClientError.invalidResponse(operation: operation, reason: "no status: \(reply.text)")
        }
        return status
    }

    public func syncCheckoutReply(org: String, sessionId: String, token: String? = nil) async throws -> HTTPReply {
        try await send(
            .POST, "/api/v1/organizations/\(Self.segment(org))/ai-credits/checkout-session/\(Self.segment(sessionId))/sync",
            token: bearer(token), json: .object([])
        )
    }
}
