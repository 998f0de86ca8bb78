import HTTPTypes
import Hummingbird
import StackHTTP

/// Refuses a mutating request sent by another origin's page (cross-site request forgery): its `Origin` must be
/// this server's own, and a browser's `Sec-Fetch-Site` must not say `cross-site`. Requests without either header
/// (curl, the CLI, the tests) pass on to the token check.
struct OriginCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: Set<String>

    init(port: Int) {
        allowedOrigins = ["http://127.0.0.1:\(port)", "http://localhost:\(port)", "http://[::1]:\(port)"]
    }

    static func isMutating(_ method: HTTPRequest.Method) -> Bool {
        ![.get, .head, .options].contains(method)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.isMutating(request.method) {
            if let origin = request.headers[.origin], !allowedOrigins.contains(origin.lowercased()) {
                return try JSONResponse.make(["error": "cross-origin request from \(origin) refused"], status: .forbidden)
            }
            if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site.lowercased() == "cross-site" {
                return try JSONResponse.make(["error": "cross-site request refused"], status: .forbidden)
            }
        }
        return try await next(request, context)
    }
}
