import Foundation
import Hummingbird
import StackHTTP

/// credits-mcp's own HTTP errors (outside MCP's JSON-RPC): `{"error": "<message>"}`.
struct PlainJSONErrorRenderer: ErrorRenderer {
    func render(_ failure: HTTPFailure, for request: Request) -> Response {
        let message = failure.detail.isEmpty ? failure.status.reasonPhrase : failure.detail
        let body = (try? JSONEncoder().encode(["error": message])) ?? Data()
        var headers = failure.headers
        headers[.contentType] = "application/json"
        return Response(status: failure.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
