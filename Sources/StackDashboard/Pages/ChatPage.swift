import WireFormats
/// `/dashboard/chat[?session=ID]`: the dev user's sessions, one session's conversation, and the question box.
/// Without `session` the first session (the stack's own) is shown. Answers are rendered from their markdown
/// with `MarkdownHTML`; dashboard.js appends new ones from `ChatAnswerView.message.html`.
///
/// Ids: `chat-sessions` (a list of `chat-session-ID` links), `chat-new`, `chat-title`, `chat-balance`
/// (`data-balance`), `chat-log` (`data-session`, `data-state` idle/asking, `data-messages`), `chat-empty`,
/// `chat-form`, `chat-question`, `chat-ask`. Each message is an `article.msg` with `data-role`; tool calls are
/// `tr.tool-call` rows with `data-error`.
extension DashboardPages {
    static func chat(_ context: PageContext, sessions: [ChatSessionView], selected: String?, messages: [ChatMessageView]) -> String {
        let e = PageFormat.e
        let current = selected.flatMap { $0.isEmpty ? nil : $0 } ?? sessions.first?.id
        let currentSession = sessions.first { $0.id == current }
        var list = ""
        for session in sessions {
            list += sessionItem(session, selected: session.id == current) + "\n"
        }
        if sessions.isEmpty { list = "<li class=\"empty muted\">No sessions yet.</li>" }
        let title = current == nil ? "No session" : currentSession.map(sessionTitle) ?? current ?? ""
        let log = messages.map(message).joined(separator: "\n")
        let empty = messages.isEmpty
            ? "<p id=\"chat-empty\" class=\"empty muted\">No messages yet. Ask about the tenant's AI-credit usage, e.g. “How many AI credits has my tenant used this month?”</p>"
            : ""
        let disabled = current == nil ? " disabled" : ""
        let main = """
            <div class="chat-layout">
            <aside class="panel" aria-labelledby="sessions-title">
            <h2 id="sessions-title">Sessions</h2>
            <div class="buttons"><button type="button" id="chat-new" data-action="chat-new">New session</button></div>
            <ul id="chat-sessions" class="session-list">
            \(list)
            </ul>
            </aside>
            <section class="panel chat-main" aria-labelledby="chat-title">
            <div class="chat-head">
            <h2 id="chat-title">\(e(title))</h2>
            <span class="balance">Balance: <strong id="chat-balance" data-balance="\(context.balanceCredits.map { String($0) } ?? "")">\(context.balanceCredits.map { PageFormat.credits($0) } ?? PageFormat.missing)</strong> credits</span>
            </div>
            <div id="chat-log" class="chat-log" data-session="\(e(current ?? ""))" data-state="idle" data-messages="\(messages.count)" aria-live="polite">
            \(log)\(empty)
            </div>
            <form id="chat-form" class="chat-form" autocomplete="off">
            <label for="chat-question" class="visually-hidden">Question</label>
            <textarea id="chat-question" name="content" rows="2" placeholder="How many AI credits has my tenant used this month?"\(disabled)></textarea>
            <button type="submit" id="chat-ask"\(disabled)>Ask</button>
            </form>
            <p class="hint">Enter asks; Shift+Enter starts a new line. Each answer is charged to the dev tenant.</p>
            </section>
            </div>
            """
        return document(.chat, context, main: main)
    }

    static func sessionTitle(_ session: ChatSessionView) -> String {
        if let title = session.title, !title.isEmpty { return title }
        return session.id
    }

    private static func sessionItem(_ session: ChatSessionView, selected: Bool) -> String {
        let e = PageFormat.e
        let href = "/dashboard/chat?session=" + URLText.percentEncoded(session.id)
        let stack = session.isStackSession ? " <span class=\"badge\">stack</span>" : ""
        let current = selected ? " aria-current=\"true\"" : ""
        return """
            <li><a id="chat-session-\(e(session.id))" href="\(e(href))" data-session="\(e(session.id))"\(current)>\
            <span class="session-title">\(e(sessionTitle(session)))</span>\(stack)\
            <small class="muted">\(e(PageFormat.time(session.createdAt)))</small></a></li>
            """
    }

    /// One message: the user's text as is, the agent's markdown rendered; then its tool calls and charge.
    static func message(_ message: ChatMessageView) -> String {
        let e = PageFormat.e
        let isUser = message.role == "user"
        let body = isUser
            ? "<div class=\"text\">\(e(message.content))</div>"
            : "<div class=\"md\">\(MarkdownHTML.render(message.content))</div>"
        let charge = message.creditsCharged.map {
            " <span class=\"charge\" data-credits=\"\(PageFormat.credits($0))\">\(PageFormat.credits($0)) credit\($0 == 1 ? "" : "s") charged</span>"
        } ?? ""
        return """
            <article class="msg" data-role="\(e(message.role))">
            <header class="msg-head"><span class="who">\(isUser ? "You" : e(message.role == "assistant" ? "Agent" : message.role))</span> \
            \(PageFormat.timeElement(message.createdAt))\(charge)</header>
            \(body)\(toolCalls(message.toolCalls))
            </article>
            """
    }

    private static func toolCalls(_ calls: [ChatToolCallView]) -> String {
        guard !calls.isEmpty else { return "" }
        let e = PageFormat.e
        var rows = ""
        for call in calls {
            let result = call.isError ? "error" : "ok"
            rows += "<tr class=\"tool-call\" data-error=\"\(call.isError)\"><td><code>\(e(call.toolName))</code></td>"
                + "<td><code class=\"args\">\(e(call.arguments))</code></td>"
                + "<td class=\"num\">\(PageFormat.milliseconds(call.durationMs))</td>"
                + "<td><span class=\"pill\" data-state=\"\(result)\">\(result)</span></td></tr>"
        }
        return """

            <table class="tool-calls grid"><thead><tr><th scope="col">Tool call</th><th scope="col">Arguments</th>\
            <th scope="col" class="num">Duration</th><th scope="col">Result</th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }
}
