import HTTPTypes
import Hummingbird

/// Gives every response a `Request-Id: req_…`, and handlers the same id (events carry it in `request.id`).
struct RequestIdMiddleware<Context: RequestContext>: RouterMiddleware {
    static var header: HTTPField.Name { HTTPField.Name("Request-Id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = StripeIDs.request()
        var response = try await CurrentRequest.$id.withValue(id) { try await next(request, context) }
        response.headers[Self.header] = id
        return response
    }
}

/// The id of the request being served (set by `RequestIdMiddleware`); nil outside a request.
enum CurrentRequest {
    @TaskLocal static var id: String?
}
