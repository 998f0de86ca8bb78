import Foundation
import Hummingbird
import Logging
import StackHTTP
import StackSupervisor

/// The supervisor's local control API on 127.0.0.1: status for anyone on this machine; env (it holds the
/// dev token), logs, restart, renew and down only with the per-run token from the state dir, which only the
/// user who started the stack can read.
struct ControlServer: Sendable {
    let supervisor: Supervisor
    let port: Int
    let token: String

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let supervisor = self.supervisor
        let token = self.token
        router.get("/health") { _, _ in try JSONResponse.make(["status": "ok"]) }
        router.get("/api/status") { _, _ in try JSONResponse.make(await supervisor.status()) }
        router.get("/api/env") { request, _ in
            guard Self.authorized(request, token) else { return try Self.problem(.unauthorized, "the control token is missing or wrong") }
            return try JSONResponse.make(await supervisor.environment())
        }
        router.get("/api/logs") { request, _ in
            guard Self.authorized(request, token) else { return try Self.problem(.unauthorized, "the control token is missing or wrong") }
            let process = request.uri.queryParameters.get("process")
            let tail = request.uri.queryParameters.get("tail").flatMap { Int($0) } ?? 100
            do {
                let lines = try await supervisor.logTail(process, count: max(0, min(tail, 100_000)))
                return JSONResponse.raw(Data((lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).utf8),
                                        contentType: "text/plain; charset=utf-8")
            } catch {
                return try Self.problem(.notFound, (error as? SupervisorFailure)?.message ?? "\(error)")
            }
        }
        router.post("/api/processes/:name/restart") { request, context in
            guard Self.authorized(request, token) else { return try Self.problem(.unauthorized, "the control token is missing or wrong") }
            let name = context.parameters.get("name") ?? ""
            do {
                try await supervisor.restart(name)
                return try JSONResponse.make(["restarted": name], status: .accepted)
            } catch {
                return try Self.problem(.notFound, (error as? SupervisorFailure)?.message ?? "\(error)")
            }
        }
        router.post("/api/registration/renew") { request, _ in
            guard Self.authorized(request, token) else { return try Self.problem(.unauthorized, "the control token is missing or wrong") }
            await supervisor.renewRegistration()
            return try JSONResponse.make(["renewing": true], status: .accepted)
        }
        router.post("/api/down") { request, _ in
            guard Self.authorized(request, token) else { return try Self.problem(.unauthorized, "the control token is missing or wrong") }
            supervisor.requestStop(reason: "stackctl down")
            return try JSONResponse.make(["stopping": true], status: .accepted)
        }
        return router
    }

    static func authorized(_ request: Request, _ token: String) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.dropFirst(7).utf8)
        let expected = Array(token.utf8)
        // Constant time in the token's length.
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func problem(_ status: HTTPResponse.Status, _ message: String) throws -> Response {
        try JSONResponse.make(["error": message], status: status)
    }

    /// Serves until the task is cancelled (the supervisor's group ends).
    func run(logger: Logger, sink: LogSink) async {
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
            logger: logger)
        do {
            try await app.runService(gracefulShutdownSignals: [])
        } catch is CancellationError {
        } catch {
            sink.note("the control API stopped: \(error)")
        }
    }
}
