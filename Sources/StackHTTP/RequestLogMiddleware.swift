public import Hummingbird
import Foundation

/// One debug line per request: method, path, status, duration. Never logs headers or bodies,
/// so no bearer token or key can reach the log; paths that carry a secret (a download token) can be elided.
public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let secretPathPrefixes: [String]

    /// - Parameter secretPathPrefixes: a path under one of these is logged as the prefix followed by `…`.
    public init(secretPathPrefixes: [String] = []) {
        self.secretPathPrefixes = secretPathPrefixes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        context.logger.debug("\(request.method.rawValue) \(loggable(request.uri.path)) \(response.status.code) \(elapsed.milliseconds)ms")
        return response
    }

    func loggable(_ path: String) -> String {
        secretPathPrefixes.first(where: path.hasPrefix).map { $0 + "…" } ?? path
    }
}

extension Duration {
    /// Whole and fractional milliseconds, for logs and benchmarks.
    public var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
