/// dashboard.js (`/dashboard/assets/dashboard.js`): plain JavaScript, no build step, nothing fetched but stackctl's
/// own routes. It takes over each server-rendered page: re-renders the overview from every `event: snapshot`
/// (keeping the element ids the pages render), counts uptime and the registration's time left on locally
/// between snapshots, tails logs in animation-frame batches with a capped DOM, runs chat questions and
/// scenarios, and sends every mutating call with the page's control token (`meta[name=stackctl-token]`),
/// showing a failed call's error in `#status`.
enum DashboardScript {
    static let source = #"""
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const token = (document.querySelector('meta[name="stackctl-token"]') || {}).content || "";
  const page = document.body.dataset.page;

  /** Keep at most this many log lines in the page; older ones are dropped as new ones arrive. */
  const MAX_LOG_LINES = 5000;
  /** A single log line longer than this is cut (a megabyte-long line would still cost a layout). */
  const MAX_LINE_CHARS = 10000;

  // ---- small DOM helpers -------------------------------------------------------------------------

  /** An element with attributes and children (strings become text nodes: never parsed as HTML). */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /** Sets text only when it changed, so a snapshot that changes nothing touches nothing. */
  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  function setData(node, name, value) {
    if (node && node.dataset[name] !== value) node.dataset[name] = value;
  }

  function setPill(node, state) {
    if (!node) return;
    setData(node, "state", state);
    setText(node, state);
  }

  /** Only http(s) URLs become links (the server applies the same rule). */
  function webURL(url) {
    return typeof url === "string" && /^https?:\/\/[^\s\\]+$/i.test(url) ? url : null;
  }

  // ---- formatting: the same rules as PageFormat.swift ----------------------------------------------

