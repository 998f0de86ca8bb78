import Foundation
import HTTPTypes
import Hummingbird
import StackHTTP
import WireFormats

/// Prepaid top-ups over the API: start a Stripe Checkout Session, sync one, and Stripe's webhook.
/// The work is `TopUpService`'s; these routes authenticate, pick the org and read the bodies.
struct TopUpRoutes {
    let topUps: TopUpService
    let auth: BearerAuthenticator

    static let signatureHeader = HTTPField.Name("Stripe-Signature")!

    struct Status: Encodable {
        var status: TopUpStatus
    }

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        let topUps = self.topUps, auth = self.auth
        routes.post("/api/v1/organizations/:orgId/ai-credits/checkout-session") { request, context in
            let identity = try auth.identity(request)
            _ = try BillingRoutes.organization(context, identity)
            // The role is checked before the body, so a viewer learns "forbidden", not a field error.
            guard TopUpService.mayBuy(identity) else {
                throw HTTPFailure(.forbidden, "only an Owner or Admin may buy AI credits", code: "forbidden")
            }
            let usd = try Self.creditAmountUsd(try await request.collectBody(limit: RequestBody.limit))
            let start = try await topUps.startCheckout(identity: identity, creditAmountUsd: usd)
            return try JSONResponse.make(start, status: .created)
        }
        routes.post("/api/v1/organizations/:orgId/ai-credits/checkout-session/:sessionId/sync") { request, context in
            let identity = try auth.identity(request)
            _ = try BillingRoutes.organization(context, identity)
            let status = try await topUps.sync(identity: identity, sessionId: context.parameters.get("sessionId") ?? "")
            return try JSONResponse.make(Status(status: status))
        }
        // No bearer token: Stripe calls this, and the signature over the exact bytes is the check.
        routes.post("/api/v1/stripe/webhook") { request, _ in
            let body = try await request.collectBody(limit: RequestBody.limit)
            let outcome = try await topUps.handleWebhook(
                payload: Array(body.readableBytesView), signatureHeader: request.headers[Self.signatureHeader]
            )
            return JSONResponse.raw(Data(outcome.json.utf8))
        }
    }

    /// `creditAmountUsd` of `{"creditAmountUsd":50}`: a JSON number without a fraction (50.0 reads as 50).
    static func creditAmountUsd(_ buffer: ByteBuffer) throws -> Int {
        let example = #"{"creditAmountUsd":50}"#
        // No body at all reads as `{}`, so the message names the missing field.
        let bytes = buffer.readableBytes == 0 ? Array("{}".utf8) : Array(buffer.readableBytesView)
        guard let body = try? JSONParser.parse(bytes), case .object = body else {
            throw HTTPFailure(.badRequest, "the body must be a JSON object like \(example)", code: "invalid_request")
        }
        guard let value = body["creditAmountUsd"], !value.isNull else {
            throw HTTPFailure(.badRequest, "creditAmountUsd is required, like \(example)", code: "invalid_request")
        }
        // Bounds are checked on the Double first: Int(1e300) would trap.
        guard case .number(let number) = value, number.isFinite, number == number.rounded(), abs(number) < 1e15 else {
            throw HTTPFailure(.badRequest, "creditAmountUsd must be a whole number of US dollars", code: "invalid_request")
        }
        return Int(number)
    }
}
