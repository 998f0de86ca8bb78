/// Why an OpenMeter call failed, worded for the admin reading the tool's answer.
public struct OpenMeterError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        case unreachable, timeout, unauthorized, rateLimited, notFound, server, badRequest, invalidResponse
    }

    public let kind: Kind
    public let message: String

    public var description: String { message }

    /// Worth one more try: the next attempt may well succeed.
    var isTransient: Bool {
        switch kind {
        case .unreachable, .timeout, .rateLimited, .server: true
        default: false
        }
    }
}
