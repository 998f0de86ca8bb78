import Foundation
import HTTPTypes
import Hummingbird
import StackHTTP

/// Who may do what on stackctl's port:
/// - open: `/health`, `/api/status` (no secret in them), the static assets, and `GET /dashboard?token=…` (which
///   checks the token itself and turns it into the cookie);
/// - reads (`GET`): the control token as `Authorization: Bearer` or the dashboard cookie;
/// - everything that changes something: the bearer token only. The cookie alone never suffices, so a page that
///   gets a browser to send a request with the cookie still cannot act.
///
/// Browsers send a host's cookies to every port on it, so the cookie is named after this port (two stacks do not
/// overwrite each other's) and holds a secret of its own, not the control token: the fakes' pages and any other
/// local server on 127.0.0.1 receive it, and it opens nothing but this dashboard's reads.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let cookie: DashboardCookie
    let check: TokenCheck
    let openPaths: Set<String> = ["/health", "/api/status"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if openPaths.contains(path) || path.hasPrefix("/dashboard/assets/")
            || (path == "/dashboard" && request.method == .get && request.uri.queryParameters.get("token") != nil) {
            return try await next(request, context)
        }
        let bearer = Self.bearer(request)
        let allowed = check.accepts(bearer)
            || (!OriginCheckMiddleware<Context>.isMutating(request.method) && cookie.check.accepts(cookie.value(in: request)))
        guard allowed else {
            if path == "/dashboard" || path.hasPrefix("/dashboard/"), request.method == .get {
                return HTMLPage.response(DashboardPages.unauthorized(), status: .unauthorized)
            }
            return try JSONResponse.make(["error": "the control token is missing or wrong"], status: .unauthorized)
        }
        return try await next(request, context)
    }

    static func bearer(_ request: Request) -> Substring? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        return header.dropFirst(7)
    }
}
