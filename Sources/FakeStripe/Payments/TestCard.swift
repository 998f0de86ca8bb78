/// Stripe's test card numbers and what each does.
enum TestCard: Equatable {
    case pays
    case declines(CardOutcome)

    struct CardOutcome: Equatable {
        var code: String
        var declineCode: String
        var message: String
    }

    static let generic = CardOutcome(code: "card_declined", declineCode: "generic_decline", message: "Your card was declined.")
    static let insufficientFunds = CardOutcome(code: "card_declined", declineCode: "insufficient_funds", message: "Your card has insufficient funds.")

    /// The card for `number` (spaces and dashes ignored); nil when it is not a test card fake-stripe knows.
    init?(number: String) {
        let digits = number.filter { $0 != " " && $0 != "-" }
        switch digits {
        case "4242424242424242": self = .pays
        case "4000000000000002": self = .declines(Self.generic)
        case "4000000000009995": self = .declines(Self.insufficientFunds)
        default: return nil
        }
    }

    static let help = "Use a test card: 4242 4242 4242 4242 (pays), 4000 0000 0000 0002 (declined) or 4000 0000 0000 9995 (insufficient funds)."
}
