/// dashboard.css (`/dashboard/assets/dashboard.css`): system fonts, no external assets. States are coloured
/// from the same `data-state` attributes the browser tests wait on, so style and tests read one source.
enum DashboardStyle {
    static let source = #"""
:root {
  --bg: #f5f6f8; --panel: #fff; --text: #1c2230; --muted: #667085; --line: #e3e6eb; --accent: #2f5fd0;
  --ok: #1a7f46; --ok-bg: #e3f4ea; --warn: #9a6200; --warn-bg: #fdf1d8; --bad: #b42318; --bad-bg: #fde8e6;
  --idle: #475467; --idle-bg: #eef0f3; --info: #1d5fa8; --info-bg: #e4eefb;
  --mono: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  color-scheme: light;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); }
code, pre, .log-view { font-family: var(--mono); font-size: 12.5px; }
h1 { font-size: 20px; margin: 0 0 12px; }
h2 { font-size: 16px; margin: 0 0 12px; }
h3 { font-size: 13px; margin: 18px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.muted, .hint { color: var(--muted); }
.hint { font-size: 12.5px; margin: 8px 0 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

/* header, nav and the status line */
header.top { display: flex; align-items: center; gap: 14px; padding: 10px 24px; background: #18202f; color: #fff; flex-wrap: wrap; }
header.top .brand { color: #fff; font-weight: 600; text-decoration: none; font-size: 15px; }
header.top nav { display: flex; gap: 4px; flex: 1; }
header.top nav a { color: #c8d0de; text-decoration: none; padding: 5px 10px; border-radius: 6px; }
header.top nav a:hover { background: #263047; color: #fff; }
header.top nav a[aria-current="page"] { background: #2f3b55; color: #fff; }
.live { font-size: 12px; color: #c8d0de; }
.live::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; background: #98a2b3; vertical-align: 1px; }
.live[data-state="live"]::before { background: #32d583; }
.live[data-state="offline"]::before { background: #f97066; }
.status { margin: 12px 24px 0; padding: 8px 12px; border-radius: 6px; border: 1px solid var(--line); background: var(--panel); white-space: pre-wrap; }
.status[data-state="idle"] { display: none; }
.status[data-state="busy"] { color: var(--info); background: var(--info-bg); border-color: #c4d7f2; }
.status[data-state="ok"] { color: var(--ok); background: var(--ok-bg); border-color: #b7e1c7; }
.status[data-state="error"] { color: var(--bad); background: var(--bad-bg); border-color: #f6c4bf; font-weight: 600; }

/* layout */
main { padding: 16px 24px 32px; max-width: 1400px; margin: 0 auto; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin-bottom: 16px; box-shadow: 0 1px 2px rgba(16, 24, 40, .04); }
.panel.narrow { max-width: 640px; margin: 40px auto; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 16px; }
.columns > .panel { margin-bottom: 0; }
.scroll-x { overflow-x: auto; }
.buttons { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.spacer { flex: 1; }

/* tables */
table.grid { border-collapse: collapse; width: 100%; }
table.grid th, table.grid td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.grid thead th { font-size: 12px; color: var(--muted); font-weight: 600; background: #fafbfc; }
table.grid tbody tr:hover { background: #fafbfd; }
table.grid .num, table.grid th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.grid th.name { font-weight: 600; white-space: nowrap; }
table.grid td.url { font-size: 12.5px; white-space: nowrap; }
#process-table small { display: block; font-size: 11.5px; margin-top: 2px; }
#scenario-table th code { white-space: nowrap; }
table.grid td.actions { white-space: nowrap; }
table.grid td.actions button { margin-right: 4px; }
tr.empty td { color: var(--muted); text-align: center; }
tr[data-state="stopped"] th, tr[data-state="failed"] th { color: var(--muted); }

/* buttons */
button { font: inherit; font-size: 13px; padding: 5px 12px; border-radius: 6px; border: 1px solid #cfd4dc; background: #fff; color: var(--text); cursor: pointer; }
button:hover:not(:disabled) { border-color: var(--accent); color: var(--accent); }
button:disabled { opacity: .45; cursor: default; }
button[type="submit"], #chat-ask { background: var(--accent); border-color: var(--accent); color: #fff; }
button[type="submit"]:hover:not(:disabled), #chat-ask:hover:not(:disabled) { background: #244ca8; color: #fff; }
button.danger { color: var(--bad); border-color: #f3b7b1; }
button.toggle[aria-pressed="true"] { background: var(--bad-bg); border-color: var(--bad); color: var(--bad); font-weight: 600; }
#log-follow.toggle[aria-pressed="true"] { background: var(--ok-bg); border-color: #9fd7b4; color: var(--ok); font-weight: 500; }
button.toggle[aria-pressed="true"]::before { content: "\25cf  "; }

/* state pills */
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; background: var(--idle-bg); color: var(--idle); white-space: nowrap; }
.pill[data-state="running"], .pill[data-state="registered"], .pill[data-state="passed"], .pill[data-state="ok"], .pill[data-state="real"] { background: var(--ok-bg); color: var(--ok); }
.pill[data-state="starting"], .pill[data-state="restarting"], .pill[data-state="stopping"], .pill[data-state="pending"],
.pill[data-state="registering"], .pill[data-state="retrying"], .pill[data-state="degraded"], .pill[data-state="offset"] { background: var(--warn-bg); color: var(--warn); }
.pill[data-state="failed"], .pill[data-state="error"], .pill[data-state="frozen"] { background: var(--bad-bg); color: var(--bad); }
.pill[data-state="external"], .pill[data-state="skipped"] { background: var(--info-bg); color: var(--info); }
.health { white-space: nowrap; }
.health[data-healthy="true"] { color: var(--ok); }
.health[data-healthy="true"]::before { content: "\2713  "; }
.health[data-healthy="false"] { color: var(--muted); }
.badge { font-size: 11px; background: var(--info-bg); color: var(--info); border-radius: 4px; padding: 0 5px; margin-left: 4px; }

/* fact lists */
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 5px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-all; }
#registration-left { font-variant-numeric: tabular-nums; font-weight: 600; }
#registration-left[data-expired="true"] { color: var(--bad); }
.error-text { color: var(--bad); }
.error-text[data-empty="true"] { color: var(--muted); }

/* logs */
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 16px; margin-bottom: 10px; }
.toolbar label { display: flex; align-items: center; gap: 6px; color: var(--muted); }
input, select, textarea { font: inherit; font-size: 13px; padding: 5px 8px; border: 1px solid #cfd4dc; border-radius: 6px; background: #fff; color: var(--text); }
#log-filter { width: 200px; }
#log-tail { width: 80px; }
.log-view { height: calc(100vh - 250px); min-height: 240px; overflow: auto; background: #0f1420; color: #d7dce5; border-radius: 8px; padding: 8px 0; contain: content; }
.log-line { padding: 0 12px; white-space: pre-wrap; word-break: break-all; line-height: 1.45; }
.log-line:hover { background: #1a2132; }
.log-line[data-level="warning"] { color: #fdd68a; }
.log-line[data-level="error"], .log-line[data-level="critical"] { color: #ffa39b; }
.log-proc { display: inline-block; min-width: 110px; margin-right: 8px; font-weight: 600; }
.log-proc[data-hue="0"] { color: #7cc4fa; } .log-proc[data-hue="1"] { color: #8ee6a8; } .log-proc[data-hue="2"] { color: #f7c873; }
.log-proc[data-hue="3"] { color: #d9a5f5; } .log-proc[data-hue="4"] { color: #7fe0d8; } .log-proc[data-hue="5"] { color: #f59ab5; }

/* chat */
.chat-layout { display: grid; grid-template-columns: 260px 1fr; gap: 16px; align-items: start; }
@media (max-width: 860px) { .chat-layout { grid-template-columns: 1fr; } }
.session-list { list-style: none; margin: 12px 0 0; padding: 0; }
.session-list a { display: block; padding: 7px 10px; border-radius: 6px; text-decoration: none; color: var(--text); }
.session-list a:hover { background: #f2f4f7; }
.session-list a[aria-current="true"] { background: var(--info-bg); }
.session-list small { display: block; font-size: 11.5px; }
.session-title { word-break: break-all; }
.chat-main { display: flex; flex-direction: column; }
.chat-head { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.balance strong { font-variant-numeric: tabular-nums; }
.chat-log { height: calc(100vh - 330px); min-height: 280px; overflow-y: auto; border: 1px solid var(--line); border-radius: 8px; padding: 12px; background: #fafbfc; }
.msg { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; margin: 0 0 12px; max-width: 100%; }
.msg[data-role="user"] { background: var(--info-bg); border-color: #c4d7f2; margin-left: 15%; }
.msg[data-role="error"] { background: var(--bad-bg); border-color: #f6c4bf; color: var(--bad); }
.msg[data-role="pending"] { border-style: dashed; }
.msg-head { font-size: 12px; color: var(--muted); margin-bottom: 4px; display: flex; gap: 8px; align-items: baseline; }
.msg-head .who { font-weight: 600; color: var(--text); }
.msg[data-role="error"] .msg-head .who { color: var(--bad); }
.msg-head .charge { margin-left: auto; }
.msg .text { white-space: pre-wrap; word-break: break-word; }
.md p { margin: 0 0 8px; }
.md h1, .md h2, .md h3, .md h4, .md h5, .md h6 { font-size: 14px; margin: 10px 0 6px; text-transform: none; letter-spacing: 0; color: var(--text); }
.md ul, .md ol { margin: 0 0 8px; padding-left: 22px; }
.md code { background: #f2f4f7; padding: 0 4px; border-radius: 4px; }
.md pre { background: #f2f4f7; padding: 8px 10px; border-radius: 6px; overflow-x: auto; }
.md pre code { background: none; padding: 0; }
.md blockquote { margin: 0 0 8px; padding-left: 12px; border-left: 3px solid var(--line); color: var(--muted); }
.md-table { overflow-x: auto; margin: 4px 0 10px; }
.md table { border-collapse: collapse; font-size: 13px; }
.md th, .md td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; }
.md th { background: #f5f6f8; }
.md th[align="right"], .md td[align="right"] { text-align: right; font-variant-numeric: tabular-nums; }
.md th[align="center"], .md td[align="center"] { text-align: center; }
.md a[href*="/download/"]::before { content: "\2913  "; }
table.tool-calls { margin-top: 8px; font-size: 12.5px; }
table.tool-calls th, table.tool-calls td { padding: 4px 8px; }
table.tool-calls code.args { word-break: break-all; }
tr.tool-call[data-error="true"] { background: var(--bad-bg); }
.chat-form { display: flex; gap: 8px; margin-top: 10px; align-items: stretch; }
.chat-form textarea { flex: 1; resize: vertical; min-height: 44px; }
.empty { text-align: center; padding: 24px 0; }

/* scenarios */
.verdict-line { margin: 0 0 10px; }
.verdict { font-weight: 600; }
.verdict[data-state="idle"] { font-weight: 400; color: var(--muted); }
.verdict[data-state="passed"] { color: var(--ok); font-size: 18px; }
.verdict[data-state="failed"], .verdict[data-state="error"] { color: var(--bad); font-size: 18px; }
.verdict[data-state="running"], .verdict[data-state="starting"] { color: var(--warn); }
ol.steps { margin: 0; padding-left: 26px; }
ol.steps li { padding: 4px 0; border-bottom: 1px solid var(--line); }
ol.steps .step-name { font-weight: 500; }
ol.steps pre.detail { margin: 4px 0 0; white-space: pre-wrap; word-break: break-word; background: #f8f9fb; padding: 6px 8px; border-radius: 6px; }
ol.steps li[data-state="failed"] pre.detail { background: var(--bad-bg); color: var(--bad); }
ol.steps li:not([data-state="failed"]) pre.detail { background: none; padding: 0; color: var(--muted); font-size: 11.5px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
"""#
}
