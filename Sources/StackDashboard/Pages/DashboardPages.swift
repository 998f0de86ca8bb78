/// The dashboard's HTML, rendered on the server from a `PageContext` (one file per page; this one holds the
/// shared layout). Every value is escaped with `HTMLText.escape`; the pages carry no inline script or style, so a
/// strict Content-Security-Policy (`script-src 'self'; style-src 'self'`) fits them. dashboard.js takes over
/// from the embedded snapshot and keeps the element ids below stable when it re-renders.
///
/// Ids the browser tests rely on are listed with each page; `data-state` attributes mirror states to wait on.
enum DashboardPages {
    enum Section: String, CaseIterable {
        case overview, logs, chat, scenarios

        var title: String {
            switch self {
            case .overview: "Overview"
            case .logs: "Logs"
            case .chat: "Chat"
            case .scenarios: "Scenarios"
            }
        }

        var path: String { self == .overview ? "/dashboard" : "/dashboard/\(rawValue)" }
    }

    static let scriptPath = "/dashboard/assets/dashboard.js"
    static let stylePath = "/dashboard/assets/dashboard.css"

    /// A whole page: the token for dashboard.js's mutating calls, the nav, the status area, the page's
    /// `main`, and the snapshot it was rendered from (dashboard.js starts from it, then follows SSE).
    static func document(_ section: Section, _ context: PageContext, main: String) -> String {
        let e = PageFormat.e
        let state = context.snapshot.state
        var nav = ""
        for item in Section.allCases {
            let current = item == section ? " aria-current=\"page\"" : ""
            nav += "<a id=\"nav-\(item.rawValue)\" href=\"\(item.path)\"\(current)>\(item.title)</a>"
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <link rel="icon" href="data:,">
            <meta name="stackctl-token" content="\(e(context.token))">
            <title>\(section.title) · stackctl dashboard</title>
            <link rel="stylesheet" href="\(stylePath)">
            <script src="\(scriptPath)" defer></script>
            </head>
            <body data-page="\(section.rawValue)">
            <header class="top">
            <a class="brand" href="/dashboard">credits stack</a>
            <span id="stack-state" class="pill" data-state="\(e(state))" title="The stack's state">\(e(state))</span>
            <nav aria-label="Dashboard pages">\(nav)</nav>
            <span id="live-status" class="live" data-state="connecting" title="Live updates from stackctl">connecting…</span>
            </header>
            <div id="status" class="status" role="status" aria-live="polite" data-state="idle"></div>
            <main id="main" class="page-\(section.rawValue)">
            \(main)
            </main>
            <script type="application/json" id="initial-snapshot">\(PageFormat.scriptJSON(context.snapshot))</script>
            </body>
            </html>

            """
    }

    /// A state pill: the text and the `data-state` the stylesheet colours by.
    static func pill(id: String? = nil, _ state: String) -> String {
        let e = PageFormat.e
        let idAttribute = id.map { " id=\"\(e($0))\"" } ?? ""
        return "<span\(idAttribute) class=\"pill\" data-state=\"\(e(state))\">\(e(state))</span>"
    }
}
