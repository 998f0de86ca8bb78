import Foundation
import Hummingbird
import Logging
import StackHTTP
import StackSupervisor

/// Everything on stackctl's port (127.0.0.1 only): the control API the CLI uses, the dashboard's pages and live
/// event stream, and the actions behind its buttons. Every request must name this server as its `Host` (DNS
/// rebinding); mutating ones must come from no other origin and carry the per-run control token.
public struct DashboardServer: Sendable {
    public let supervisor: Supervisor
    public let port: Int
    public let token: String
    let hub: SnapshotHub
    let fakes: FakesDesk
    let chat: ChatDesk
    let scenarios: ScenarioDesk
    let cookie: DashboardCookie
    /// `Host` values answered; the loopback names of the port (in-process tests add their client's).
    var allowedHosts: Set<String>

    /// `scenarios`: the directory of scenario files (`compose/scenarios`).
    public init(supervisor: Supervisor, port: Int, token: String, scenarios: URL) {
        self.supervisor = supervisor
        self.port = port
        self.token = token
        fakes = FakesDesk(supervisor: supervisor)
        hub = SnapshotHub(source: SnapshotSource(supervisor: supervisor, fakes: fakes), changes: supervisor.changes)
        chat = ChatDesk(supervisor: supervisor)
        self.scenarios = ScenarioDesk(supervisor: supervisor, directory: scenarios)
        allowedHosts = HostCheckMiddleware<BasicRequestContext>.loopback(port: port)
        cookie = DashboardCookie(port: port)
    }

    /// The dashboard URL `up` prints: the token in it becomes a cookie on first visit.
    public var dashboardURL: String { "http://127.0.0.1:\(port)/dashboard?token=\(token)" }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: HostCheckMiddleware(allowed: allowedHosts))
        router.add(middleware: OriginCheckMiddleware(port: port))
        router.add(middleware: AccessMiddleware(cookie: cookie, check: TokenCheck(token: token)))
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: ErrorMiddleware(renderer: ControlErrorRenderer()))
        ControlRoutes.add(to: router, supervisor: supervisor)
        FakeRoutes.add(to: router, fakes: fakes, hub: hub)
        ChatRoutes.add(to: router, chat: chat)
        ScenarioRoutes.add(to: router, scenarios: scenarios)
        PageRoutes(supervisor: supervisor, token: token, cookie: cookie, hub: hub, chat: chat, scenarios: scenarios).add(to: router)
        return router
    }

    /// Serves until the task is cancelled (the supervisor's group ends), with the snapshot producer and the
    /// scenario runner beside it.
    public func run(logger: Logger) async {
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
            logger: logger)
        let sink = supervisor.sink
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await hub.run() }
            group.addTask { await scenarios.serve() }
            do {
                try await app.runService(gracefulShutdownSignals: [])
            } catch is CancellationError {
            } catch {
                sink.note("the control API stopped: \(error)")
            }
            group.cancelAll()
        }
    }
}
