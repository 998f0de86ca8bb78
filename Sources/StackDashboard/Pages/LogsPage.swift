/// `/dashboard/logs[?process=NAME]`: the merged log or one process's, live. The lines arrive over SSE
/// (`/dashboard/events?logs=NAME&tail=N`, first the last N, then each new one); dashboard.js filters them, keeps at
/// most 5,000 in the page and appends them once per animation frame, so a fast log never freezes the page.
///
/// Ids: `log-process` (a select; `all` is the merged log), `log-filter`, `log-tail`, `log-count` (`data-count`),
/// `log-follow` (`data-state` on/paused), `log-clear`, `log-view` (`data-process`, `data-lines`).
extension DashboardPages {
    static let mergedLog = "all"
    static let defaultLogTail = 200
    static let supervisorLog = "stackctl"

    static func logs(_ context: PageContext, selected: String?) -> String {
        let e = PageFormat.e
        let current = selected ?? mergedLog
        var options = "<option value=\"\(mergedLog)\"\(current == mergedLog ? " selected" : "")>all processes (merged)</option>"
        let names = context.processNames
        for name in names {
            options += "<option value=\"\(e(name))\"\(name == current ? " selected" : "")>\(e(name))</option>"
        }
        // The supervisor's own notes (starts, exits, restarts, renewals) are a log of their own.
        if !names.contains(supervisorLog) {
            options += "<option value=\"\(supervisorLog)\"\(current == supervisorLog ? " selected" : "")>stackctl (supervisor notes)</option>"
        }
        let main = """
            <section class="panel logs-panel" aria-labelledby="logs-title">
            <h2 id="logs-title">Logs</h2>
            <form id="log-controls" class="toolbar" method="get" action="/dashboard/logs">
            <label>Process <select id="log-process" name="process">\(options)</select></label>
            <label>Filter <input id="log-filter" type="search" placeholder="text to match" autocomplete="off" spellcheck="false"></label>
            <label>Last <input id="log-tail" name="tail" type="number" min="0" max="5000" step="1" value="\(defaultLogTail)"> lines on load</label>
            <noscript><button type="submit">Show</button></noscript>
            <span class="spacer"></span>
            <span id="log-count" class="muted" data-count="0">0 lines</span>
            <button type="button" id="log-follow" class="toggle" data-state="on" aria-pressed="true" title="Scroll to the newest line as lines arrive">Following</button>
            <button type="button" id="log-clear">Clear</button>
            </form>
            <div id="log-view" class="log-view" role="log" tabindex="0" data-process="\(e(current))" data-lines="0"></div>
            <noscript><p class="hint">The live log needs JavaScript; <code>stackctl logs</code> prints the same lines.</p></noscript>
            </section>
            """
        return document(.logs, context, main: main)
    }
}
