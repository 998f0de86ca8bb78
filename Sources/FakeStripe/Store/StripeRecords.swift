import Foundation

/// A Checkout Session as stored; `CheckoutSessionJSON` renders it in Stripe's shape.
struct CheckoutSessionRecord: Sendable, Equatable {
    var id: String
    var created: Int
    var expiresAt: Int
    var status: String
    var paymentStatus: String
    var currency: String
    var amountSubtotal: Int
    var amountTotal: Int
    var successURL: String?
    var cancelURL: String?
    var clientReferenceId: String?
    var customerEmail: String?
    var metadata: [String: String]
    var lineItems: [LineItemRecord]
    var paymentIntentId: String?
    var locale: String?
    var submitType: String?
    var paymentMethodTypes: [String]
    var completedAt: Int?
}

/// One line item: a quantity of an inline price (`price_data`).
struct LineItemRecord: Codable, Sendable, Equatable {
    var id: String
    var priceId: String
    var productId: String
    var productName: String
    var productDescription: String?
    var currency: String
    var unitAmount: Int
    var quantity: Int
    var amountTotal: Int { unitAmount * quantity }
}

/// A PaymentIntent: made at the first card tried on a session, `succeeded` once a card pays.
struct PaymentIntentRecord: Sendable, Equatable {
    var id: String
    var sessionId: String
    var created: Int
    var amount: Int
    var currency: String
    var status: String
    var clientSecret: String
    var lastPaymentError: CardDecline?
    var latestCharge: String?
    var paymentMethod: String?
    var receiptEmail: String?
    var metadata: [String: String]
}

/// Why a test card was declined, as `last_payment_error` shows it.
struct CardDecline: Codable, Sendable, Equatable {
    var code: String
    var declineCode: String
    var message: String
    var paymentMethod: String
}

/// A webhook endpoint: where events go and the secret they are signed with.
struct WebhookEndpointRecord: Codable, Sendable, Equatable {
    var id: String
    var url: String
    var secret: String
    var enabledEvents: [String]
    var fromConfig: Bool
    var createdAt: Int

    func wants(_ type: String) -> Bool {
        enabledEvents.contains { pattern in
            pattern == "*" || pattern == type || (pattern.hasSuffix(".*") && type.hasPrefix(String(pattern.dropLast(1))))
        }
    }
}

/// A stored event; `object` is the JSON of `data.object` at the time of the event.
struct EventRecord: Sendable, Equatable {
    var id: String
    var type: String
    var created: Int
    var object: String
    var requestId: String?
    var idempotencyKey: String?
    var pendingWebhooks: Int
}
