import FakeControls
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import StackClients
import Synchronization
import WireFormats
@testable import FakeTAIS

/// Stripe's Checkout Sessions in memory, in place of Stripe for `TopUpService` in unit tests.
/// Tests pay or expire a session here, then tell fake-tais by webhook or sync.
final class StubCheckoutSessions: CheckoutSessions {
    struct Session: Sendable {
        var id: String
        var status = "open"
        var paymentStatus = "unpaid"
        var amountTotal: Int
        var tenant: String
        var metadata: [String: String]
        var expiresAt: Int
    }

    private struct State {
        var sessions: [String: Session] = [:]
        /// Each create's parameters, form-decoded.
        var forms: [[String: String]] = []
        var retrieves = 0
        var failure: StripeAPIError?
        var count = 0
    }

    private let state = Mutex(State())

    func create(_ parameters: [(String, StripeFormEncoder.Value)]) async throws -> StripeCheckoutSession {
        let form = Self.decode(StripeFormEncoder.encode(parameters))
        let session = try state.withLock { state in
            if let failure = state.failure { throw failure }
            state.count += 1
            let amount = (Int(form["line_items[0][price_data][unit_amount]"] ?? "") ?? 0) * (Int(form["line_items[0][quantity]"] ?? "") ?? 0)
            var metadata: [String: String] = [:]
            for (key, value) in form where key.hasPrefix("metadata[") { metadata[String(key.dropFirst(9).dropLast())] = value }
            let session = Session(
                id: "cs_test_\(state.count)\(UUID().uuidString.prefix(8))", amountTotal: amount, tenant: form["client_reference_id"] ?? "",
                metadata: metadata, expiresAt: Int(testEpoch.timeIntervalSince1970) + 86_400
            )
            state.forms.append(form)
            state.sessions[session.id] = session
            return session
        }
        return try Self.object(session)
    }

    func retrieve(_ id: String) async throws -> StripeCheckoutSession {
        let session = try state.withLock { state in
            state.retrieves += 1
            if let failure = state.failure { throw failure }
            guard let session = state.sessions[id] else {
                throw StripeAPIError(status: 404, type: "invalid_request_error", code: "resource_missing", message: "No such checkout.session: '\(id)'")
            }
            return session
        }
        return try Self.object(session)
    }

    // MARK: Test controls

    var forms: [[String: String]] { state.withLock { $0.forms } }
    var retrieves: Int { state.withLock { $0.retrieves } }

    func fail(with error: StripeAPIError?) {
        state.withLock { $0.failure = error }
    }

    /// The session as Stripe would show it now, as a JSON object (an event's `data.object`).
    func json(_ id: String) -> [String: Any] {
        Self.dictionary(state.withLock { $0.sessions[id]! })
    }

    func pay(_ id: String) {
        state.withLock { $0.sessions[id]!.status = "complete"; $0.sessions[id]!.paymentStatus = "paid" }
    }

    func expire(_ id: String) {
        state.withLock { $0.sessions[id]!.status = "expired" }
    }

    func setAmount(_ id: String, cents: Int) {
        state.withLock { $0.sessions[id]!.amountTotal = cents }
    }

    // MARK: Encoding

    static func dictionary(_ session: Session) -> [String: Any] {
        [
            "id": session.id, "object": "checkout.session", "mode": "payment", "status": session.status,
            "payment_status": session.paymentStatus, "amount_total": session.amountTotal, "currency": "usd",
            "url": session.status == "open" ? "http://stripe.test/c/pay/\(session.id)" : NSNull(),
            "expires_at": session.expiresAt, "client_reference_id": session.tenant, "metadata": session.metadata,
        ]
    }

    static func object(_ session: Session) throws -> StripeCheckoutSession {
        let data = try JSONSerialization.data(withJSONObject: dictionary(session))
        return try StripeCheckoutSession(json: try JSONParser.parse([UInt8](data)))
    }

    /// `a=1&b%5Bc%5D=2` → `["a": "1", "b[c]": "2"]`.
    static func decode(_ form: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            out[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return out
    }
}

/// Runs `body` against a fresh in-memory fake-tais whose Stripe is a `StubCheckoutSessions`.
func withTopUps(
    configure: (inout TAISConfiguration) -> Void = { _ in },
    _ body: @Sendable (TAISTestClient, StubCheckoutSessions) async throws -> Void
) async throws {
    var configuration = TAISConfiguration()
    configuration.dataPath = ":memory:"
    configure(&configuration)
    var logger = Logger(label: "fake-tais-tests")
    logger.logLevel = .critical
    let stripe = StubCheckoutSessions()
    let app = try FakeTAISApp(configuration: configuration, clock: FakeClock(mode: .frozen(testEpoch)), logger: logger, checkoutSessions: stripe)
    try await Application(router: app.buildRouter()).test(.router) { client in
        try await body(TAISTestClient(client: client, app: app), stripe)
    }
}
