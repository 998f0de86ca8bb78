import Foundation
import Hummingbird
import StackHTTP

/// stackctl's error format: `{"error":"message"}`.
struct ControlErrorRenderer: ErrorRenderer {
    func render(_ failure: HTTPFailure, for request: Request) -> Response {
        let message = failure.detail.isEmpty ? "no route \(request.method) \(request.uri.path)" : failure.detail
        var response = (try? JSONResponse.make(["error": message], status: failure.status))
            ?? Response(status: failure.status)
        for field in failure.headers { response.headers.append(field) }
        return response
    }
}
