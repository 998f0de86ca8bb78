import ArgumentParser
import BenchmarkSupport
import FakeTAIS
import Foundation
import ProcessSupport
import StackClients
import Synchronization
import WireFormats

/// Measures fake-tais's chat path end to end as real processes over fake-openmeter seeded with 1,000,000 events:
/// a chat message's round trip through fake-tais's agent → credits-mcp (MCP_AUTH=jwt) → fake-openmeter beside a
/// direct MCP call of the same tool with the same token, messages/s with concurrent sessions, in-process ES256
/// verifications/s of `TokenService.verify`, and double debits in an Idempotency-Key retry storm.
/// Run on a release build with `scripts/bench.sh tais`; it starts the fake-openmeter, fake-tais and credits-mcp
/// binaries found in `--bin` (or beside it).
@main
struct TAISBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tais-bench",
        abstract: "Benchmark fake-tais: chat round trip vs. a direct MCP call, messages/s, ES256 verifications/s, retry-storm debits."
    )

    @Option(help: "Events seeded into fake-openmeter.") var events = 1_000_000
    @Option(help: "Tenants the events are spread over.") var tenants = 10
    @Option(help: "Days the events cover.") var days = 30
    @Option(help: "Timed round trips of each kind (agent, direct MCP).") var repetitions = 200
    @Option(help: "Concurrent chat sessions for the throughput run.") var sessions = 8
    @Option(help: "Seconds the throughput run lasts.") var loadSeconds = 10
    @Option(help: "Distinct tokens verified in process, per run (one task, then one per core).") var verifications = 20_000
    @Option(help: "Requests in the retry storm, all with one Idempotency-Key.") var stormRequests = 1_000
    @Option(help: "Storm requests in flight at once.") var stormConcurrency = 32
    @Option(help: "Directory holding fake-openmeter, fake-tais and credits-mcp (default: next to this binary).") var bin: String?

    static let tenant = "tenant-01"
    static let question = "How many credits did we use?"

    func run() async throws {
        try await measureVerification()

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tais-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let openMeterBinary = try executable("fake-openmeter")
        let dataPath = directory.appendingPathComponent("openmeter.sqlite").path

        let seedStart = ContinuousClock.now
        try Self.runToCompletion(openMeterBinary, [
            "seed", "--data", dataPath, "--tenants", "\(tenants)", "--events", "\(events)", "--days", "\(days)", "--seed", "7",
        ])
        report(String(format: "seeded %d events (%d tenants, %d days) in %.1f s", events, tenants, days, (ContinuousClock.now - seedStart).seconds))

        let apiKey = "bench-\(UUID().uuidString)"
        let openMeter = try await ServiceProcess(executable: openMeterBinary, arguments: ["--port", "0", "--data", dataPath, "--api-key", apiKey])
        defer { _ = openMeter.stop() }
        let tais = try await ServiceProcess(
            executable: try executable("fake-tais"),
            arguments: [
                "--host", "127.0.0.1", "--port", "0", "--data", directory.appendingPathComponent("tais.sqlite").path,
                "--openmeter-url", openMeter.baseURL, "--openmeter-api-key", apiKey,
            ],
            environment: [
                "TAIS_TOOL_TTL_SECONDS": "", "CHAT_CREDITS_PER_MESSAGE": "", "TAIS_KEY_GRACE_SECONDS": "",
                "TAIS_JWT_LEEWAY_SECONDS": "", "TAIS_TOOL_TIMEOUT_SECONDS": "",
            ],
            workingDirectory: directory
        )
        defer { _ = tais.stop() }
        let mcp = try await ServiceProcess(
            executable: try executable("credits-mcp"), arguments: ["--port", "0"],
            environment: [
                "MCP_AUTH": "jwt", "TAIS_JWKS_URL": tais.baseURL + "/.well-known/jwks.json",
                "OPENMETER_URL": openMeter.baseURL, "OPENMETER_API_KEY": apiKey,
                "DOWNLOAD_DIR": directory.appendingPathComponent("downloads").path,
                "CREDITS_MCP_ENV": "", "DEV_TENANT_ID": "", "DEV_USER_GROUPS": "",
            ],
            workingDirectory: directory
        )
        defer { _ = mcp.stop() }
        report("binaries: \(openMeterBinary.deletingLastPathComponent().path)")

        let http = HTTPRequester(timeout: .seconds(60))
        let control = TAISClient(baseURL: tais.baseURL, requester: http)
        let token = try await control.mint(tenant: Self.tenant, user: "bench", ttlSeconds: 86400)
        let client = control.withToken(token)
        try await control.grant(tenant: Self.tenant, credits: 1_000_000_000, description: "tais-bench")
        let tool = try await client.registerTool(name: "credits", url: mcp.baseURL + "/mcp", description: "credits-mcp")

        try await measureRoundTrip(client: client, tool: tool, mcpEndpoint: mcp.baseURL + "/mcp", token: token, http: http)
        try await measureThroughput(client: client, tool: tool)
        try await measureRetryStorm(client: client, tool: tool)
        if let peak = tais.peakRSSKiB() {
            report(String(format: "fake-tais peak RSS over the run: %.1f MiB", Double(peak) / 1024))
        }
    }

    // MARK: - Round trip

    /// Interleaves, after 5 warm-up rounds, in an order that rotates every round: a chat message through the agent;
    /// the same tool called directly in an open MCP session; and the same call in a fresh session (initialize, call,
    /// close), which is the HTTP work the agent does per message.
    private func measureRoundTrip(client: TAISClient, tool: TAISTool, mcpEndpoint: String, token: String, http: HTTPRequester) async throws {
        let session = try await client.createSession(title: "round trip", toolIds: [tool.id])
        let direct = MCPHTTPClient(endpoint: mcpEndpoint, headers: ["Authorization": "Bearer \(token)"], requester: http)
        try await direct.initialize(clientName: "tais-bench")
        var agent: [Double] = [], open: [Double] = [], fresh: [Double] = []
        // The direct calls use the range of the agent's latest call (a second apart at most), so all query the same data.
        var toolName = "", arguments: [String: String] = [:]
        func ask() async throws -> Double {
            let (answer, ms) = try await Self.timedMs { try await client.sendMessage(session.id, Self.question) }
            guard let call = answer.toolCalls.first, !call.isError else { throw BenchError("the agent's answer failed: \(answer.content)") }
            toolName = call.toolName
            arguments = ["from": call.argument("from") ?? "", "to": call.argument("to") ?? ""]
            return ms
        }
        _ = try await ask()
        for round in 0..<(repetitions + 5) {
            // The order rotates every round, so no kind always runs right after a chat (whose credit event
            // fake-tais's outbox posts to fake-openmeter just then).
            for step in 0..<3 {
                switch (round + step) % 3 {
                case 0:
                    let ms = try await ask()
                    if round >= 5 { agent.append(ms) }
                case 1:
                    let (result, openMs) = try await Self.timedMs { [toolName, arguments] in try await direct.callTool(toolName, stringArguments: arguments) }
                    guard !result.isError else { throw BenchError("the direct call failed: \(result.text)") }
                    if round >= 5 { open.append(openMs) }
                default:
                    let (result, freshMs) = try await Self.timedMs { [toolName, arguments] in
                        let once = MCPHTTPClient(endpoint: mcpEndpoint, headers: ["Authorization": "Bearer \(token)"], requester: http)
                        try await once.initialize(clientName: "tais-bench")
                        let result = try await once.callTool(toolName, stringArguments: arguments)
                        try await once.close()
                        return result
                    }
                    guard !result.isError else { throw BenchError("the direct call in a fresh session failed: \(result.text)") }
                    if round >= 5 { fresh.append(freshMs) }
                }
            }
        }
        let rows = toolName
        try? await direct.close()
        let overhead = Percentile.of(agent, 50) - Percentile.of(open, 50)
        report("chat round trip, \(repetitions) messages, one session, \"\(Self.question)\" (\(rows), last 7 days of \(Self.tenant)):")
        report(String(format: "  through fake-tais's agent: p50 %.1f ms, p99 %.1f ms", Percentile.of(agent, 50), Percentile.of(agent, 99)))
        report(String(format: "  direct MCP call, open session: p50 %.1f ms, p99 %.1f ms", Percentile.of(open, 50), Percentile.of(open, 99)))
        report(String(format: "  direct MCP call, fresh session (initialize + call + close): p50 %.1f ms, p99 %.1f ms",
                     Percentile.of(fresh, 50), Percentile.of(fresh, 99)))
        report(String(format: "  agent overhead at p50: %.1f ms over the open-session call (goal < 5 ms: %@), %.1f ms over the fresh-session call",
                     overhead, overhead < 5 ? "met" : "NOT met", Percentile.of(agent, 50) - Percentile.of(fresh, 50)))
    }

    // MARK: - Throughput

    /// `sessions` chat sessions, each sending messages one after another for `loadSeconds`.
    private func measureThroughput(client: TAISClient, tool: TAISTool) async throws {
        var ids: [String] = []
        for index in 0..<sessions {
            ids.append(try await client.createSession(title: "load \(index)", toolIds: [tool.id]).id)
        }
        let deadline = ContinuousClock.now + .seconds(loadSeconds)
        let started = ContinuousClock.now
        let times = try await withThrowingTaskGroup(of: [Double].self) { group in
            for id in ids {
                group.addTask {
                    var times: [Double] = []
                    while ContinuousClock.now < deadline {
                        let (answer, ms) = try await Self.timedMs { try await client.sendMessage(id, Self.question) }
                        guard answer.toolCalls.first?.isError == false else { throw BenchError("a message failed under load: \(answer.content)") }
                        times.append(ms)
                    }
                    return times
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let elapsed = (ContinuousClock.now - started).seconds
        report(String(format: "%d concurrent sessions for %d s: %.1f messages/s, p50 %.1f ms, p99 %.1f ms (%d messages)",
                     sessions, loadSeconds, Double(times.count) / elapsed, Percentile.of(times, 50), Percentile.of(times, 99), times.count))
    }

    // MARK: - Retry storm

    /// `stormRequests` requests of one message with one Idempotency-Key, `stormConcurrency` in flight; then the
    /// session's usage entries in the ledger: one is the message, every further one a double debit.
    private func measureRetryStorm(client: TAISClient, tool: TAISTool) async throws {
        let session = try await client.createSession(title: "retry storm", toolIds: [tool.id])
        let key = "storm-\(UUID().uuidString)"
        let next = Ticket()
        let started = ContinuousClock.now
        let outcomes = try await withThrowingTaskGroup(of: [(Int, String?)].self) { group in
            for _ in 0..<stormConcurrency {
                group.addTask {
                    var outcomes: [(Int, String?)] = []
                    while next.take() < stormRequests {
                        let reply = try await client.sendMessageReply(session.id, Self.question, idempotencyKey: key)
                        let id = reply.status == 200 ? (try? reply.json())?["id"]?.stringValue : nil
                        outcomes.append((reply.status, id))
                    }
                    return outcomes
                }
            }
            var all: [(Int, String?)] = []
            for try await part in group { all += part }
            return all
        }
        let elapsed = (ContinuousClock.now - started).seconds
        let answered = outcomes.filter { $0.0 == 200 }
        let conflicts = outcomes.filter { $0.0 == 409 }.count
        let others = outcomes.count - answered.count - conflicts
        let distinct = Set(answered.compactMap(\.1)).count
        let usage = try await client.allLedgerEntries(org: Self.tenant, category: "usage").filter { $0.sessionId == session.id }
        let messages = try await client.messages(session.id).filter { $0.role == "assistant" }.count
        report(String(format: "retry storm: %d requests with one Idempotency-Key, %d in flight, %.2f s: %d answered 200 (%d distinct answer%@), %d 409 in progress, %d other",
                     outcomes.count, stormConcurrency, elapsed, answered.count, distinct, distinct == 1 ? "" : "s", conflicts, others))
        report("  ledger usage entries for the session: \(usage.count), assistant messages: \(messages); double debits: \(max(0, usage.count - 1)) (must be 0)")
    }

    // MARK: - ES256 verification

    /// `TokenService.verify` in this process (fake-tais's own verifier over an in-memory data file). `TokenService`
    /// remembers tokens that verified, so the full check (signature, claims) is timed over `verifications` distinct
    /// tokens, each presented once, first with one task and then split over one task per core (a fresh set, so no
    /// token is a cache hit); then one token presented again and again, the cached path.
    private func measureVerification() async throws {
        var configuration = TAISConfiguration()
        configuration.dataPath = ":memory:"
        let tokens = try FakeTAISApp(configuration: configuration).tokens
        let cores = ProcessInfo.processInfo.activeProcessorCount
        for tasks in [1, cores] {
            var batches: [[String]] = Array(repeating: [], count: tasks)
            for index in 0..<verifications {
                let request = MintRequest(tenant: Self.tenant, user: "bench-\(tasks)-\(index)", groups: ["Administrators"], roles: ["Owner"])
                batches[index % tasks].append(try tokens.mint(request).token)
            }
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for batch in batches {
                    group.addTask {
                        for token in batch { _ = try tokens.verify(token) }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = (ContinuousClock.now - started).seconds
            report(String(format: "ES256 verifications (TokenService.verify, in process, %d distinct tokens), %d task%@: %.0f/s (%.1f µs each per task)",
                         verifications, tasks, tasks == 1 ? "" : "s", Double(verifications) / elapsed, elapsed / Double(verifications) * 1e6 * Double(tasks)))
        }
        let token = try tokens.mint(MintRequest(tenant: Self.tenant, user: "bench-cached")).token
        _ = try tokens.verify(token)
        let deadline = ContinuousClock.now + .seconds(1)
        let started = ContinuousClock.now
        var count = 0
        while ContinuousClock.now < deadline {
            for _ in 0..<256 { _ = try tokens.verify(token) }
            count += 256
        }
        let elapsed = (ContinuousClock.now - started).seconds
        report(String(format: "  the same token again (TokenService's cache of verified tokens), 1 task: %.0f/s", Double(count) / elapsed))
    }

    // MARK: - Helpers

    static func timedMs<T: Sendable>(_ body: () async throws -> T) async throws -> (T, Double) {
        let start = ContinuousClock.now
        let value = try await body()
        return (value, (ContinuousClock.now - start).seconds * 1000)
    }

    private func executable(_ name: String) throws -> URL {
        if let bin { return URL(fileURLWithPath: bin).appendingPathComponent(name) }
        return try BuiltProducts.executable(name)
    }

    static func runToCompletion(_ executable: URL, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}

/// Hands out 0, 1, 2, … to concurrent tasks.
final class Ticket: Sendable {
    private let counter = Atomic<Int>(0)
    func take() -> Int { counter.add(1, ordering: .relaxed).oldValue }
}

/// Writes a line straight to stdout, unbuffered, so figures appear as they are measured even through a pipe.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
