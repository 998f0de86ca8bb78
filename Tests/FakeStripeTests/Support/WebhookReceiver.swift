import FakeControls
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import StackClients
import Synchronization
import Testing
@testable import FakeStripe

/// A webhook endpoint for the tests: a Hummingbird router on a real ephemeral port that records every POST
/// (raw body bytes and `Stripe-Signature`) and answers what `decide` says.
final class WebhookReceiver: Sendable {
    struct Hit: Sendable {
        var path: String
        var body: [UInt8]
        var signature: String?
        var contentType: String?
        var eventId: String
        var type: String
        var answered: Int

        var object: [String: Any] {
            let json = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
            return json.object("data").object("object")
        }
    }

    private let recorded = Mutex<[Hit]>([])
    /// The status to answer a hit with, given how many earlier hits carried the same event.
    let decide: @Sendable (Hit, Int) -> Int

    init(decide: @escaping @Sendable (Hit, Int) -> Int = { _, _ in 200 }) {
        self.decide = decide
    }

    var hits: [Hit] { recorded.withLock { $0 } }
    func hits(event: String) -> [Hit] { hits.filter { $0.eventId == event } }
    func hits(type: String) -> [Hit] { hits.filter { $0.type == type } }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/**") { [self] request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let body = Array(buffer.readableBytesView)
            let json = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
            var hit = Hit(
                path: request.uri.path, body: body, signature: request.headers[HTTPField.Name("Stripe-Signature")!],
                contentType: request.headers[.contentType], eventId: json.string("id") ?? "", type: json.string("type") ?? "", answered: 0
            )
            let earlier = recorded.withLock { list in list.filter { $0.eventId == hit.eventId }.count }
            hit.answered = decide(hit, earlier)
            let answered = hit
            recorded.withLock { $0.append(answered) }
            return Response(status: HTTPResponse.Status(code: hit.answered))
        }
        return router
    }
}

/// fake-stripe (router transport) with its webhook deliverer running, and a live receiver on a free port.
struct WebhookStack: Sendable {
    let stripe: StripeTestClient
    let receiver: WebhookReceiver
    /// The receiver's base URL, `http://127.0.0.1:PORT`.
    let receiverURL: String
    static let secret = "whsec_fake_stripe_unit_tests"

    var clock: FakeClock { stripe.clock }
    var now: Int { stripe.now }

    /// Checks a hit's signature against `secret` at the fake clock's now, as the SDKs do.
    @discardableResult
    func verify(_ hit: WebhookReceiver.Hit, secret: String = WebhookStack.secret) throws(StripeSignature.Rejection) -> Int {
        try StripeSignature.verify(payload: hit.body, header: hit.signature, secret: secret, now: now)
    }

    /// The attempt log of one event, oldest first.
    func attempts(event: String) async throws -> [[String: Any]] {
        let reply = try await stripe.get("/_fake/webhook_attempts?event=\(event)", key: nil)
        #expect(reply.status == .ok, "\(reply.text)")
        return reply.json["attempts"] as? [[String: Any]] ?? []
    }

    func armFault(_ json: String) async throws {
        let reply = try await stripe.send(.post, "/_fake/webhook_faults", key: nil, json: json)
        #expect(reply.status == .created, "\(reply.text)")
    }

    /// Expires a session through `/_fake/` and returns the id of its `checkout.session.expired` event.
    func expireEvent() async throws -> String {
        let id = try await stripe.createdSession()
        let reply = try await stripe.send(.post, "/_fake/checkout/sessions/\(id)/expire", key: nil)
        #expect(reply.status == .ok, "\(reply.text)")
        let events = try await stripe.events("?type=checkout.session.expired&limit=1")
        let event = try #require(events.first)
        #expect(event.object("data").object("object").string("id") == id)
        return event.string("id") ?? ""
    }
}

/// Runs `body` with a receiver served live on an ephemeral port and fake-stripe delivering to
/// `<receiver>/webhook` (the config endpoint, signed with `WebhookStack.secret`) on a tiny retry schedule.
func withWebhookStack(
    receiver: WebhookReceiver = WebhookReceiver(),
    clock: FakeClock = FakeClock(mode: .frozen(testEpoch)),
    retrySchedule: [Double] = [0.05, 0.05, 0.05],
    configEndpoint: Bool = true,
    _ body: @Sendable (WebhookStack) async throws -> Void
) async throws {
    let receiverApp = Application(router: receiver.router(), logger: quietLogger)
    try await receiverApp.test(.live) { client in
        let port = try #require(client.port)
        let base = "http://127.0.0.1:\(port)"
        try await withStripe(
            clock: clock,
            configure: { configuration in
                if configEndpoint {
                    configuration.webhookURL = base + "/webhook"
                    configuration.webhookSecret = WebhookStack.secret
                }
                configuration.retrySchedule = retrySchedule
                configuration.webhookTimeoutSeconds = 10
            },
            services: { app in [makeDeliverer(app)] }
        ) { stripe in
            try await body(WebhookStack(stripe: stripe, receiver: receiver, receiverURL: base))
        }
    }
}

/// The webhook deliverer as `FakeStripeApp.run()` builds it, polling more often.
func makeDeliverer(_ app: FakeStripeApp) -> WebhookDeliverer {
    WebhookDeliverer(
        context: app.context,
        requester: HTTPRequester(client: FakeStripeApp.webhookHTTPClient, timeout: .seconds(app.configuration.webhookTimeoutSeconds)),
        retrySchedule: app.configuration.retrySchedule, pollInterval: .milliseconds(50)
    )
}
