public import Hummingbird
import Foundation

/// One debug line per request: method, path, status, duration. Never logs headers or bodies,
/// so no bearer token or key can reach the log; a download path's token is elided too.
public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        context.logger.debug("\(request.method.rawValue) \(Self.loggable(request.uri.path)) \(response.status.code) \(elapsed.milliseconds)ms")
        return response
    }

    /// `/download/<token>` as `/download/…`: the token alone grants the file.
    static func loggable(_ path: String) -> String {
        path.hasPrefix("/download/") ? "/download/…" : path
    }
}

extension Duration {
    /// Whole and fractional milliseconds, for logs and benchmarks.
    public var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
