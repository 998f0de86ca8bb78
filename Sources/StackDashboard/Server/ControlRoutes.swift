import Foundation
import Hummingbird
import StackHTTP
import StackSupervisor

/// The control API the CLI uses (`stackctl status`, `env`, `logs`, `restart`, `down`) and the process buttons.
enum ControlRoutes {
    static func add(to router: Router<BasicRequestContext>, supervisor: Supervisor) {
        router.get("/health") { _, _ in try JSONResponse.make(["status": "ok"]) }
        router.get("/api/status") { _, _ in try JSONResponse.make(await supervisor.status()) }
        router.get("/api/env") { _, _ in try JSONResponse.make(await supervisor.environment()) }
        router.get("/api/logs") { request, _ in
            let process = request.uri.queryParameters.get("process")
            let tail = request.uri.queryParameters.get("tail").flatMap { Int($0) } ?? 100
            let lines: [String]
            do {
                lines = try await supervisor.logTail(process, count: max(0, min(tail, 100_000)))
            } catch {
                throw HTTPFailure(.notFound, (error as? SupervisorFailure)?.message ?? "\(error)")
            }
            return JSONResponse.raw(Data((lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).utf8),
                                    contentType: "text/plain; charset=utf-8")
        }
        router.post("/api/processes/:name/:action") { _, context in
            let name = context.parameters.get("name") ?? ""
            let action = context.parameters.get("action") ?? ""
            let processes = supervisor.configuration.plan.processes
            guard let process = processes[name] else {
                throw HTTPFailure(.notFound, "no process named \"\(name)\" (the stack has \(processes.keys.sorted().joined(separator: ", ")))")
            }
            guard !process.external else {
                throw HTTPFailure(.conflict, "\(name) is external (a real service in use, not started by stackctl): nothing to \(action)")
            }
            do {
                switch action {
                case "restart": try await supervisor.restart(name)
                case "stop": try await supervisor.stop(name)
                case "start":
                    guard try await supervisor.start(name) else {
                        throw HTTPFailure(.conflict, "\(name) is running or starting already: use restart")
                    }
                default: throw HTTPFailure(.notFound, "no action \(action): use restart, stop or start")
                }
            } catch let failure as SupervisorFailure {
                // Before the processes exist (start-up): the name is right, there is just nothing to act on yet.
                throw HTTPFailure(.conflict, failure.message)
            }
            let past = ["restart": "restarted", "stop": "stopped", "start": "started"][action] ?? action
            return try JSONResponse.make([past: name], status: .accepted)
        }
        router.post("/api/registration/renew") { _, _ in
            await supervisor.renewRegistration()
            return try JSONResponse.make(["renewing": true], status: .accepted)
        }
        router.post("/api/down") { _, _ in
            supervisor.requestStop(reason: "stackctl down")
            return try JSONResponse.make(["stopping": true], status: .accepted)
        }
    }
}
