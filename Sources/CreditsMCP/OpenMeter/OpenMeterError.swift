/// Why an OpenMeter call failed.
///
/// `message` is worded for the admin reading the tool's answer and never holds OpenMeter's URL, host
/// or port, nor a raw Swift error description; `detail` keeps those for the log.
public struct OpenMeterError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        case unreachable, timeout, unauthorized, rateLimited, notFound, server, badRequest, invalidResponse, tooManyEvents
    }

    public let kind: Kind
    /// Shown to the caller.
    public let message: String
    /// For the log only: the URL and the underlying error, when there is more to say than `message`.
    public let detail: String?

    public init(kind: Kind, message: String, detail: String? = nil) {
        self.kind = kind
        self.message = message
        self.detail = detail
    }

    public var description: String { message }

    /// `message`, plus `detail` when there is one: what the log line records.
    public var logDescription: String {
        detail.map { "\(message) [\($0)]" } ?? message
    }

    /// Worth one more try: the next attempt may well succeed.
    var isTransient: Bool {
        switch kind {
        case .unreachable, .timeout, .rateLimited, .server: true
        default: false
        }
    }
}
