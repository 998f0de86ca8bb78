import Hummingbird
import StackHTTP

/// When an API key is configured, every OpenMeter API request needs `Authorization: Bearer <key>`.
/// `/health` and the fake-only `/_fake/` routes stay open so supervisors and tests can reach them.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let apiKey: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/health" || path.hasPrefix("/_fake/") {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization] else {
            throw HTTPFailure(.unauthorized, "missing bearer token: send Authorization: Bearer <api key>")
        }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix("bearer "),
              Self.constantTimeEquals(String(header.dropFirst(prefix.count)), apiKey)
        else {
            throw HTTPFailure(.unauthorized, "invalid API key")
        }
        return try await next(request, context)
    }

    /// Compares without an early exit, so response timing does not reveal how much of a key matched.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
