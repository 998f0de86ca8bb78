public import HTTPTypes

/// A failure a handler reports to its client. Each service renders it in its own native
/// error format (OpenMeter: problem+json, TAIS: `{"error":…}`, Stripe: `{"error":{…}}`).
public struct HTTPFailure: Error, Sendable {
    public var status: HTTPResponse.Status
    /// Human-readable explanation, e.g. `invalid group by: foo`.
    public var detail: String
    /// Machine-readable code where the service's format has one (`plan_limit_reached`).
    public var code: String?
    /// Extra response headers (`WWW-Authenticate`, `Allow`, …).
    public var headers: HTTPFields
    /// Further members of the error body where a service's format has them (TAIS: `"cap":10`,
    /// `"invalidToolIds":[…]`), in order.
    public var fields: [(name: String, value: FieldValue)]

    public enum FieldValue: Sendable, Equatable {
        case string(String)
        case int(Int)
        case strings([String])
    }

    public init(
        _ status: HTTPResponse.Status, _ detail: String, code: String? = nil, headers: HTTPFields = [:],
        fields: [(name: String, value: FieldValue)] = []
    ) {
        self.status = status
        self.detail = detail
        self.code = code
        self.headers = headers
        self.fields = fields
    }

    public static func badRequest(_ detail: String) -> HTTPFailure { HTTPFailure(.badRequest, detail) }
    public static func notFound(_ detail: String) -> HTTPFailure { HTTPFailure(.notFound, detail) }
}
