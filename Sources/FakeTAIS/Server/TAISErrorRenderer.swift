import Hummingbird
import StackHTTP
import WireFormats

/// TAIS's error format: `{"error":"<code>","message":"<why>"}` plus any extra fields of the failure
/// (`"cap":10`, `"invalidToolIds":[…]`).
struct TAISErrorRenderer: ErrorRenderer {
    func render(_ failure: HTTPFailure, for request: Request) -> Response {
        var w = JSONWriter(capacity: 256)
        w.raw("{"); w.key("error"); w.string(failure.code ?? Self.code(for: failure.status))
        let message = failure.detail.isEmpty ? Self.message(for: failure.status, path: request.uri.path) : failure.detail
        w.raw(","); w.key("message"); w.string(message)
        for field in failure.fields {
            w.raw(","); w.key(field.name)
            switch field.value {
            case .string(let text): w.string(text)
            case .int(let number): w.raw(String(number))
            case .strings(let items):
                w.raw("[")
                for (index, item) in items.enumerated() {
                    if index > 0 { w.raw(",") }
                    w.string(item)
                }
                w.raw("]")
            }
        }
        w.raw("}")
        var headers = failure.headers
        headers[.contentType] = "application/json"
        return Response(status: failure.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: w.bytes)))
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "invalid_request"
        case 401: "unauthorized"
        case 402: "credits_exhausted"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 409: "conflict"
        case 413: "payload_too_large"
        case 422: "unprocessable"
        case 500..<600: "internal_error"
        default: "error"
        }
    }

    static func message(for status: HTTPResponse.Status, path: String) -> String {
        switch status.code {
        case 404: "no route \(path)"
        case 405: "method not allowed on \(path)"
        case 500: "internal error"
        default: StatusPhrase.phrase(for: status)
        }
    }
}
