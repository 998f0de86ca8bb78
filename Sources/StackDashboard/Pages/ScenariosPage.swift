import StackScenarios

/// `/dashboard/scenarios`: the scenarios under compose/scenarios/ with a Run button each, and the run panel that
/// dashboard.js fills from `event: scenario` (and from `GET /api/scenarios/runs/{runId}` until the run ends).
///
/// Ids: `scenario-table`, per scenario `scenario-row-NAME` and `run-NAME`; `scenario-name`, `scenario-status`
/// (`data-state` idle/starting/running/passed/failed; the text ends PASS or FAIL), `scenario-duration`,
/// `scenario-steps` (an `ol` of `scenario-step-INDEX` items with `data-state`).
extension DashboardPages {
    static func scenarios(_ context: PageContext, scenarios: [ScenarioSummary]) -> String {
        let e = PageFormat.e
        var rows = ""
        for scenario in scenarios {
            let name = e(scenario.name)
            rows += """
                <tr id="scenario-row-\(name)" data-scenario="\(name)"><th scope="row"><code>\(name)</code></th>\
                <td>\(e(scenario.description))</td><td class="num">\(scenario.steps)</td>\
                <td class="actions"><button type="button" id="run-\(name)" data-action="scenario-run" data-scenario="\(name)">Run</button></td></tr>

                """
        }
        if scenarios.isEmpty {
            rows = "<tr class=\"empty\"><td colspan=\"4\">No scenarios: add YAML files under <code>compose/scenarios/</code>.</td></tr>"
        }
        let main = """
            <section class="panel" aria-labelledby="scenarios-title">
            <h2 id="scenarios-title">Scenarios</h2>
            <p class="hint">Each runs against this stack, step by step; <code>stackctl scenario run NAME</code> does the same from a shell.</p>
            <div class="scroll-x">
            <table id="scenario-table" class="grid">
            <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col" class="num">Steps</th><th scope="col">Run</th></tr></thead>
            <tbody>
            \(rows)
            </tbody>
            </table>
            </div>
            </section>
            <section class="panel" aria-labelledby="scenario-run-title">
            <h2 id="scenario-run-title">Run <code id="scenario-name"></code></h2>
            <p class="verdict-line"><span id="scenario-status" class="verdict" data-state="idle">No run yet: press Run on a scenario.</span> \
            <span id="scenario-duration" class="muted"></span></p>
            <ol id="scenario-steps" class="steps"></ol>
            </section>
            """
        return document(.scenarios, context, main: main)
    }
}
