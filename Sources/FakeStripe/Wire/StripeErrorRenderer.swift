import Hummingbird
import StackHTTP
import WireFormats

/// Stripe's error body: `{"error":{"code","doc_url","message","param","type"}}` (members only when
/// known). A missing route is Stripe's "Unrecognized request URL" 404, whatever the method.
struct StripeErrorRenderer: ErrorRenderer {
    func render(_ failure: HTTPFailure, for request: Request) -> Response {
        let (status, bytes) = Self.rendered(failure, for: request)
        var headers = failure.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The status and body bytes of an error answer (also kept for idempotent replays).
    static func rendered(_ failure: HTTPFailure, for request: Request) -> (HTTPResponse.Status, [UInt8]) {
        var type = "api_error"
        var param: String?
        for field in failure.fields {
            if case .string(let text) = field.value {
                if field.name == "type" { type = text }
                if field.name == "param" { param = text }
            }
        }
        var message = failure.detail
        var status = failure.status
        if failure.fields.isEmpty {
            (type, message, status) = generic(failure, request)
        }
        var w = JSONWriter(capacity: 256)
        w.raw(#"{"error":{"#)
        if let code = failure.code {
            w.key("code"); w.string(code); w.raw(",")
            w.key("doc_url"); w.string("https://stripe.com/docs/error-codes/" + code.replacingOccurrences(of: "_", with: "-")); w.raw(",")
        }
        w.key("message"); w.string(message)
        if let param { w.raw(","); w.key("param"); w.string(param) }
        w.raw(","); w.key("type"); w.string(type)
        w.raw("}}")
        return (status, w.bytes)
    }

    /// Failures raised outside Stripe's handlers (router misses, body limits, injected faults).
    static func generic(_ failure: HTTPFailure, _ request: Request) -> (String, String, HTTPResponse.Status) {
        switch failure.status.code {
        case 404 where !failure.detail.isEmpty:
            // A handler's own 404 (`/_fake/`: "no event evt_…"); a router miss has no detail.
            return ("invalid_request_error", failure.detail, failure.status)
        case 404, 405:
            let text = "Unrecognized request URL (\(request.method.rawValue): \(request.uri.path)). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
            return ("invalid_request_error", text, .notFound)
        case 413:
            return ("invalid_request_error", "Request body too large.", failure.status)
        case 429:
            return ("invalid_request_error", failure.detail.isEmpty ? "Too many requests hit the API too quickly." : failure.detail, failure.status)
        case 400..<500:
            return ("invalid_request_error", failure.detail.isEmpty ? StatusPhrase.phrase(for: failure.status) : failure.detail, failure.status)
        default:
            return ("api_error", failure.detail.isEmpty ? "An unknown error occurred" : failure.detail, failure.status)
        }
    }
}
