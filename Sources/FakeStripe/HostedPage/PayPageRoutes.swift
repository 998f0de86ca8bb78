import BlockingWork
import Hummingbird
import StackHTTP
import StackStorage

/// The hosted pay page at a session's `url`: `GET /c/pay/{id}` shows it, the form posts back
/// `card` and `action=pay|cancel`. Paying redirects (303) to `success_url`, cancelling to `cancel_url`;
/// a declined or unknown card shows the page again with the reason.
struct PayPageRoutes {
    let context: StripeContext

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        let context = self.context, store = context.store, desk = PaymentDesk(context: context)
        routes.get("/c/pay/:id") { _, ctx in
            let id = ctx.parameters.get("id") ?? ""
            try await context.expireDue()
            guard let session = try await offCooperativePool({ try store.session(id) }) else { return Self.notFound() }
            return Self.html(session.status == "open" ? PayPageHTML.open(session) : PayPageHTML.closed(session))
        }
        routes.post("/c/pay/:id") { request, ctx in
            let id = ctx.parameters.get("id") ?? ""
            let buffer = try await request.collectBody(limit: 64 * 1024)
            let form = (try? StripeForm.parse(String(decoding: buffer.readableBytesView, as: UTF8.self))) ?? .map([])
            let card = form["card"]?.string ?? ""
            if form["action"]?.string == "cancel" {
                try await context.expireDue()
                guard let session = try await offCooperativePool({ try store.session(id) }) else { return Self.notFound() }
                guard session.status == "open" else { return Self.html(PayPageHTML.closed(session)) }
                guard let cancel = session.cancelURL else {
                    return Self.html(PayPageHTML.message(title: "Payment cancelled", "Nothing was charged.", state: "open"))
                }
                return Self.redirect(cancel)
            }
            switch try await desk.pay(id, cardNumber: card) {
            case .missing: return Self.notFound()
            case .notOpen(let session): return Self.html(PayPageHTML.closed(session), status: .conflict)
            case .invalidCard(let session):
                return Self.html(PayPageHTML.open(session, error: "That is not a test card fake-stripe knows. \(TestCard.help)", card: card), status: .badRequest)
            case .declined(let session, let outcome):
                return Self.html(PayPageHTML.open(session, error: outcome.message + " Try another card."), status: StatusPhrase.status(code: 402))
            case .paid(let session):
                guard let success = PaymentDesk.successRedirect(session) else { return Self.html(PayPageHTML.closed(session)) }
                return Self.redirect(success)
            }
        }
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    static func notFound() -> Response {
        html(PayPageHTML.message(title: "Something went wrong", "This checkout session does not exist.", state: "missing"), status: .notFound)
    }
}
