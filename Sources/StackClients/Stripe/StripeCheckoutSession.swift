import WireFormats

/// The fields of a Checkout Session a caller of `StripeClient` acts on; `json` keeps the whole object.
public struct StripeCheckoutSession: Sendable {
    public var id: String
    /// `open`, `complete` or `expired`.
    public var status: String
    /// `unpaid`, `paid` or `no_payment_required`.
    public var paymentStatus: String
    /// The hosted pay page; null once the session is no longer open.
    public var url: String?
    public var expiresAt: Int
    public var amountTotal: Int?
    public var currency: String?
    public var clientReferenceId: String?
    public var metadata: [String: String]
    public var json: JSONValue

    public init(json: JSONValue) throws(StackClientError) {
        guard let id = json["id"]?.stringValue, json["object"]?.stringValue == "checkout.session" else {
            throw .invalidResponse(operation: "Stripe checkout session", reason: "not a checkout.session object")
        }
        self.id = id
        status = json["status"]?.stringValue ?? ""
        paymentStatus = json["payment_status"]?.stringValue ?? ""
        url = json["url"]?.stringValue
        expiresAt = Self.int(json["expires_at"]) ?? 0
        amountTotal = Self.int(json["amount_total"])
        currency = json["currency"]?.stringValue
        clientReferenceId = json["client_reference_id"]?.stringValue
        var metadata: [String: String] = [:]
        if case .object(let members)? = json["metadata"] {
            for member in members { if let text = member.value.stringValue { metadata[member.key] = text } }
        }
        self.metadata = metadata
        self.json = json
    }

    static func int(_ value: JSONValue?) -> Int? {
        guard case .number(let number)? = value, number.isFinite else { return nil }
        return Int(number)
    }
}