  const MISSING = "\u2014";
  const fmt = {
    pad: (n) => (n < 10 ? "0" : "") + n,
    duration(seconds) {
      const total = Number.isFinite(seconds) ? Math.max(0, Math.floor(seconds)) : 0;
      const d = Math.floor(total / 86400), h = Math.floor((total % 86400) / 3600);
      const m = Math.floor((total % 3600) / 60), s = total % 60;
      if (d > 0) return `${d}d ${fmt.pad(h)}h ${fmt.pad(m)}m`;
      if (h > 0) return `${h}h ${fmt.pad(m)}m ${fmt.pad(s)}s`;
      if (m > 0) return `${m}m ${fmt.pad(s)}s`;
      return `${s}s`;
    },
    timeLeft(seconds) {
      if (typeof seconds !== "number" || !Number.isFinite(seconds)) return MISSING;
      return seconds >= 0 ? fmt.duration(seconds) : `expired ${fmt.duration(-seconds)} ago`;
    },
    offset(seconds) {
      if (typeof seconds !== "number" || !Number.isFinite(seconds) || Math.trunc(seconds) === 0) return "none";
      return (seconds > 0 ? "+" : "-") + fmt.duration(Math.abs(seconds));
    },
    bytes(bytes) {
      if (typeof bytes !== "number" || bytes < 0) return MISSING;
      if (bytes >= 1073741824) return (bytes / 1073741824).toFixed(2) + " GiB";
      if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MiB";
      return (bytes / 1024).toFixed(0) + " KiB";
    },
    cpu: (percent) => (typeof percent === "number" && Number.isFinite(percent) ? percent.toFixed(1) + "%" : MISSING),
    ms(value) {
      if (typeof value !== "number" || !Number.isFinite(value)) return MISSING;
      return value >= 1000 ? (value / 1000).toFixed(2) + " s" : value.toFixed(0) + " ms";
    },
    credits(value) {
      if (typeof value !== "number" || !Number.isFinite(value)) return MISSING;
      return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)));
    },
    time(rfc3339) {
      if (!rfc3339) return MISSING;
      return String(rfc3339).replace("T", " ").replace(/\.\d+(?=Z|[+-]\d)/, "");
    },
    /** A Date as `2026-12-01 03:10:30Z`. */
    utc: (date) => date.toISOString().replace(/\.\d{3}Z$/, "Z").replace("T", " "),
  };

  // ---- status area and API calls -------------------------------------------------------------------

  let statusTimer = 0;
  /** `busy`, `ok` (fades after a while) or `error` (stays until the next action). */
  function setStatus(kind, text) {
    const status = $("status");
    if (!status) return;
    clearTimeout(statusTimer);
    status.dataset.state = kind;
    status.textContent = text;
    if (kind === "ok") {
      statusTimer = setTimeout(() => {
        status.dataset.state = "idle";
        status.textContent = "";
      }, 8000);
    }
  }

  /** A call to stackctl's API with the control token; resolves to the JSON answer, or throws an Error whose
   *  message is the status and the server's `{"error": …}` text. */
  async function api(method, url, body) {
    const init = {
      method,
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    };
    if (body !== undefined) init.body = JSON.stringify(body);
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      throw new Error(`stackctl did not answer (${error.message}); is the stack still up?`);
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!response.ok) {
      const reason = data && typeof data.error === "string" ? data.error : text.trim().slice(0, 300) || response.statusText;
      const error = new Error(`${response.status}: ${reason}`);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  /** Runs one button's call: the button is busy (disabled, and left so by snapshots) meanwhile; progress and
   *  outcome go to #status. */
  async function act(button, what, call, done) {
    if (button) { button.disabled = true; button.dataset.busy = ""; }
    setStatus("busy", what + "\u2026");
    try {
      const result = await call();
      setStatus("ok", typeof done === "function" ? done(result) : done);
      return result;
    } catch (error) {
      setStatus("error", `${what} failed: ${error.message}`);
      return undefined;
    } finally {
      if (button) { button.disabled = false; delete button.dataset.busy; }
      if (overview.snapshot) renderButtons(overview.snapshot);
    }
  }

  // ---- live updates (server-sent events) -----------------------------------------------------------

  let source = null;
  let sourceArgs = null;
  let retryTimer = 0;
  let retries = 0;

  function setLive(state, text) {
    const live = $("live-status");
    if (!live) return;
    setData(live, "state", state);
    setText(live, text);
  }

  /** Opens `/dashboard/events…`; `handlers` may have open, snapshot, log and scenario. EventSource reconnects by
   *  itself after a dropped connection; when the server refused it (closed for good), retry with a backoff. */
  function connect(url, handlers) {
    sourceArgs = [url, handlers];
    clearTimeout(retryTimer);
    if (source) source.close();
    const events = new EventSource(url);
    source = events;
    setLive("connecting", "connecting\u2026");
    events.addEventListener("open", () => {
      retries = 0;
      setLive("live", "live");
      if (handlers.open) handlers.open();
    });
    events.addEventListener("error", () => {
      if (events !== source) return;
      if (events.readyState === EventSource.CLOSED) {
        setLive("offline", "offline: retrying");
        const delay = Math.min(30000, 1000 * 2 ** Math.min(retries, 5));
        retries += 1;
        // A new `stackctl up` has a new cookie secret: this page's cookie is refused (401) for good.
        fetch(location.pathname, { cache: "no-store" }).then((response) => {
          if (response.status === 401) {
            setLive("offline", "signed out: open the URL `stackctl dashboard` prints");
          } else {
            retryTimer = setTimeout(() => connect(url, handlers), delay);
          }
        }, () => { retryTimer = setTimeout(() => connect(url, handlers), delay); });
      } else {
        setLive("connecting", "reconnecting\u2026");
      }
    });
    for (const name of ["snapshot", "log", "scenario"]) {
      if (!handlers[name]) continue;
      events.addEventListener(name, (event) => {
        let data;
        try { data = JSON.parse(event.data); } catch (_) { return; }
        handlers[name](data);
      });
    }
  }

  // A page kept in the back/forward cache must not hold a connection; reconnect when it is shown again.
  window.addEventListener("pagehide", () => { if (source) source.close(); });
  window.addEventListener("pageshow", (event) => { if (event.persisted && sourceArgs) connect(...sourceArgs); });

  function renderHeader(snapshot) {
    if (snapshot && typeof snapshot.state === "string") setPill($("stack-state"), snapshot.state);
  }

  // ---- overview ---------------------------------------------------------------------------------------

  const overview = {
    snapshot: null,
    /** Date.now() of the moment the snapshot's counters are as of (its takenAtMs, or when it arrived). */
    base: 0,
  };
  const STOPPABLE = ["pending", "starting", "running", "restarting"];
  const STARTABLE = ["stopped", "failed"];
  const FAULTS = [["outage", "Outage (503)"], ["latency", "Latency (+1.5 s)"], ["rate_limit", "Rate limit (429)"]];

  function renderSnapshot(snapshot) {
    overview.snapshot = snapshot;
    overview.base = typeof snapshot.takenAtMs === "number" ? Math.min(snapshot.takenAtMs, Date.now()) : Date.now();
    renderHeader(snapshot);
    renderProcesses(snapshot.processes || []);
    renderRegistration(snapshot.registration || null);
    renderClock(snapshot.clock || null, overview.base);
    renderFaults(snapshot.openMeterFaults || []);
    renderBilling(snapshot.billingLink);
    tick();
  }

  function elapsedSeconds(base) {
    return Math.max(0, (Date.now() - base) / 1000);
  }

  function renderProcesses(processes) {
    const body = $("process-rows");
    if (!body) return;
    const seen = new Set();
    for (const empty of body.querySelectorAll("tr.empty")) if (processes.length) empty.remove();
    let previous = null;
    for (const process of processes) {
      seen.add(process.name);
      let row = $("process-row-" + process.name);
      if (!row) row = buildProcessRow(process);
      const expected = previous ? previous.nextElementSibling : body.firstElementChild;
      if (row !== expected) body.insertBefore(row, expected);
      updateProcessRow(row, process);
      previous = row;
    }
    for (const row of Array.from(body.querySelectorAll("tr[data-process]"))) {
      if (!seen.has(row.dataset.process)) row.remove();
    }
  }

  function processButtons(name) {
    return [
      el("button", { type: "button", id: "restart-" + name, "data-action": "restart", "data-process": name }, "Restart"),
      el("button", { type: "button", id: "stop-" + name, "data-action": "stop", "data-process": name }, "Stop"),
      el("button", { type: "button", id: "start-" + name, "data-action": "start", "data-process": name }, "Start"),
    ];
  }

  /** The same cells as OverviewPage.swift's processRow. */
  function buildProcessRow(process) {
    const n = process.name;
    const actions = process.external ? [el("span", { class: "muted" }, "external")] : processButtons(n);
    return el("tr", { id: "process-row-" + n, "data-process": n },
      el("th", { scope: "row", class: "name" }, n),
      el("td", null, el("span", { id: "process-state-" + n, class: "pill" }), " ",
        el("small", { id: "process-exit-" + n, class: "muted" })),
      el("td", null, el("span", { id: "process-health-" + n, class: "health" })),
      el("td", { id: "process-pid-" + n, class: "num" }),
      el("td", { id: "process-url-" + n, class: "url" }),
      el("td", { id: "process-restarts-" + n, class: "num" }),
      el("td", { id: "process-uptime-" + n, class: "num" }),
      el("td", { id: "process-rss-" + n, class: "num" }),
      el("td", { id: "process-cpu-" + n, class: "num" }),
      el("td", { class: "actions" }, ...actions));
  }

  function updateProcessRow(row, process) {
    const n = process.name;
    setData(row, "state", process.state);
    setData(row, "healthy", String(!!process.healthy));
    setData(row, "external", String(!!process.external));
    setPill($("process-state-" + n), process.state);
    setText($("process-exit-" + n), process.lastExit ? "last exit: " + process.lastExit : "");
    const health = $("process-health-" + n);
    setData(health, "healthy", String(!!process.healthy));
    setText(health, process.healthy ? "healthy"
      : (process.state === "running" || process.state === "external" ? "unhealthy" : MISSING));
    setText($("process-pid-" + n), process.pid == null ? MISSING : String(process.pid));
    const urlCell = $("process-url-" + n);
    const href = webURL(process.url);
    if (urlCell && urlCell.dataset.url !== (process.url || "")) {
      urlCell.dataset.url = process.url || "";
      urlCell.replaceChildren(href ? el("a", { href, target: "_blank", rel: "noopener" }, href) : (process.url || MISSING));
    }
    setText($("process-restarts-" + n), String(process.restarts ?? 0));
    setText($("process-rss-" + n), fmt.bytes(process.rssBytes));
    setText($("process-cpu-" + n), fmt.cpu(process.cpuPercent));
    const actions = row.querySelector("td.actions");
    if (actions && process.external && actions.querySelector("button")) {
      actions.replaceChildren(el("span", { class: "muted" }, "external"));
    } else if (actions && !process.external && !actions.querySelector("button")) {
      actions.replaceChildren(...processButtons(n));
    }
  }

  /** Stop while a process runs or starts, start once it stopped or failed; restart always. */
  function renderButtons(snapshot) {
    // A button whose call is under way stays disabled until the call ends.
    const enable = (button, on) => { if (button && !button.matches("[data-busy]")) button.disabled = !on; };
    for (const process of snapshot.processes || []) {
      enable($("stop-" + process.name), STOPPABLE.includes(process.state));
      enable($("start-" + process.name), STARTABLE.includes(process.state));
    }
    enable($("renew-now"), !!snapshot.registration);
    for (const id of ["clock-advance-hour", "clock-advance-day", "clock-real"]) enable($(id), !!snapshot.clock);
  }

  function renderRegistration(registration) {
    const r = registration || {};
    setPill($("registration-state"), registration ? r.state : "none");
    for (const [id, value] of [["registration-tool", r.toolId], ["registration-session", r.sessionId]]) {
      const node = $(id);
      if (!node || node.textContent === (value || MISSING)) continue;
      node.replaceChildren(value ? el("code", null, value) : MISSING);
    }
    setText($("registration-tenant"), r.tenant || MISSING);
    setText($("registration-user"), r.user || MISSING);
    const expires = $("registration-expires");
    if (expires && expires.dataset.value !== (r.expiresAt || "")) {
      expires.dataset.value = r.expiresAt || "";
      expires.replaceChildren(r.expiresAt ? el("time", { datetime: r.expiresAt }, fmt.time(r.expiresAt)) : MISSING);
    }
    setText($("registration-renewals"), String(r.renewals ?? 0));
    const error = $("registration-error");
    setText(error, r.lastError || MISSING);
    setData(error, "empty", String(!r.lastError));
  }

  let clockState = null;
  function renderClock(clock, base) {
    clockState = clock ? { now: Date.parse(clock.now), mode: clock.mode, raw: clock.now, base } : null;
    const mode = $("clock-mode");
    if (mode) {
      setData(mode, "mode", clock ? clock.mode : "none");
      setData(mode, "state", clock ? clock.mode : "none");
      setText(mode, clock ? clock.mode : MISSING);
    }
    const offset = $("clock-offset");
    setData(offset, "seconds", clock ? String(clock.offsetSeconds) : "");
    setText(offset, clock ? fmt.offset(clock.offsetSeconds) : MISSING);
    setData($("clock-now"), "now", clock ? clock.now : "");
  }

  function renderFaults(faults) {
    for (const [kind] of FAULTS) {
      const button = $("fault-" + kind);
      if (!button) continue;
      const on = String(faults.includes(kind));
      setData(button, "on", on);
      if (button.getAttribute("aria-pressed") !== on) button.setAttribute("aria-pressed", on);
    }
  }

  function renderBilling(link) {
    const anchor = $("billing-link");
    if (!anchor) return;
    const href = webURL(link);
    if (href) {
      if (anchor.getAttribute("href") !== href) anchor.setAttribute("href", href);
      anchor.setAttribute("target", "_blank");
      anchor.setAttribute("rel", "noopener");
      anchor.removeAttribute("aria-disabled");
      setText(anchor, "fake-tais Settings \u2192 Billing");
    } else {
      anchor.removeAttribute("href");
      anchor.setAttribute("aria-disabled", "true");
      setText(anchor, "no fake-tais in this stack");
    }
  }

  /** Once a second: uptimes count up, the registration's time left counts down, the fake clock runs. */
  function tick() {
    const snapshot = overview.snapshot;
    if (!snapshot) return;
    const elapsed = elapsedSeconds(overview.base);
    for (const process of snapshot.processes || []) {
      const cell = $("process-uptime-" + process.name);
      if (!cell) continue;
      if (typeof process.uptimeSeconds !== "number") {
        setData(cell, "seconds", "");
        setText(cell, MISSING);
        continue;
      }
      const uptime = process.uptimeSeconds + (process.state === "running" ? elapsed : 0);
      setData(cell, "seconds", String(Math.floor(uptime)));
      setText(cell, fmt.duration(uptime));
    }
    const left = $("registration-left");
    const seconds = snapshot.registration ? snapshot.registration.secondsLeft : null;
    if (left) {
      if (typeof seconds === "number") {
        const now = seconds - elapsed;
        setData(left, "seconds", String(Math.floor(now)));
        setText(left, fmt.timeLeft(now));
        setData(left, "expired", String(now < 0));
      } else {
        setData(left, "seconds", "");
        setText(left, MISSING);
      }
    }
    const clockNow = $("clock-now");
    if (clockNow) {
      if (clockState && Number.isFinite(clockState.now)) {
        const running = clockState.mode !== "frozen";
        const now = new Date(clockState.now + (running ? elapsedSeconds(clockState.base) * 1000 : 0));
        setText(clockNow, fmt.utc(now));
      } else {
        setText(clockNow, clockState ? fmt.time(clockState.raw) : MISSING);
      }
    }
  }

  function initOverview(initial) {
    if (initial) {
      renderSnapshot(initial);
      renderButtons(initial);
    }
    setInterval(tick, 1000);
    connect("/dashboard/events", {
      snapshot: (snapshot) => { renderSnapshot(snapshot); renderButtons(snapshot); },
    });
  }

  // ---- overview actions -----------------------------------------------------------------------------

  function processAction(button, action, name) {
    const path = `/api/processes/${encodeURIComponent(name)}/${action}`;
    act(button, `${action} ${name}`, () => api("POST", path), `${action} ${name}: requested`);
  }

  function clockAnswer(result) {
    const clocks = (result && result.clocks) || [];
    const tais = clocks.find((clock) => clock.process === "fake-tais") || clocks[0];
    if (tais) renderClock(tais, Date.now());
    tick();
    return clocks.map((clock) => `${clock.process} ${fmt.time(clock.now)}`).join(", ");
  }

  function advanceClock(button) {
    const seconds = Number(button.dataset.seconds);
    const label = button.textContent.trim();
    act(button, `clock ${label}`, () => api("POST", "/api/fakes/clock/advance", { seconds }),
      (result) => `clock ${label}: ${clockAnswer(result)}`);
  }

  function realClock(button) {
    act(button, "clock back to real time", () => api("POST", "/api/fakes/clock/real"),
      (result) => `clock back to real time: ${clockAnswer(result)}`);
  }

  function toggleFault(button) {
    const kind = button.dataset.kind;
    const on = button.dataset.on === "true";
    const call = on
      ? () => api("DELETE", "/api/fakes/openmeter/faults?kind=" + encodeURIComponent(kind))
      : () => api("POST", "/api/fakes/openmeter/faults", { kind });
    act(button, `${on ? "clear" : "set"} the ${kind} fault`, call, (result) => {
      const faults = (result && result.faults) || [];
      renderFaults(faults);
      return `fake-openmeter faults: ${faults.length ? faults.join(", ") : "none"}`;
    });
  }

  function resetFakes(button) {
    const question = "Reset every fake and seed the demo data again?\n\n"
      + "Usage events, chats, sessions, payments and the fake clocks go back to a fresh start; "
      + "the starting credits are granted and the tool registered again.";
    if (!window.confirm(question)) return;
    act(button, "reset and reseed", () => api("POST", "/api/fakes/reset"), (result) => {
      const reset = (result && result.reset) || [];
      const seeded = result && typeof result.seeded === "number" ? `; seeded ${result.seeded} events` : "";
      return `reset ${reset.join(", ") || "the fakes"}${seeded}`;
    });
  }

  // ---- logs ---------------------------------------------------------------------------------------------

  function initLogs() {
    const view = $("log-view"), picker = $("log-process"), filter = $("log-filter"), tail = $("log-tail");
    const count = $("log-count"), follow = $("log-follow"), clear = $("log-clear");
    if (!view || !picker) return;
    const params = new URLSearchParams(location.search);
    if (params.get("tail") && tail) tail.value = params.get("tail");

    let queue = [];
    let scheduled = false;
    let fallback = 0;
    let following = true;
    let needle = "";
    let received = 0;

    function tailCount() {
      const n = Math.floor(Number(tail && tail.value));
      return Number.isFinite(n) ? Math.min(MAX_LOG_LINES, Math.max(0, n)) : 200;
    }

    function updateCount() {
      const kept = view.childElementCount;
      let text = `${kept} line${kept === 1 ? "" : "s"}`;
      if (received > kept) text += ` (newest kept of ${received})`;
      if (needle) text += `, ${view.querySelectorAll(".log-line:not([hidden])").length} matching`;
      setText(count, text);
      setData(count, "count", String(kept));
      setData(view, "lines", String(kept));
    }

    function setFollowing(on) {
      following = on;
      setData(follow, "state", on ? "on" : "paused");
      follow.setAttribute("aria-pressed", String(on));
      setText(follow, on ? "Following" : "Paused (scrolled up)");
      if (on) view.scrollTop = view.scrollHeight;
    }

    function hue(name) {
      let hash = 0;
      for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
      return String(hash % 6);
    }

    function lineElement(entry, merged) {
      const process = String(entry.process || "");
      let text = String(entry.line ?? "");
      if (text.length > MAX_LINE_CHARS) text = text.slice(0, MAX_LINE_CHARS) + " \u2026 (cut)";
      const line = el("div", { class: "log-line" });
      const level = / (warning|error|critical) /.exec(text.slice(0, 80));
      if (level) line.dataset.level = level[1];
      if (merged && process) line.appendChild(el("span", { class: "log-proc", "data-hue": hue(process) }, process));
      line.appendChild(document.createTextNode(text));
      line.searchText = (process + " " + text).toLowerCase();
      if (needle && !line.searchText.includes(needle)) line.hidden = true;
      return line;
    }

    /** Appends what arrived since the last frame in one go, then drops the oldest lines over the cap. */
    function flush() {
      if (!scheduled) return;
      scheduled = false;
      clearTimeout(fallback);
      const batch = queue;
      queue = [];
      const merged = view.dataset.process === "all";
      const fragment = document.createDocumentFragment();
      for (const entry of batch) fragment.appendChild(lineElement(entry, merged));
      view.appendChild(fragment);
      const excess = view.childElementCount - MAX_LOG_LINES;
      if (excess > 0) {
        const range = document.createRange();
        range.setStartBefore(view.firstElementChild);
        range.setEndAfter(view.children[excess - 1]);
        range.deleteContents();
      }
      received += batch.length;
      updateCount();
      if (following) view.scrollTop = view.scrollHeight;
    }

    function enqueue(entry) {
      queue.push(entry);
      if (queue.length > MAX_LOG_LINES) queue.splice(0, queue.length - MAX_LOG_LINES);
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(flush);
      fallback = setTimeout(flush, 250);  // animation frames stop in a hidden tab
    }

    function reset() {
      queue = [];
      received = 0;
      view.replaceChildren();
      updateCount();
    }

    function open() {
      const name = picker.value || "all";
      view.dataset.process = name;
      reset();
      const n = tailCount();
      const query = new URLSearchParams();
      if (name !== "all") query.set("process", name);
      if (n !== 200) query.set("tail", String(n));
      const search = query.toString();
      history.replaceState(null, "", "/dashboard/logs" + (search ? "?" + search : ""));
      // The server sends the last `tail` lines on every (re)connect, so each open starts from an empty view.
      connect(`/dashboard/events?logs=${encodeURIComponent(name)}&tail=${n}`, {
        open: reset,
        log: enqueue,
        snapshot: renderHeader,
      });
    }

    let filterTimer = 0;
    filter.addEventListener("input", () => {
      clearTimeout(filterTimer);
      filterTimer = setTimeout(() => {
        needle = filter.value.trim().toLowerCase();
        for (const line of view.children) {
          const hidden = !!needle && !line.searchText.includes(needle);
          if (line.hidden !== hidden) line.hidden = hidden;
        }
        updateCount();
        if (following) view.scrollTop = view.scrollHeight;
      }, 80);
    });
    view.addEventListener("scroll", () => {
      const atBottom = view.scrollHeight - view.scrollTop - view.clientHeight < 24;
      if (atBottom !== following) setFollowing(atBottom);
    }, { passive: true });
    follow.addEventListener("click", () => setFollowing(!following));
    clear.addEventListener("click", () => { view.replaceChildren(); received = 0; updateCount(); });
    picker.addEventListener("change", open);
    if (tail) tail.addEventListener("change", open);
    $("log-controls").addEventListener("submit", (event) => { event.preventDefault(); open(); });
    open();
  }

  // ---- chat -----------------------------------------------------------------------------------------------

  /** The same structure as ChatPage.swift's message; the answer's HTML is the server's (MarkdownHTML). */
  function messageElement(message) {
    const isUser = message.role === "user";
    const head = el("header", { class: "msg-head" },
      el("span", { class: "who" }, isUser ? "You" : (message.role === "assistant" ? "Agent" : String(message.role))), " ",
      message.createdAt ? el("time", { datetime: message.createdAt }, fmt.time(message.createdAt)) : MISSING);
    if (typeof message.creditsCharged === "number") {
      const credits = fmt.credits(message.creditsCharged);
      head.appendChild(el("span", { class: "charge", "data-credits": credits },
        `${credits} credit${message.creditsCharged === 1 ? "" : "s"} charged`));
    }
    let body;
    if (isUser) {
      body = el("div", { class: "text" }, String(message.content ?? ""));
    } else {
      body = el("div", { class: "md" });
      body.innerHTML = String(message.html ?? "");  // rendered and escaped by stackctl (MarkdownHTML)
    }
    const article = el("article", { class: "msg", "data-role": message.role }, head, body);
    const calls = message.toolCalls || [];
    if (calls.length) {
      const rows = calls.map((call) => el("tr", { class: "tool-call", "data-error": String(!!call.isError) },
        el("td", null, el("code", null, String(call.toolName))),
        el("td", null, el("code", { class: "args" }, String(call.arguments ?? ""))),
        el("td", { class: "num" }, fmt.ms(call.durationMs)),
        el("td", null, el("span", { class: "pill", "data-state": call.isError ? "error" : "ok" }, call.isError ? "error" : "ok"))));
      article.appendChild(el("table", { class: "tool-calls grid" },
        el("thead", null, el("tr", null, el("th", { scope: "col" }, "Tool call"), el("th", { scope: "col" }, "Arguments"),
          el("th", { scope: "col", class: "num" }, "Duration"), el("th", { scope: "col" }, "Result"))),
        el("tbody", null, ...rows)));
    }
    return article;
  }

  function initChat() {
    const log = $("chat-log"), form = $("chat-form"), question = $("chat-question"), ask = $("chat-ask");
    if (!log || !form) return;
    const scrollDown = () => { log.scrollTop = log.scrollHeight; };
    const countMessages = () => setData(log, "messages",
      String(log.querySelectorAll('article.msg[data-role="user"], article.msg[data-role="assistant"]').length));
    scrollDown();

    question.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const content = question.value.trim();
      const session = log.dataset.session;
      if (!content || !session || log.dataset.state === "asking") return;
      const empty = $("chat-empty");
      if (empty) empty.remove();
      log.appendChild(messageElement({ role: "user", content, createdAt: new Date().toISOString(), toolCalls: [] }));
      const pending = el("article", { class: "msg", "data-role": "pending" },
        el("div", { class: "text muted" }, "The agent is answering\u2026"));
      log.appendChild(pending);
      scrollDown();
      log.dataset.state = "asking";
      ask.disabled = true;
      question.value = "";
      setStatus("busy", "asking the agent\u2026");
      try {
        const answer = await api("POST", `/api/chat/sessions/${encodeURIComponent(session)}/messages`, { content });
        pending.replaceWith(messageElement(answer.message));
        const balance = $("chat-balance");
        if (balance && typeof answer.balanceCredits === "number") {
          balance.dataset.balance = String(answer.balanceCredits);
          balance.textContent = fmt.credits(answer.balanceCredits);
        }
        const charged = answer.message && typeof answer.message.creditsCharged === "number"
          ? `: ${fmt.credits(answer.message.creditsCharged)} credit(s) charged` : "";
        setStatus("ok", "answered" + charged);
      } catch (error) {
        pending.replaceWith(el("article", { class: "msg", "data-role": "error", role: "alert" },
          el("header", { class: "msg-head" }, el("span", { class: "who" }, "Error")),
          el("div", { class: "text" }, error.message)));
        setStatus("error", "The question failed: " + error.message);
        if (!question.value) question.value = content;
      } finally {
        log.dataset.state = "idle";
        ask.disabled = false;
        countMessages();
        scrollDown();
        question.focus();
      }
    });
    connect("/dashboard/events", { snapshot: renderHeader });
  }

  function newSession(button) {
    const title = "Dashboard chat " + fmt.utc(new Date());
    act(button, "create a session", () => api("POST", "/api/chat/sessions", { title }), "session created")
      .then((session) => {
        if (session && session.id) location.href = "/dashboard/chat?session=" + encodeURIComponent(session.id);
      });
  }

  // ---- scenarios ------------------------------------------------------------------------------------------

  const scenarioRun = {
    /** { name, runId (once the run was accepted), done } */
    current: null,
    /** The latest report per run id, kept for events that arrive before the POST's answer. */
    reports: new Map(),
    pollTimer: 0,
  };

  function setScenarioButtons(disabled) {
    for (const button of document.querySelectorAll('button[data-action="scenario-run"]')) button.disabled = disabled;
  }

  function setVerdict(state, text) {
    const status = $("scenario-status");
    setData(status, "state", state);
    setText(status, text);
  }

  function stepElement(step) {
    return el("li", { id: "scenario-step-" + step.index, class: "step" },
      el("span", { class: "pill" }), " ",
      el("span", { class: "step-name" }), " ",
      el("span", { class: "cleanup muted" }), " ",
      el("span", { class: "num muted" }),
      el("pre", { class: "detail", hidden: true }));
  }

  function renderReport(report) {
    const run = scenarioRun.current;
    if (!run || run.done || report.runId !== run.runId) return;
    const steps = report.steps || [];
    const list = $("scenario-steps");
    for (const step of steps) {
      let item = $("scenario-step-" + step.index);
      if (!item) {
        item = stepElement(step);
        list.appendChild(item);
      }
      setData(item, "state", step.status);
      setPill(item.querySelector(".pill"), step.status);
      setText(item.querySelector(".step-name"), step.name);
      setText(item.querySelector(".cleanup"), step.cleanup ? "(finally)" : "");
      setText(item.querySelector(".num"), typeof step.durationMs === "number" ? fmt.ms(step.durationMs) : "");
      const detail = item.querySelector(".detail");
      const text = step.detail || "";
      setText(detail, text);
      const hide = !text || (step.status === "passed" && text.length > 200);
      if (detail.hidden !== hide) detail.hidden = hide;
    }
    const finished = steps.filter((step) => step.status !== "pending" && step.status !== "running").length;
    setText($("scenario-duration"), typeof report.durationMs === "number" ? fmt.ms(report.durationMs) : "");
    if (report.status === "passed" || report.status === "failed") {
      const passed = report.status === "passed";
      const failedStep = steps.find((step) => step.status === "failed");
      setVerdict(report.status, passed
        ? `PASS \u00b7 ${report.name}: ${steps.length} step${steps.length === 1 ? "" : "s"}`
        : `FAIL \u00b7 ${report.name}` + (failedStep ? `: step ${failedStep.index} (${failedStep.name}) failed` : ""));
      run.done = true;
      clearTimeout(scenarioRun.pollTimer);
      setScenarioButtons(false);
      setStatus(passed ? "ok" : "error", `scenario ${report.name}: ${passed ? "PASS" : "FAIL"}`);
    } else {
      setVerdict("running", `running ${report.name}\u2026 ${finished} of ${steps.length} steps done`);
    }
  }

  function onScenario(report) {
    if (!report || !report.runId) return;
    scenarioRun.reports.set(report.runId, report);
    if (scenarioRun.reports.size > 20) scenarioRun.reports.delete(scenarioRun.reports.keys().next().value);
    renderReport(report);
  }

  /** Asks for the run's report until it ends: covers events sent before this page was listening. */
  async function pollRun() {
    const run = scenarioRun.current;
    if (!run || run.done || !run.runId) return;
    try {
      const report = await api("GET", "/api/scenarios/runs/" + encodeURIComponent(run.runId));
      if (report) renderReport(Object.assign({}, report, { runId: run.runId }));
    } catch (_) {
      // A transient failure: the next poll or the next event brings the state.
    }
    // Every `event: scenario` carries the whole report: poll again only while the stream is down (and once more
    // when it reopens, for what happened meanwhile).
    const streaming = source && source.readyState === EventSource.OPEN;
    if (!run.done && !streaming) scenarioRun.pollTimer = setTimeout(pollRun, 1000);
  }

  async function runScenario(button) {
    const name = button.dataset.scenario;
    if (scenarioRun.current && !scenarioRun.current.done) return;
    scenarioRun.current = { name, runId: null, done: false };
    setScenarioButtons(true);
    setText($("scenario-name"), name);
    setText($("scenario-duration"), "");
    $("scenario-steps").replaceChildren();
    setVerdict("starting", `starting ${name}\u2026`);
    setStatus("busy", `run ${name}\u2026`);
    try {
      const answer = await api("POST", `/api/scenarios/${encodeURIComponent(name)}/run`);
      scenarioRun.current.runId = answer && answer.runId;
      setStatus("ok", `scenario ${name} started`);
      const early = scenarioRun.reports.get(scenarioRun.current.runId);
      if (early) renderReport(early);
      pollRun();
    } catch (error) {
      scenarioRun.current.done = true;
      setVerdict("error", `could not start ${name}: ${error.message}`);
      setStatus("error", `run ${name} failed: ${error.message}`);
      setScenarioButtons(false);
    }
  }

  function initScenarios() {
    connect("/dashboard/events", { open: pollRun, snapshot: renderHeader, scenario: onScenario });
  }

  // ---- buttons and start-up -----------------------------------------------------------------------------

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled) return;
    switch (button.dataset.action) {
      case "restart": case "stop": case "start":
        processAction(button, button.dataset.action, button.dataset.process); break;
      case "renew":
        act(button, "renew the registration", () => api("POST", "/api/registration/renew"), "renewal requested"); break;
      case "clock-advance": advanceClock(button); break;
      case "clock-real": realClock(button); break;
      case "fault": toggleFault(button); break;
      case "reset": resetFakes(button); break;
      case "chat-new": newSession(button); break;
      case "scenario-run": runScenario(button); break;
      default: break;
    }
  });

  let initial = null;
  const island = $("initial-snapshot");
  if (island) {
    try { initial = JSON.parse(island.textContent); } catch (_) { initial = null; }
  }
  if (initial) renderHeader(initial);
  switch (page) {
    case "overview": initOverview(initial); break;
    case "logs": initLogs(); break;
    case "chat": initChat(); break;
    case "scenarios": initScenarios(); break;
    default: break;
  }
})();

"""#
}
