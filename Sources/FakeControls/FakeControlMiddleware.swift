public import Hummingbird
import Foundation
import StackHTTP

/// Applies injected faults and records the journal for every request outside `/_fake/` and `/health`.
/// Add it outside the error middleware so the journal sees final statuses and faults render natively.
public struct FakeControlMiddleware<Context: RequestContext>: RouterMiddleware {
    let faults: FaultBook
    let journal: RequestJournal
    let renderer: any ErrorRenderer
    /// Paths whose query carries a secret (fake-tais's `/login?token=`): journaled without it.
    let secretQueryPaths: Set<String>

    public init(faults: FaultBook, journal: RequestJournal, renderer: any ErrorRenderer, secretQueryPaths: Set<String> = []) {
        self.faults = faults
        self.journal = journal
        self.renderer = renderer
        self.secretQueryPaths = secretQueryPaths
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/_fake/") || path == "/health" {
            return try await next(request, context)
        }
        let response: Response
        if let decision = faults.decide(method: request.method.rawValue, path: path) {
            if decision.latencyMs > 0 { try await Task.sleep(for: .milliseconds(decision.latencyMs)) }
            if let status = decision.status {
                let failure = HTTPFailure(StatusPhrase.status(code: status), "fault injected by /_fake/faults (status \(status))")
                response = renderer.render(failure, for: request)
            } else {
                response = try await next(request, context)
            }
        } else {
            response = try await next(request, context)
        }
        journal.record(.init(
            method: request.method.rawValue, path: path,
            query: secretQueryPaths.contains(path) ? "(withheld)" : request.uri.query ?? "",
            status: response.status.code, time: Date()
        ))
        return response
    }
}
