public import Hummingbird
import Logging

/// Catches every error a route (or the router's not-found responder) throws and answers it
/// in the service's error format, so no client ever sees an empty 500 or a framework default.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let renderer: any ErrorRenderer

    public init(renderer: any ErrorRenderer) {
        self.renderer = renderer
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as HTTPFailure {
            return renderer.render(failure, for: request)
        } catch let error as HTTPError {
            return renderer.render(Self.failure(from: error), for: request)
        } catch let error as any HTTPResponseError {
            // e.g. the body collector's limit error, which is not an HTTPError.
            return renderer.render(Self.failure(status: error.status, body: nil), for: request)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return renderer.render(HTTPFailure(.internalServerError, "internal server error"), for: request)
        }
    }

    static func failure(from error: HTTPError) -> HTTPFailure {
        failure(status: error.status, body: error.body, headers: error.headers)
    }

    static func failure(status: HTTPResponse.Status, body: String?, headers: HTTPFields = [:]) -> HTTPFailure {
        let detail: String = switch status {
        case .notFound: ""
        case .contentTooLarge: "request body too large"
        default: body ?? StatusPhrase.phrase(for: status)
        }
        return HTTPFailure(status, detail, headers: headers)
    }
}
