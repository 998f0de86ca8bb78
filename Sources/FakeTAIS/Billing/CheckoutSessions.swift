import StackClients

/// The two Stripe Checkout calls top-ups make. `StripeClient` is the real one; unit tests pass an
/// in-memory stand-in so they need no Stripe.
protocol CheckoutSessions: Sendable {
    /// `POST /v1/checkout/sessions`.
    func create(_ parameters: [(String, StripeFormEncoder.Value)]) async throws -> StripeCheckoutSession
    /// `GET /v1/checkout/sessions/{id}`.
    func retrieve(_ id: String) async throws -> StripeCheckoutSession
}

extension StripeClient: CheckoutSessions {
    func create(_ parameters: [(String, StripeFormEncoder.Value)]) async throws -> StripeCheckoutSession {
        try await createCheckoutSession(parameters)
    }

    func retrieve(_ id: String) async throws -> StripeCheckoutSession {
        try await checkoutSession(id)
    }
}
