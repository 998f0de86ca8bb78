/// Object ids the way Stripe shapes them (`cs_test_` + 58, `pi_` + 24, `req_` + 14 characters), drawn
/// from the system's cryptographic generator: a session id in a pay page URL must not be guessable.
enum StripeIDs {
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    static func make(_ prefix: String, length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(length)
        for _ in 0..<length { bytes.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))]) }
        return prefix + String(decoding: bytes, as: UTF8.self)
    }

    static func checkoutSession() -> String { make("cs_test_a1", length: 56) }
    static func paymentIntent() -> String { make("pi_", length: 24) }
    static func charge() -> String { make("ch_", length: 24) }
    static func paymentMethod() -> String { make("pm_", length: 24) }
    static func event() -> String { make("evt_", length: 24) }
    static func request() -> String { make("req_", length: 14) }
    static func webhookEndpoint() -> String { make("we_", length: 24) }
    static func webhookSecret() -> String { make("whsec_", length: 32) }
    static func lineItem() -> String { make("li_", length: 24) }
    static func product() -> String { make("prod_", length: 14) }
    static func price() -> String { make("price_", length: 24) }
}
