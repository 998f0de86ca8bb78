import BenchmarkSupport
import Foundation
import StackSupervisor

/// Issue 17's dashboard figures on one stack started by the release stackctl, each beside a floor measured in the
/// same run: pages served (floor: `GET /health` on the same port), a process state change reaching an open page
/// (floor: the restart POST's own round trip), and the supervisor's CPU while a page stays open (floor: no page).
struct DashboardBench {
    var requests: Int
    var rounds: Int
    var idleSeconds: Int
    /// Realistic usage seeded into fake-openmeter before anything is timed (OpenMeter's realistic shape: dozens of
    /// users a tenant, thousands of groups a tenant-week, random order), and chat questions asked in the stack's
    /// session so the chat page carries that many answers with their tables.
    var seedEvents = 200_000
    var chatQuestions = 20
    var warmup = 20
    /// The process restarted for the state-change rounds.
    var restarted = "credits-mcp"

    static let pages = ["/dashboard", "/dashboard/logs", "/dashboard/chat", "/dashboard/scenarios"]
    static let floorPath = "/health"
    static let goalPageMs = 50.0
    static let goalChangeMs = 500.0
    static let goalIdleCPUPercent = 1.0
    /// How long a fresh stream (or its absence) is left alone before the CPU window starts.
    static let settle = Duration.seconds(5)

    struct Figures: Sendable {
        var upMs = 0.0
        /// Path → milliseconds of each request, and the body size.
        var pageMs: [String: [Double]] = [:]
        var pageBytes: [String: Int] = [:]
        var changeMs: [Double] = []
        var backMs: [Double] = []
        var postMs: [Double] = []
        var idleOpen = Idle()
        var idleFloor = Idle()
        var leftovers = 0
        var seeded = 0
        /// Asking through `POST /api/chat/sessions/{id}/messages` on the realistic data (info).
        var chatMs: [Double] = []
        var chatTableRows = 0
    }

    struct Idle: Sendable {
        var seconds = 0.0
        var cpuSeconds = 0.0
        /// The services' CPU over the same window: each snapshot asks fake-tais for its clock and fake-openmeter
        /// for its faults, so an open page costs them something too.
        var servicesCPUSeconds = 0.0
        var bytes = 0
        var events = 0
        var percent: Double { seconds > 0 ? cpuSeconds / seconds * 100 : 0 }
        var servicesPercent: Double { seconds > 0 ? servicesCPUSeconds / seconds * 100 : 0 }
    }

    /// Up, measure, down; prints the table.
    func run(context: Context) throws {
        let directory = context.scratch.appendingPathComponent("dashboard")
        let stateDirectory = directory.appendingPathComponent("state")
        let log = directory.appendingPathComponent("stackctl.log")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        Cleanup.shared.track(stack: stateDirectory.path)
        let upMs = try Spawn.timedRun(context.stackctlArgv("up", "--detach", "--ephemeral-ports", "--state-dir", stateDirectory.path),
                                      environment: context.environment, workingDirectory: context.repo, log: log)
        try context.checkStatus(stateDirectory, log: log)
        let state = StateDirectory(stateDirectory)
        guard let runtime = state.readRuntime(), let token = state.controlToken(), !token.isEmpty else {
            throw BenchError("no stackctl.json or control-token in \(stateDirectory.path)")
        }
        let base = "http://127.0.0.1:\(runtime.controlPort)"
        let connection = try blockingAwait { try await DashboardConnection.login(base: base, token: token) }
        report(String(format: "dashboard: stack up in %.0f ms (control port %d, supervisor pid %d); %d requests a page, %d restarts of %@, CPU windows of %d s",
                      upMs, runtime.controlPort, runtime.pid, requests, rounds, restarted, idleSeconds))

        let services = try StackProcesses.of(stateDirectory: stateDirectory).services.flatMap(\.members)
        var result = try blockingAwait { [self] in try await measure(connection, supervisor: runtime.pid, services: services) }
        result.upMs = upMs

        let stamps = try StackProcesses.of(stateDirectory: stateDirectory).stamps
        _ = try Spawn.timedRun(context.stackctlArgv("down", "--state-dir", stateDirectory.path),
                               environment: context.environment, workingDirectory: context.repo, log: log)
        Cleanup.shared.untrack(stack: stateDirectory.path)
        result.leftovers = stamps.filter(\.isAlive).count
        printTable(result)
    }

