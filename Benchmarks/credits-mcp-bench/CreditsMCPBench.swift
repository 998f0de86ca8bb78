import ArgumentParser
import BenchmarkSupport
import CreditsMCP
import Foundation
import ProcessSupport
import StackClients
import WireFormats

/// Measures credits-mcp end to end as real processes over 1,000,000 seeded events in fake-openmeter:
/// each tool's latency with one client, calls/s with 16 concurrent clients, building a 100,000-row
/// .xlsx, and credits-mcp's memory at rest and under load. Run on a release build with `scripts/bench.sh`.
/// It starts the fake-openmeter and credits-mcp binaries found beside it (or in `--bin`).
@main
struct CreditsMCPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credits-mcp-bench",
        abstract: "Benchmark credits-mcp: tool latency, concurrent throughput, xlsx build time, memory."
    )

    @Option(help: "Events seeded into fake-openmeter.") var events = 1_000_000
    @Option(help: "Tenants the events are spread over (big-events: always 1).") var tenants = 10
    @Option(help: "Days the events cover.") var days = 30
    @Option(help: "Timed calls per tool with one client (the events tool uses a tenth, at least 5).") var repetitions = 100
    @Option(help: "Concurrent MCP clients for the throughput run.") var clients = 16
    @Option(help: "Seconds the concurrent run lasts.") var loadSeconds = 10
    @Option(help: "Rows of the in-process .xlsx build.") var xlsxRows = 100_000
    @Option(help: "Directory holding fake-openmeter and credits-mcp (default: next to this binary).") var bin: String?
    @Option(help: "all: the figures above; big-events: get_credit_events over every event of one tenant (--events of them over --days), its time, credits-mcp's memory and an openpyxl check of the file.")
    var mode: Mode = .all
    @Option(help: "Data shape seeded for the all mode (fake-openmeter seed --shape): demo (4-12 users a tenant, few groups) or realistic (30 users, ~4,800 groups in a 23,000-event week).")
    var shape: Shape = .realistic

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case all
        case bigEvents = "big-events"
    }

    enum Shape: String, ExpressibleByArgument, CaseIterable {
        case demo, realistic
    }

    func run() async throws {
        if mode == .bigEvents {
            try await BigEventsBenchmark(events: events, days: days, bin: bin).run()
            return
        }
        // First, before anything else grows the heap, so the peak reflects the writer alone.
        try measureXLSX()

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let openMeterBinary = try executable("fake-openmeter")
        let dataPath = directory.appendingPathComponent("openmeter.sqlite").path

        let seedStart = ContinuousClock.now
        try Self.runToCompletion(openMeterBinary, [
            "seed", "--data", dataPath, "--tenants", "\(tenants)", "--events", "\(events)", "--days", "\(days)", "--seed", "7",
            "--shape", shape.rawValue,
        ])
        report(String(format: "seeded %d events (%d tenants, %d days, %@ shape) in %.1f s", events, tenants, days, shape.rawValue, (ContinuousClock.now - seedStart).seconds))

        let apiKey = "bench-\(UUID().uuidString)"
        let openMeter = try await ServiceProcess(executable: openMeterBinary, arguments: ["--port", "0", "--data", dataPath, "--api-key", apiKey])
        defer { _ = openMeter.stop() }
        let mcp = try await ServiceProcess(
            executable: try executable("credits-mcp"), arguments: ["--port", "0"],
            environment: [
                "OPENMETER_URL": openMeter.baseURL, "OPENMETER_API_KEY": apiKey,
                "DOWNLOAD_DIR": directory.appendingPathComponent("downloads").path,
            ]
        )
        defer { _ = mcp.stop() }
        let endpoint = "\(mcp.baseURL)/mcp"
        let headers = ["X-Tenant-Id": "tenant-01", "X-User-Groups": "Administrators"]

        let client = MCPHTTPClient(endpoint: endpoint, headers: headers)
        try await client.initialize()
        report(String(format: "credits-mcp RSS at rest: %.1f MiB", Double(mcp.rssKiB() ?? 0) / 1024))

        report("one client, default range (last 7 days), tenant-01:")
        for tool in CreditTool.allCases {
            let count = tool == .events ? max(5, repetitions / 10) : repetitions
            var times: [Double] = []
            var rows = ""
            for i in 0..<(count + 3) {
                let start = ContinuousClock.now
                let result = try await client.callTool(tool.rawValue)
                let ms = (ContinuousClock.now - start).seconds * 1000
                guard !result.isError else { throw BenchError("\(tool.rawValue) failed: \(result.text)") }
                if i >= 3 { times.append(ms) }
                rows = Self.rowSummary(result.text)
            }
            report(String(format: "  %@: p50 %.1f ms, p99 %.1f ms (%d calls; %@)",
                         tool.rawValue, Percentile.of(times, 50), Percentile.of(times, 99), count, rows))
        }

        let monthStart = ContinuousClock.now
        let month = try await client.callTool(CreditTool.events.rawValue, stringArguments: [
            "from": RFC3339.format(seconds: Int64(Date().timeIntervalSince1970) - Int64(days) * 86400 - 3600),
        ])
        guard !month.isError else { throw BenchError("events over \(days) days failed: \(month.text)") }
        report(String(format: "  get_credit_events over %d days: %.2f s end to end (%@; every page read from OpenMeter, .xlsx written)",
                     days, (ContinuousClock.now - monthStart).seconds, Self.rowSummary(month.text)))

        var maxRSS = 0
        for tool in CreditTool.allCases {
            maxRSS = max(maxRSS, try await measureConcurrency(tool, endpoint: endpoint, headers: headers, mcp: mcp))
        }
        report(String(format: "credits-mcp RSS under load: %.1f MiB (highest sample)", Double(maxRSS) / 1024))
        if let peak = mcp.peakRSSKiB() {
            report(String(format: "credits-mcp peak RSS over the run: %.1f MiB", Double(peak) / 1024))
        }
    }

    /// `clients` sessions call one tool in a loop for `loadSeconds`; returns the highest RSS sampled meanwhile.
    private func measureConcurrency(_ tool: CreditTool, endpoint: String, headers: [String: String], mcp: ServiceProcess) async throws -> Int {
        let sessions = (0..<clients).map { _ in MCPHTTPClient(endpoint: endpoint, headers: headers) }
        for session in sessions { try await session.initialize() }
        let deadline = ContinuousClock.now + .seconds(loadSeconds)
        let started = ContinuousClock.now
        var maxRSS = 0
        let times = try await withThrowingTaskGroup(of: [Double].self) { group in
            for session in sessions {
                group.addTask {
                    var times: [Double] = []
                    while ContinuousClock.now < deadline {
                        let start = ContinuousClock.now
                        let result = try await session.callTool(tool.rawValue)
                        guard !result.isError else { throw BenchError("\(tool.rawValue) failed under load: \(result.text)") }
                        times.append((ContinuousClock.now - start).seconds * 1000)
                    }
                    return times
                }
            }
            while ContinuousClock.now < deadline {
                maxRSS = max(maxRSS, mcp.rssKiB() ?? 0)
                try await Task.sleep(for: .milliseconds(100))
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let elapsed = (ContinuousClock.now - started).seconds
        report(String(format: "%d concurrent clients, %@ for %d s: %.1f calls/s, p50 %.1f ms, p99 %.1f ms (%d calls)",
                     clients, tool.rawValue, loadSeconds, Double(times.count) / elapsed, Percentile.of(times, 50),
                     Percentile.of(times, 99), times.count))
        for session in sessions { try? await session.close() }
        return maxRSS
    }

    /// Builds the events tool's table with `xlsxRows` rows in this process and writes it.
    private func measureXLSX() throws {
        let base = ProcessMemory.statusKiB("VmRSS") ?? 0
        let start0: Int64 = 1_767_225_600
        let table = ReportTable(title: CreditTool.events.rawValue, columns: CreditTool.events.columns, rows: (0..<xlsxRows).map { i in
            [.dateTime(start0 + Int64(i) * 7), .text("user-\(i % 40)@tenant-01.example"), .text(["chat", "search", "image"][i % 3]),
             .text(["assistant", "copilot"][i % 2]), .text("tenant-01"), .number(Double(i % 997) / 100)]
        })
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(at: url) }
        let start = ContinuousClock.now
        try XLSXWriter.write(table, to: url)
        let seconds = (ContinuousClock.now - start).seconds
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        let peak = ProcessMemory.statusKiB("VmHWM") ?? 0
        report(String(format: "xlsx of %d event rows: %.3f s to write (%.1f MiB file); process peak RSS %.1f MiB (%.1f MiB above the baseline, rows included)",
                     xlsxRows, seconds, Double(size) / 1_048_576, Double(peak) / 1024, Double(peak - base) / 1024))
    }

    private func executable(_ name: String) throws -> URL {
        try Self.executable(name, bin: bin)
    }

    static func executable(_ name: String, bin: String?) throws -> URL {
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

    /// "N rows" from the result's note or table, for the printout.
    static func rowSummary(_ markdown: String) -> String {
        let tableRows = markdown.split(separator: "\n").filter { $0.hasPrefix("| ") }.count - 1
        if let range = markdown.range(of: #"of [0-9,]+ rows"#, options: .regularExpression) { return String(markdown[range]) }
        return "\(max(0, tableRows)) rows"
    }
}

/// Writes a line straight to stdout, unbuffered, so figures appear as they are measured even through a pipe.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
