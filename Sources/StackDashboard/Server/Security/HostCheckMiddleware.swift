import HTTPTypes
import Hummingbird
import StackHTTP

/// Refuses a request whose `Host` is not this loopback server: a page on another site that rebinds its DNS name
/// to 127.0.0.1 reaches the port, but its requests still name that site as the host.
struct HostCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowed: Set<String>

    init(allowed: Set<String>) {
        self.allowed = allowed
    }

    /// The names a browser or client on this machine uses for the port.
    static func loopback(port: Int) -> Set<String> {
        ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"]
    }

    func allows(_ host: String) -> Bool { allowed.contains(host.lowercased()) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let host = request.head.authority ?? ""
        guard allows(host) else {
            return try JSONResponse.make(
                ["error": "Host \"\(host)\" is not allowed: stackctl answers only 127.0.0.1, localhost and [::1] on its port"],
                status: .forbidden)
        }
        return try await next(request, context)
    }
}
