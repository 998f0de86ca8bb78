import Foundation

/// A Checkout Session just created: where to send the buyer. `expiresAt` encodes as ISO 8601.
struct CheckoutStart: Encodable, Sendable, Equatable {
    var sessionId: String
    var url: String
    var expiresAt: Date
}

/// Where a top-up stands, as `…/checkout-session/{id}/sync` reports it.
enum TopUpStatus: String, Encodable, Sendable {
    case credited, pending, expired
}

/// What a webhook delivery did. Stripe reads only the status; the body says `{"received":true}`, plus
/// `"duplicate":true` for an event id already processed.
struct WebhookOutcome: Sendable, Equatable {
    var duplicate = false
    /// `credited`, `already_credited`, `expired`, `ignored`, … (logged and kept with the event).
    var outcome: String

    /// Written by hand: JSONEncoder's key order is not stable on Linux.
    var json: String {
        duplicate ? #"{"received":true,"duplicate":true}"# : #"{"received":true}"#
    }
}