    private func measure(_ connection: DashboardConnection, supervisor: Int32, services: [Int32]) async throws -> Figures {
        var result = Figures()
        try await loadRealisticData(connection, into: &result)
        try await measurePages(connection, into: &result)
        // No page open first (nothing was streaming yet), then one.
        result.idleFloor = try await idle(supervisor: supervisor, services: services, events: nil)
        let events = connection.openEvents()
        result.idleOpen = try await idle(supervisor: supervisor, services: services, events: events)
        events.close()
        try await measureStateChanges(connection, into: &result)
        return result
    }

    // MARK: - Realistic data

    static let questions = [
        "How many AI credits has each user in my tenant used this month?",
        "How many AI credits has each user in my tenant used this week?",
        "How many AI credits has my tenant used this month?",
    ]

    /// Seeds OpenMeter's realistic shape into fake-openmeter (10 tenants over 30 days, random order), then asks the
    /// chat questions through the dashboard, as a person on the chat page would.
    private func loadRealisticData(_ connection: DashboardConnection, into result: inout Figures) async throws {
        let env = try await connection.call(.GET, connection.base + "/api/env")
        guard env.timed.status == 200, let vars = try JSONSerialization.jsonObject(with: Data(env.body)) as? [String: String],
              let openMeter = vars["OPENMETER_URL"] else { throw BenchError("GET /api/env answered HTTP \(env.timed.status)") }
        let seed = try await connection.call(.POST, openMeter + "/_fake/seed",
            json: #"{"tenants":10,"events":\#(seedEvents),"days":30,"seed":17,"shape":"realistic"}"#)
        guard seed.timed.status == 200, let answer = try JSONSerialization.jsonObject(with: Data(seed.body)) as? [String: Any] else {
            throw BenchError("fake-openmeter's /_fake/seed answered HTTP \(seed.timed.status): \(String(decoding: seed.body, as: UTF8.self))")
        }
        result.seeded = answer["inserted"] as? Int ?? 0
        let sessions = try await connection.call(.GET, connection.base + "/api/chat/sessions")
        guard let list = (try JSONSerialization.jsonObject(with: Data(sessions.body)) as? [String: Any])?["sessions"] as? [[String: Any]],
              let session = list.first?["id"] as? String else { throw BenchError("no chat session on the dashboard: HTTP \(sessions.timed.status)") }
        for index in 0..<chatQuestions {
            let question = Self.questions[index % Self.questions.count]
            let asked = try await connection.call(.POST, connection.base + "/api/chat/sessions/\(session)/messages", json: #"{"content":"\#(question)"}"#)
            guard asked.timed.status == 200 else {
                throw BenchError("a chat question answered HTTP \(asked.timed.status): \(String(decoding: asked.body, as: UTF8.self))")
            }
            result.chatMs.append(asked.timed.ms)
            // Rows of the answer's first table (its <tr>s less the header).
            let html = String(decoding: asked.body, as: UTF8.self)
            result.chatTableRows = max(result.chatTableRows, html.components(separatedBy: "<tr>").count - 2)
        }
        report(String(format: "dashboard: seeded %d realistic events into fake-openmeter; %d chat questions through the dashboard, p50 %.1f ms, up to %d table rows an answer",
                      result.seeded, chatQuestions, Percentile.of(result.chatMs, 50), result.chatTableRows))
    }

    // MARK: - Pages

    /// Every page and the floor in turn, `requests` times each, one request at a time, after `warmup` rounds.
    private func measurePages(_ connection: DashboardConnection, into result: inout Figures) async throws {
        let paths = [Self.floorPath] + Self.pages
        for index in 0..<(warmup + requests) {
            for path in paths {
                let timed = try await connection.get(path, withCookie: path != Self.floorPath)
                guard timed.status == 200, timed.bytes > 0 else {
                    throw BenchError("GET \(path) answered HTTP \(timed.status) with \(timed.bytes) bytes")
                }
                guard index >= warmup else { continue }
                result.pageMs[path, default: []].append(timed.ms)
                result.pageBytes[path] = timed.bytes
            }
        }
        let summary = paths.map { String(format: "%@ p50 %.2f ms", $0, Percentile.of(result.pageMs[$0] ?? [], 50)) }
        report("dashboard: pages: " + summary.joined(separator: ", "))
    }

    // MARK: - State change → open page

    /// Each round: restart `restarted` with the page's button call, time from just before the POST to the first
    /// snapshot showing it no longer running (or with a new pid), then on to running and healthy again.
    private func measureStateChanges(_ connection: DashboardConnection, into result: inout Figures) async throws {
        let events = connection.openEvents()
        defer { events.close() }
        let name = restarted
        var pid = try await within(.seconds(60), "\(name) running and healthy on a fresh stream") {
            try await Self.awaitRunning(name, on: events, since: .now, replacing: nil)
        }.pid
        for round in 1...rounds {
            let start = ContinuousClock.now
            let post = try await connection.post("/api/processes/\(name)/restart")
            guard post.status == 202 else { throw BenchError("POST /api/processes/\(name)/restart answered HTTP \(post.status)") }
            let old = pid
            let left = try await within(.seconds(60), "round \(round): \(name) leaving running on the stream") {
                try await Self.awaitLeaving(name, pid: old, on: events, since: start)
            }
            let back = try await within(.seconds(60), "round \(round): \(name) running and healthy again on the stream") {
                try await Self.awaitRunning(name, on: events, since: start, replacing: old)
            }
            pid = back.pid
            result.postMs.append(post.ms)
            result.changeMs.append((left - start).seconds * 1000)
            result.backMs.append((back.at - start).seconds * 1000)
            report(String(format: "dashboard: restart %d: POST %.1f ms, not running on the page after %.1f ms, running+healthy after %.0f ms",
                          round, post.ms, result.changeMs.last!, result.backMs.last!))
        }
    }

    /// When the first snapshot arrived, at or after `since`, with `name` not running or on another pid than `pid`.
    private static func awaitLeaving(_ name: String, pid: Int32?, on events: LiveEvents,
                                     since: ContinuousClock.Instant) async throws -> ContinuousClock.Instant {
        for try await event in events.received where event.at >= since {
            guard let process = SnapshotView.decode(event)?.process(name) else { continue }
            if process.state != "running" || process.pid != pid { return event.at }
        }
        throw BenchError("the event stream ended")
    }

    /// The first snapshot, at or after `since`, with `name` running and healthy (on a pid other than `replacing`).
    private static func awaitRunning(_ name: String, on events: LiveEvents, since: ContinuousClock.Instant,
                                     replacing old: Int32?) async throws -> (at: ContinuousClock.Instant, pid: Int32) {
        for try await event in events.received where event.at >= since {
            guard let process = SnapshotView.decode(event)?.process(name), let pid = process.pid else { continue }
            if process.state == "running", process.healthy, pid != old { return (event.at, pid) }
        }
        throw BenchError("the event stream ended")
    }

    // MARK: - Idle CPU

    /// The supervisor's utime+stime over `idleSeconds`, after `settle`, with `events` (one open page) or none.
    private func idle(supervisor: Int32, services: [Int32], events: LiveEvents?) async throws -> Idle {
        if let events {
            // The page is open once its first snapshot is in.
            _ = try await within(.seconds(30), "the first snapshot on the event stream") {
                for try await event in events.received where event.name == "snapshot" { return true }
                throw BenchError("the event stream ended")
            }
        }
        try await Task.sleep(for: Self.settle)
        guard let cpu0 = ProcessCPU.seconds(pid: supervisor) else { throw BenchError("cannot read /proc/\(supervisor)/stat") }
        let services0 = Measure.cpuSeconds(services)
        let bytes0 = events?.tally.bytes.load(ordering: .relaxed) ?? 0
        let events0 = events?.tally.events.load(ordering: .relaxed) ?? 0
        let start = ContinuousClock.now
        try await Task.sleep(for: .seconds(idleSeconds))
        guard let cpu1 = ProcessCPU.seconds(pid: supervisor) else { throw BenchError("the supervisor (pid \(supervisor)) is gone") }
        let idle = Idle(seconds: (ContinuousClock.now - start).seconds, cpuSeconds: cpu1 - cpu0,
                        servicesCPUSeconds: Measure.cpuSeconds(services) - services0,
                        bytes: (events?.tally.bytes.load(ordering: .relaxed) ?? 0) - bytes0,
                        events: (events?.tally.events.load(ordering: .relaxed) ?? 0) - events0)
        report(String(format: "dashboard: idle %@: supervisor CPU %.3f %% of one core over %.1f s%@",
                      events == nil ? "with no page open" : "with one page open", idle.percent, idle.seconds,
                      events == nil ? "" : " (\(idle.events) events, \(idle.bytes) bytes delivered)"))
        return idle
    }

    // MARK: - Report

    private func printTable(_ result: Figures) {
        func row(_ label: String, _ values: [Double], goal: Double? = nil) {
            let p99 = Percentile.of(values, 99)
            let max = values.max() ?? 0
            var verdict = ""
            if let goal {
                verdict = p99 < goal ? (max < goal ? "PASS" : "PASS at p99 (max over)") : "over"
            }
            report(String(format: "  %@ %9.2f %9.2f %9.2f   %@%@", label.padding(toLength: 52, withPad: " ", startingAt: 0),
                          Percentile.of(values, 50), p99, max,
                          (goal.map { String(format: "< %.0f ms", $0) } ?? "").padding(toLength: 11, withPad: " ", startingAt: 0), verdict))
        }
        let kib = { (bytes: Int) in String(format: "%.1f KiB", Double(bytes) / 1024) }
        report("")
        report("stackctl-bench dashboard results (ms; one stack, release stackctl on 127.0.0.1, requests one at a time):")
        report("  " + "".padding(toLength: 52, withPad: " ", startingAt: 0) + "       p50       p99       max   goal")
        report("  data: \(result.seeded) realistic events seeded (10 tenants, 30 days, random order); the chat page holds \(chatQuestions) answers, tables of up to \(result.chatTableRows) rows")
        row("  a chat question through the dashboard (info)", result.chatMs)
        report("  page served, request sent → whole body read (\(requests) each after \(warmup) warm-up, no other page open):")
        for path in Self.pages {
            row("  GET \(path) (\(kib(result.pageBytes[path] ?? 0)))", result.pageMs[path] ?? [], goal: Self.goalPageMs)
        }
        row("  floor: GET \(Self.floorPath) on the same port", result.pageMs[Self.floorPath] ?? [])
        report("  state change → open page (\(result.changeMs.count) restarts of \(restarted), POST → first snapshot event showing it):")
        row("  not running (or a new pid) on the event stream", result.changeMs, goal: Self.goalChangeMs)
        row("  running and healthy again on the stream (info)", result.backMs)
        row("  floor: the restart POST's own round trip", result.postMs)

        let ticks = sysconf(Int32(_SC_CLK_TCK))
        report(String(format: "  idle CPU of the supervisor (utime+stime from /proc/PID/stat, %d ticks/s), window %d s after %.0f s settling:",
                      ticks, idleSeconds, Self.settle.seconds))
        let open = result.idleOpen
        report(String(format: "    with one page open (GET /dashboard/events held): %.3f %% of one core (%.2f s)   goal < 1 %%: %@",
                      open.percent, open.cpuSeconds, open.percent < Self.goalIdleCPUPercent ? "PASS" : "over"))
        report(String(format: "      the stream meanwhile: %d events, %d bytes (%.1f events/s)", open.events, open.bytes,
                      open.seconds > 0 ? Double(open.events) / open.seconds : 0))
        report(String(format: "    floor: no page open: %.3f %% of one core (%.2f s)", result.idleFloor.percent, result.idleFloor.cpuSeconds))
        report(String(format: "    the services meanwhile (info): %.3f %% with the page open, %.3f %% with none",
                      open.servicesPercent, result.idleFloor.servicesPercent))
        report("  processes left running after its down: \(result.leftovers)")
    }
}
