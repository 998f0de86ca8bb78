import Foundation
import Hummingbird
import StackHTTP
import WireFormats

/// OpenMeter's error format: `application/problem+json`
/// `{"type":"about:blank","title":<status text>,"status":<code>,"detail":…,"instance":"urn:request:<id>"}`,
/// `detail` left out when there is none (unknown routes, wrong methods, 500s).
struct ProblemRenderer: ErrorRenderer {
    func render(_ failure: HTTPFailure, for request: Request) -> Response {
        var w = JSONWriter(capacity: 256)
        w.raw("{\"type\":\"about:blank\",")
        w.key("title"); w.string(StatusPhrase.phrase(for: failure.status))
        w.raw(","); w.key("status"); w.raw(String(failure.status.code))
        if !failure.detail.isEmpty, failure.status != .internalServerError {
            w.raw(","); w.key("detail"); w.string(failure.detail)
        }
        w.raw(","); w.key("instance"); w.string("urn:request:\(Self.requestID())")
        w.raw("}\n")
        var headers = failure.headers
        headers[.contentType] = "application/problem+json"
        headers[.allow] = nil
        return Response(status: failure.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: w.bytes)))
    }

    static func requestID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 16)
    }
}
