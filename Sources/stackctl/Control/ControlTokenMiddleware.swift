import Foundation
import Hummingbird
import StackHTTP

/// Every control route but the open ones needs `Authorization: Bearer <control token>`; 401 otherwise.
struct ControlTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String
    /// Paths anyone on this machine may read (no secret in them).
    let openPaths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard openPaths.contains(request.uri.path) || authorized(request) else {
            return try JSONResponse.make(["error": "the control token is missing or wrong"], status: .unauthorized)
        }
        return try await next(request, context)
    }

    private func authorized(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.dropFirst(7).utf8)
        let expected = Array(token.utf8)
        // Constant time in the token's length.
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
