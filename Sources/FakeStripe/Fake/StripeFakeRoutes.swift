import BlockingWork
import FakeControls
import Foundation
import Hummingbird
import StackHTTP
import StackStorage
import WireFormats

/// fake-stripe's own test hooks under `/_fake/` (docs/fake-stripe.md "Fake-only routes"): pay, cancel and
/// expire headless, webhook endpoints, the attempt log, resends, webhook faults, reset.
struct StripeFakeRoutes {
    let context: StripeContext
    let faults: WebhookFaultBook
    let onReset: @Sendable () -> Void

    struct PayBody: Decodable { var card: String }
    struct EndpointBody: Decodable {
        var url: String
        var secret: String?
        var enabledEvents: [String]?
    }
    struct ResendBody: Decodable { var endpoint: String? }
    struct FaultBody: Decodable {
        var kind: String
        var count: Int?
        var delayMs: Int?
        var eventType: String?
    }

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        let context = self.context, store = context.store, desk = PaymentDesk(context: context), faults = self.faults
        routes.post("/_fake/checkout/sessions/:id/pay") { request, ctx in
            let body: PayBody = try await RouteTable<BasicRequestContext>.decodeControlBody(request, example: #"{"card":"4242424242424242"}"#)
            let id = ctx.parameters.get("id") ?? ""
            switch try await desk.pay(id, cardNumber: body.card) {
            case .missing: throw HTTPFailure.notFound("no checkout session \(id)")
            case .notOpen(let session): throw HTTPFailure(.conflict, "checkout session \(id) is \(session.status), not open")
            case .invalidCard: throw HTTPFailure.badRequest("\(body.card) is not a test card. \(TestCard.help)")
            case .declined(let session, let outcome):
                return Self.json(.members([
                    "outcome": .string("declined"), "declineCode": .string(outcome.declineCode), "message": .string(outcome.message),
                    "session": CheckoutSessionJSON.render(session, payURL: context.payURL(session.id)),
                ]))
            case .paid(let session):
                return Self.json(.members([
                    "outcome": .string("paid"), "redirect": .text(PaymentDesk.successRedirect(session)),
                    "session": CheckoutSessionJSON.render(session, payURL: nil),
                ]))
            }
        }
        routes.post("/_fake/checkout/sessions/:id/cancel") { _, ctx in
            let id = ctx.parameters.get("id") ?? ""
            try await context.expireDue()
            guard let session = try await offCooperativePool({ try store.session(id) }) else { throw HTTPFailure.notFound("no checkout session \(id)") }
            guard session.status == "open" else { throw HTTPFailure(.conflict, "checkout session \(id) is \(session.status), not open") }
            return Self.json(.members(["redirect": .text(session.cancelURL)]))
        }
        routes.post("/_fake/checkout/sessions/:id/expire") { _, ctx in
            let id = ctx.parameters.get("id") ?? "", now = context.now
            switch try await offCooperativePool({ try store.expire(id, now: now, requestId: nil, idempotencyKey: nil) }) {
            case .missing: throw HTTPFailure.notFound("no checkout session \(id)")
            case .notOpen(let status): throw HTTPFailure(.conflict, "checkout session \(id) is \(status), not open")
            case .expired(let session):
                context.deliveries.wake()
                context.logger.info("checkout session expired", metadata: ["session": "\(id)", "by": "/_fake/"])
                return Self.json(CheckoutSessionJSON.render(session, payURL: nil))
            }
        }
        routes.get("/_fake/webhook_endpoints") { _, _ in
            let endpoints = try await offCooperativePool { try store.endpoints() }
            return try JSONResponse.make(["endpoints": endpoints.map(EndpointView.init)])
        }
        routes.post("/_fake/webhook_endpoints") { request, _ in
            let body: EndpointBody = try await RouteTable<BasicRequestContext>.decodeControlBody(request, example: #"{"url":"http://127.0.0.1:5001/api/v1/stripe/webhook","secret":"whsec_…"}"#)
            guard let url = URL(string: body.url), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw HTTPFailure.badRequest("url must be an http(s) URL, got \(body.url)")
            }
            if let secret = body.secret, !secret.hasPrefix("whsec_") || secret.count < 10 {
                throw HTTPFailure.badRequest("secret must start with whsec_ and have at least 4 more characters")
            }
            let events = body.enabledEvents ?? ["*"]
            guard !events.isEmpty, events.allSatisfy({ !$0.isEmpty }) else { throw HTTPFailure.badRequest("enabledEvents must list event types or \"*\"") }
            let endpoint = WebhookEndpointRecord(
                id: StripeIDs.webhookEndpoint(), url: body.url, secret: body.secret ?? StripeIDs.webhookSecret(),
                enabledEvents: events, fromConfig: false, createdAt: context.now
            )
            try await offCooperativePool { try store.addEndpoint(endpoint) }
            context.logger.info("webhook endpoint added", metadata: ["endpoint": "\(endpoint.id)", "url": "\(endpoint.url)"])
            return try JSONResponse.make(EndpointView(endpoint), status: .created)
        }
        routes.delete("/_fake/webhook_endpoints/:id") { _, ctx in
            let id = ctx.parameters.get("id") ?? ""
            guard try await offCooperativePool({ try store.removeEndpoint(id) }) else { throw HTTPFailure.notFound("no webhook endpoint \(id)") }
            return JSONResponse.empty()
        }
        routes.get("/_fake/webhook_attempts") { request, _ in
            let query = request.uri.queryParameters
            let event = query.get("event"), endpoint = query.get("endpoint")
            let limit = max(1, min(Int(query.get("limit") ?? "") ?? 1000, 100_000))
            let attempts = try await offCooperativePool { try store.attemptLog(eventId: event, endpointId: endpoint, limit: limit) }
            return try JSONResponse.make(["attempts": attempts])
        }
        routes.post("/_fake/events/:id/resend") { request, ctx in
            let id = ctx.parameters.get("id") ?? ""
            let buffer = try await request.collectBody(limit: 64 * 1024)
            let endpoint = buffer.readableBytes == 0 ? nil : (try? JSONDecoder().decode(ResendBody.self, from: Data(buffer: buffer)))?.endpoint
            guard let count = try await offCooperativePool({ try store.resend(eventId: id, endpointId: endpoint) }) else {
                throw HTTPFailure.notFound("no event \(id)")
            }
            context.deliveries.wake()
            return try JSONResponse.make(["queued": count])
        }
        routes.get("/_fake/webhook_faults") { _, _ in try JSONResponse.make(["faults": faults.all]) }
        routes.post("/_fake/webhook_faults") { request, _ in
            let body: FaultBody = try await RouteTable<BasicRequestContext>.decodeControlBody(request, example: #"{"kind":"duplicate","count":1}"#)
            guard let kind = WebhookFault.Kind(rawValue: body.kind) else {
                throw HTTPFailure.badRequest("kind must be one of \(WebhookFault.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got \(body.kind)")
            }
            let count = body.count ?? 1
            guard (0...100_000).contains(count) else { throw HTTPFailure.badRequest("count must be between 0 (until removed) and 100000") }
            if kind == .delay {
                guard let delay = body.delayMs, (1...600_000).contains(delay) else { throw HTTPFailure.badRequest("a delay fault needs delayMs between 1 and 600000") }
            }
            let fault = faults.add(kind: kind, count: count, delayMs: body.delayMs, eventType: body.eventType)
            return try JSONResponse.make(fault, status: .created)
        }
        routes.delete("/_fake/webhook_faults") { _, _ in
            faults.removeAll()
            return JSONResponse.empty()
        }
        routes.delete("/_fake/webhook_faults/:id") { _, ctx in
            let id = ctx.parameters.get("id") ?? ""
            guard faults.remove(id: id) else { throw HTTPFailure.notFound("no webhook fault \(id)") }
            return JSONResponse.empty()
        }
        let onReset = self.onReset
        routes.post("/_fake/reset") { _, _ in
            try await offCooperativePool { try store.reset() }
            faults.removeAll()
            onReset()
            context.logger.info("reset: sessions, intents, events, deliveries, idempotency keys and API-added endpoints removed; real clock")
            return JSONResponse.empty()
        }
    }

    /// A webhook endpoint as `/_fake/webhook_endpoints` shows it.
    struct EndpointView: Encodable {
        var id: String
        var url: String
        var secret: String
        var enabledEvents: [String]
        var fromConfig: Bool
        var createdAt: Int

        init(_ e: WebhookEndpointRecord) {
            (id, url, secret, enabledEvents, fromConfig, createdAt) = (e.id, e.url, e.secret, e.enabledEvents, e.fromConfig, e.createdAt)
        }
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        StripeResponse.json(value, status: status)
    }
}
