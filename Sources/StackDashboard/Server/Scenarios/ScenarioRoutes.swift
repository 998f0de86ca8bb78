import Foundation
import Hummingbird
import StackHTTP
import StackScenarios

/// `/api/scenarios…`: list, run one (progress over the event stream), read a run.
enum ScenarioRoutes {
    static func add(to router: Router<BasicRequestContext>, scenarios: ScenarioDesk) {
        router.get("/api/scenarios") { _, _ in try JSONResponse.make(ScenarioList(scenarios: try await scenarios.summaries())) }
        router.post("/api/scenarios/:name/run") { _, context in
            let id = try await scenarios.start(context.parameters.get("name") ?? "")
            return try JSONResponse.make(["runId": id], status: .accepted)
        }
        router.get("/api/scenarios/runs/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let run = await scenarios.run(id) else { throw HTTPFailure(.notFound, "no scenario run \(id) (the last 20 are kept)") }
            return try JSONResponse.make(ScenarioEvent(run))
        }
    }
}

private struct ScenarioList: Encodable { var scenarios: [ScenarioSummary] }
