import Hummingbird
import StackHTTP

/// Stripe's error kinds as `HTTPFailure`s: `code` is Stripe's error code, `type` and `param` ride in `fields`.
enum StripeError {
    static func invalidRequest(
        _ message: String, param: String? = nil, code: String? = nil, status: HTTPResponse.Status = .badRequest
    ) -> HTTPFailure {
        failure(status, type: "invalid_request_error", message: message, code: code, param: param)
    }

    static func failure(
        _ status: HTTPResponse.Status, type: String, message: String, code: String? = nil, param: String? = nil,
        headers: HTTPFields = [:]
    ) -> HTTPFailure {
        var fields: [(name: String, value: HTTPFailure.FieldValue)] = [("type", .string(type))]
        if let param { fields.append(("param", .string(param))) }
        return HTTPFailure(status, message, code: code, headers: headers, fields: fields)
    }

    static func missing(_ param: String) -> HTTPFailure {
        invalidRequest("Missing required param: \(param).", param: param, code: "parameter_missing")
    }

    static func invalid(_ param: String, _ message: String) -> HTTPFailure {
        invalidRequest(message, param: param, code: "parameter_invalid_string")
    }

    static func invalidInteger(_ param: String, _ value: String) -> HTTPFailure {
        invalidRequest("Invalid integer: \(value)", param: param, code: "parameter_invalid_integer")
    }

    static func unknown(_ param: String) -> HTTPFailure {
        invalidRequest("Received unknown parameter: \(param)", param: param, code: "parameter_unknown")
    }

    /// `No such checkout.session: 'cs_…'` (404 `resource_missing`).
    static func noSuch(_ object: String, _ id: String, param: String) -> HTTPFailure {
        invalidRequest("No such \(object): '\(id)'", param: param, code: "resource_missing", status: .notFound)
    }

    static func idempotency(_ message: String, status: HTTPResponse.Status = .badRequest) -> HTTPFailure {
        failure(status, type: "idempotency_error", message: message)
    }

    /// Whether a failure came from checking parameters, so an idempotent request is not remembered.
    static func isValidation(_ failure: HTTPFailure) -> Bool {
        failure.fields.contains { $0.name == "param" }
    }
}
