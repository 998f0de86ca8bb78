public import Hummingbird
public import HTTPTypes

/// Registers routes and remembers which methods each path has, so that a known path
/// called with another method gets 405 (with `Allow`) instead of looking like a missing route.
public struct RouteTable<Context: RequestContext> {
    public let router: Router<Context>
    private var methodsByPath: [String: [HTTPRequest.Method]] = [:]
    private var order: [String] = []

    public init(router: Router<Context>) {
        self.router = router
    }

    public mutating func on(
        _ path: String, _ method: HTTPRequest.Method,
        use handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) {
        router.on(RouterPath(path), method: method, use: handler)
        if methodsByPath[path] == nil { order.append(path) }
        methodsByPath[path, default: []].append(method)
    }

    public mutating func get(_ path: String, use handler: @escaping @Sendable (Request, Context) async throws -> Response) {
        on(path, .get, use: handler)
    }

    public mutating func post(_ path: String, use handler: @escaping @Sendable (Request, Context) async throws -> Response) {
        on(path, .post, use: handler)
    }

    public mutating func put(_ path: String, use handler: @escaping @Sendable (Request, Context) async throws -> Response) {
        on(path, .put, use: handler)
    }

    public mutating func delete(_ path: String, use handler: @escaping @Sendable (Request, Context) async throws -> Response) {
        on(path, .delete, use: handler)
    }

    /// Adds 405 answers for the methods a registered path does not have. Call once, after the last route.
    public func addMethodNotAllowedRoutes() {
        let all: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete]
        for path in order {
            let allowed = methodsByPath[path] ?? []
            var allow = allowed.map(\.rawValue)
            if allowed.contains(.get) { allow.append("HEAD") }
            let allowHeader = allow.joined(separator: ", ")
            for method in all where !allowed.contains(method) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    throw HTTPFailure(.methodNotAllowed, "", headers: [.allow: allowHeader])
                }
            }
        }
    }
}
