/// An error answer of the Stripe API (`{"error":{"type","code","message","param"}}`), or a transport failure.
public struct StripeAPIError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The HTTP status; 0 when no answer arrived.
    public var status: Int
    public var type: String
    public var code: String?
    public var message: String
    public var param: String?

    public init(status: Int, type: String, code: String? = nil, message: String, param: String? = nil) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
    }

    public var description: String {
        var text = "Stripe \(status == 0 ? "unreachable" : "HTTP \(status)") \(type)"
        if let code { text += " (\(code))" }
        text += ": \(message)"
        if let param { text += " [param \(param)]" }
        return text
    }
}
