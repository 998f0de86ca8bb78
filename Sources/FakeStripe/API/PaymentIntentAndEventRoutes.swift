import BlockingWork
import Hummingbird
import StackHTTP
import StackStorage
import WireFormats

/// `GET /v1/payment_intents/{id}`, `GET /v1/events/{id}` and `GET /v1/events`.
struct PaymentIntentAndEventRoutes {
    let context: StripeContext

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        let context = self.context, store = context.store
        routes.get("/v1/payment_intents/:id") { request, ctx in
            _ = try context.auth.apiKey(request)
            _ = try QueryParameters(request, known: ["client_secret"])
            let id = ctx.parameters.get("id") ?? ""
            guard let intent = try await offCooperativePool({ try store.paymentIntent(id) }) else {
                throw StripeError.noSuch("payment_intent", id, param: "intent")
            }
            return StripeResponse.json(PaymentIntentJSON.render(intent))
        }
        routes.get("/v1/events/:id") { request, ctx in
            _ = try context.auth.apiKey(request)
            _ = try QueryParameters(request, known: [])
            let id = ctx.parameters.get("id") ?? ""
            try await context.expireDue()
            guard let event = try await offCooperativePool({ try store.event(id) }) else {
                throw StripeError.noSuch("event", id, param: "id")
            }
            return StripeResponse.json(EventJSON.render(event))
        }
        routes.get("/v1/events") { request, _ in
            _ = try context.auth.apiKey(request)
            let query = try QueryParameters(request, known: ["limit", "starting_after", "ending_before", "type", "types", "delivery_success", "created"])
            var filter = StripeStore.EventFilter()
            if let type = try query.params.string("type") { filter.types = [type] }
            if let types = try query.params.strings("types") {
                guard filter.types.isEmpty else {
                    throw StripeError.invalidRequest("You may only specify one of these parameters: type, types.", param: "types")
                }
                filter.types = types
            }
            if let success = try query.params.string("delivery_success") {
                guard success == "true" || success == "false" else {
                    throw StripeError.invalidRequest("Invalid boolean: \(success)", param: "delivery_success", code: "parameter_invalid_boolean")
                }
                filter.deliverySuccess = success == "true"
            }
            let page = try await query.page(object: "event") { try store.eventSeq($0) }
            try await context.expireDue()
            let chosen = filter
            let (items, hasMore) = try await offCooperativePool { try store.events(chosen, page: page) }
            return StripeResponse.json(ListJSON.render(url: "/v1/events", data: items.map(EventJSON.render), hasMore: hasMore))
        }
    }
}
