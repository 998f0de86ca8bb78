import Foundation
import HTTPTypes
import Hummingbird
import StackHTTP
import StackScenarios
import StackSupervisor

/// The dashboard's pages, assets and event stream.
struct PageRoutes: Sendable {
    let supervisor: Supervisor
    let token: String
    let cookie: DashboardCookie
    let hub: SnapshotHub
    let chat: ChatDesk
    let scenarios: ScenarioDesk

    func add(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/dashboard"]) }
        router.get("/dashboard") { request, _ in
            // The printed URL carries the token once: it becomes a cookie and leaves the address bar.
            if let given = request.uri.queryParameters.get("token") {
                guard TokenCheck(token: token).accepts(given) else {
                    return HTMLPage.response(DashboardPages.unauthorized(), status: .unauthorized)
                }
                return Response(status: .seeOther, headers: [.location: "/dashboard", .setCookie: cookie.setCookie, .cacheControl: "no-store"])
            }
            return HTMLPage.response(DashboardPages.overview(await context()))
        }
        router.get("/dashboard/logs") { request, _ in
            // "all" (the picker's merged choice) and nothing both mean the merged log.
            let selected = request.uri.queryParameters.get("process").map { String($0) }
                .flatMap { $0.isEmpty || $0 == DashboardPages.mergedLog ? nil : $0 }
            let page = await context()
            if let selected, !supervisor.hasLog(selected) {
                throw HTTPFailure(.notFound, "no process named \(selected)")
            }
            return HTMLPage.response(DashboardPages.logs(page, selected: selected))
        }
        router.get("/dashboard/chat") { request, _ in
            var page = await context()
            page.balanceCredits = await chat.balance()
            let sessions = (try? await chat.sessions()) ?? []
            let selected = request.uri.queryParameters.get("session").map { String($0) } ?? sessions.first?.id
            var messages: [ChatMessageView] = []
            if let selected, sessions.contains(where: { $0.id == selected }) {
                messages = (try? await chat.messages(selected, rendered: false)) ?? []
            }
            return HTMLPage.response(
                DashboardPages.chat(page, sessions: sessions, selected: selected, messages: messages))
        }
        router.get("/dashboard/scenarios") { _, _ in
            let list = (try? await scenarios.summaries()) ?? []
            return HTMLPage.response(DashboardPages.scenarios(await context(), scenarios: list))
        }
        router.get("/dashboard/assets/dashboard.js") { _, _ in
            Self.asset(DashboardScript.source, type: "text/javascript; charset=utf-8")
        }
        router.get("/dashboard/assets/dashboard.css") { _, _ in
            Self.asset(DashboardStyle.source, type: "text/css; charset=utf-8")
        }
        router.get("/dashboard/events") { request, _ in
            let logs = request.uri.queryParameters.get("logs").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
            let tail = request.uri.queryParameters.get("tail").flatMap { Int($0) } ?? 200
            if let logs, logs != "all", !supervisor.hasLog(logs) {
                throw HTTPFailure(.notFound, "no process named \(logs)")
            }
            return EventStream(hub: hub, sink: supervisor.sink, scenarios: scenarios, logs: logs,
                               tail: max(0, min(tail, 20_000)), pingPeriod: .seconds(15)).response()
        }
    }

    private func context() async -> PageContext {
        PageContext(token: token, snapshot: await hub.current(),
                    processNames: supervisor.configuration.plan.processes.keys.sorted())
    }

    private static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
