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
        router.add(middleware: ControlTokenMiddleware(token: token, openPaths: ["/health", "/api/status"]))
        router.get("/health") { _, _ in try JSONResponse.make(["status": "ok"]) }
        router.get("/api/status") { _, _ in try JSONResponse.make(await supervisor.status()) }
        router.get("/api/env") { _, _ in
            return try JSONResponse.make(await supervisor.environment())
        }
        router.get("/api/logs") { request, _ in
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
        router.post("/api/processes/:name/restart") { _, context in
            let name = context.parameters.get("name") ?? ""
            do {
                try await supervisor.restart(name)
                return try JSONResponse.make(["restarted": name], status: .accepted)
            } catch {
                return try Self.problem(.notFound, (error as? SupervisorFailure)?.message ?? "\(error)")
            }
        }
        router.post("/api/registration/renew") { _, _ in
            await supervisor.renewRegistration()
            return try JSONResponse.make(["renewing": true], status: .accepted)
        }
        router.post("/api/down") { _, _ in
            supervisor.requestStop(reason: "stackctl down")
            return try JSONResponse.make(["stopping": true], status: .accepted)
        }
        return router
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
