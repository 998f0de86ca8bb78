import BlockingWork
import Hummingbird
import StackHTTP
import StackStorage
import WireFormats

/// `/v1/checkout/sessions`: create, list, retrieve (with `expand`), line items, expire.
struct CheckoutSessionRoutes {
    let context: StripeContext

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        let context = self.context, store = context.store, idempotent = IdempotentPost(context: context)
        routes.post("/v1/checkout/sessions") { request, _ in
            let apiKey = try context.auth.apiKey(request)
            return try await idempotent.run(request, apiKey: apiKey, endpoint: "POST /v1/checkout/sessions") { form, _ in
                let session = try CheckoutSessionParameters.session(from: form, now: context.now)
                try await offCooperativePool { try store.insert(session) }
                context.logger.info("checkout session created", metadata: [
                    "session": "\(session.id)", "amount": "\(session.amountTotal) \(session.currency)",
                ])
                return try await Self.render(session, expand: Set(try StripeParams(form).strings("expand") ?? []), context: context)
            }
        }
        routes.get("/v1/checkout/sessions") { request, _ in
            _ = try context.auth.apiKey(request)
            let query = try QueryParameters(request, known: [
                "limit", "starting_after", "ending_before", "status", "payment_intent", "customer", "customer_details",
                "created", "payment_link", "subscription",
            ])
            var filter = StripeStore.SessionFilter()
            if let status = try query.params.string("status") {
                guard ["open", "complete", "expired"].contains(status) else {
                    throw StripeError.invalidRequest("Invalid status: must be one of complete, expired, or open", param: "status")
                }
                filter.status = status
            }
            filter.paymentIntent = try query.params.string("payment_intent")
            let page = try await query.page(object: "checkout.session") { try store.sessionSeq($0) }
            let expand = try query.expand
            try await context.expireDue()
            let chosen = filter
            let (items, hasMore) = try await offCooperativePool { try store.sessions(chosen, page: page) }
            var data: [JSONValue] = []
            for session in items { data.append(try await Self.render(session, expand: Self.inList(expand), context: context)) }
            return StripeResponse.json(ListJSON.render(url: "/v1/checkout/sessions", data: data, hasMore: hasMore))
        }
        routes.get("/v1/checkout/sessions/:id") { request, ctx in
            _ = try context.auth.apiKey(request)
            let expand = try QueryParameters(request, known: []).expand
            let session = try await Self.find(ctx, context)
            return StripeResponse.json(try await Self.render(session, expand: expand, context: context))
        }
        routes.get("/v1/checkout/sessions/:id/line_items") { request, ctx in
            _ = try context.auth.apiKey(request)
            _ = try QueryParameters(request, known: ["limit", "starting_after", "ending_before"])
            let session = try await Self.find(ctx, context)
            let url = "/v1/checkout/sessions/\(session.id)/line_items"
            return StripeResponse.json(ListJSON.render(url: url, data: session.lineItems.map(CheckoutSessionJSON.lineItem), hasMore: false))
        }
        routes.post("/v1/checkout/sessions/:id/expire") { request, ctx in
            let apiKey = try context.auth.apiKey(request)
            let id = ctx.parameters.get("id") ?? ""
            return try await idempotent.run(request, apiKey: apiKey, endpoint: "POST /v1/checkout/sessions/\(id)/expire") { form, key in
                try StripeParams(form).onlyKnown(["expand"])
                let now = context.now, requestId = CurrentRequest.id
                let result = try await offCooperativePool { try store.expire(id, now: now, requestId: requestId, idempotencyKey: key) }
                switch result {
                case .missing: throw StripeError.noSuch("checkout.session", id, param: "session")
                case .notOpen(let status):
                    throw StripeError.invalidRequest(
                        "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of `\(status)`."
                    )
                case .expired(let session):
                    context.deliveries.wake()
                    context.logger.info("checkout session expired", metadata: ["session": "\(id)", "by": "api"])
                    return try await Self.render(session, expand: Set(try StripeParams(form).strings("expand") ?? []), context: context)
                }
            }
        }
    }

    /// The session of the path's `:id` (after any due expiry), or Stripe's 404.
    static func find(_ ctx: BasicRequestContext, _ context: StripeContext) async throws -> CheckoutSessionRecord {
        let id = ctx.parameters.get("id") ?? "", store = context.store
        try await context.expireDue()
        guard let session = try await offCooperativePool({ try store.session(id) }) else {
            throw StripeError.noSuch("checkout.session", id, param: "session")
        }
        return session
    }

    /// A list's `expand[]=data.payment_intent` applies to each element.
    static func inList(_ expand: Set<String>) -> Set<String> {
        Set(expand.compactMap { $0.hasPrefix("data.") ? String($0.dropFirst(5)) : nil })
    }

    static func render(_ session: CheckoutSessionRecord, expand: Set<String>, context: StripeContext) async throws -> JSONValue {
        var intent: JSONValue?
        if expand.contains("payment_intent"), let id = session.paymentIntentId {
            let store = context.store
            intent = try await offCooperativePool { try store.paymentIntent(id) }.map(PaymentIntentJSON.render)
        }
        var lineItems: JSONValue?
        if expand.contains("line_items") {
            lineItems = ListJSON.render(
                url: "/v1/checkout/sessions/\(session.id)/line_items", data: session.lineItems.map(CheckoutSessionJSON.lineItem), hasMore: false
            )
        }
        return CheckoutSessionJSON.render(session, payURL: context.payURL(session.id), paymentIntent: intent, lineItems: lineItems)
    }
}
