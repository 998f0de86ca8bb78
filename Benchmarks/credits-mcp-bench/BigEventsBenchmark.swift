import BenchmarkSupport
import CreditsMCP
import Foundation
import ProcessSupport
import StackClients
import WireFormats

/// `--mode big-events`: one tenant with `events` events over `days` days, and one `get_credit_events` call over
/// all of them. Prints the call's wall time, credits-mcp's RSS at rest and at its highest during the call
/// (sampled every 20 ms from /proc), the file's size and download time, and whether openpyxl reads every row
/// (with the repository's `.venv`; "skipped: no .venv" otherwise).
struct BigEventsBenchmark {
    let events: Int
    let days: Int
    let bin: String?

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-bench-big-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let openMeterBinary = try CreditsMCPBench.executable("fake-openmeter", bin: bin)
        let dataPath = directory.appendingPathComponent("openmeter.sqlite").path

        let seedStart = ContinuousClock.now
        try CreditsMCPBench.runToCompletion(openMeterBinary, [
            "seed", "--data", dataPath, "--tenants", "1", "--events", "\(events)", "--days", "\(days)", "--seed", "7",
        ])
        report(String(format: "big-events: seeded %d events of tenant-01 over %d days in %.1f s", events, days, (ContinuousClock.now - seedStart).seconds))

        let apiKey = "bench-\(UUID().uuidString)"
        let openMeter = try await ServiceProcess(executable: openMeterBinary, arguments: ["--port", "0", "--data", dataPath, "--api-key", apiKey])
        defer { _ = openMeter.stop() }
        let downloads = directory.appendingPathComponent("downloads")
        // The listing's deadline is 12 request timeouts; a million events need more than the default 120 s
        // when OpenMeter pages slowly, so this mode raises the timeout unless the environment sets one.
        let timeout = ProcessInfo.processInfo.environment["OPENMETER_TIMEOUT_SECONDS"].flatMap { $0.isEmpty ? nil : $0 } ?? "60"
        let mcp = try await ServiceProcess(
            executable: try CreditsMCPBench.executable("credits-mcp", bin: bin), arguments: ["--port", "0"],
            environment: [
                "OPENMETER_URL": openMeter.baseURL, "OPENMETER_API_KEY": apiKey, "DOWNLOAD_DIR": downloads.path,
                "OPENMETER_TIMEOUT_SECONDS": timeout,
            ]
        )
        defer { _ = mcp.stop() }
        // Nothing arrives on the answer's stream until the call is done: no read timeout (HTTPClient.shared has 90 s).
        let requester = HTTPRequester(client: OutboundHTTP.client, timeout: .seconds(1800))
        let client = MCPHTTPClient(
            endpoint: "\(mcp.baseURL)/mcp", headers: ["X-Tenant-Id": "tenant-01", "X-User-Groups": "Administrators"], requester: requester)
        try await client.initialize()

        // Warm up on a small range (loads the code paths), then let the process settle.
        let now = Int64(Date().timeIntervalSince1970)
        let warmUp = try await client.callTool(CreditTool.events.rawValue, stringArguments: ["from": RFC3339.format(seconds: now - 3 * 3600)])
        guard !warmUp.isError else { throw BenchError("warm-up call failed: \(warmUp.text)") }
        try await Task.sleep(for: .seconds(1))
        let rest = mcp.rssKiB() ?? 0
        report(String(format: "credits-mcp RSS at rest: %.1f MiB", Double(rest) / 1024))

        let sampler = Task {
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, mcp.rssKiB() ?? 0)
                try? await Task.sleep(for: .milliseconds(20))
            }
            return peak
        }
        let from = RFC3339.format(seconds: now - Int64(days) * 86400 - 7200)
        let cpuBefore = (mcp: ProcessCPU.seconds(pid: mcp.pid) ?? 0, openMeter: ProcessCPU.seconds(pid: openMeter.pid) ?? 0)
        let start = ContinuousClock.now
        let result = try await client.callTool(CreditTool.events.rawValue, stringArguments: ["from": from])
        let elapsed = (ContinuousClock.now - start).seconds
        let cpu = (mcp: (ProcessCPU.seconds(pid: mcp.pid) ?? 0) - cpuBefore.mcp, openMeter: (ProcessCPU.seconds(pid: openMeter.pid) ?? 0) - cpuBefore.openMeter)
        sampler.cancel()
        let peak = max(await sampler.value, mcp.rssKiB() ?? 0)
        guard !result.isError else { throw BenchError("get_credit_events over the whole range failed: \(result.text)") }
        let rows = Self.totalRows(result.text) ?? -1
        let sheets = Self.sheetCount(result.text)
        report(String(format: "get_credit_events over all events of tenant-01 (%d days): %.2f s end to end, %d rows (%.0f rows/s), %d sheet(s)",
                      days, elapsed, rows, Double(max(rows, 0)) / elapsed, sheets))
        report(String(format: "CPU during the call: credits-mcp %.1f s (%.1f µs per event), fake-openmeter %.1f s (OPENMETER_TIMEOUT_SECONDS=%@)",
                      cpu.mcp, cpu.mcp / Double(max(rows, 1)) * 1e6, cpu.openMeter, timeout))
        report(String(format: "credits-mcp RSS during the call: peak %.1f MiB (sampled every 20 ms), growth over rest %.1f MiB (goal: under 100 MB = 95.4 MiB)",
                      Double(peak) / 1024, Double(peak - rest) / 1024))
        if let hwm = mcp.peakRSSKiB() {
            report(String(format: "credits-mcp VmHWM (peak RSS over its life): %.1f MiB", Double(hwm) / 1024))
        }
        guard rows == events else { throw BenchError("the answer lists \(rows) rows, \(events) events were seeded") }

        guard let range = result.text.range(of: "/download/") else { throw BenchError("no download link in the answer") }
        let token = String(result.text[range.upperBound...].prefix { $0 != ")" })
        let downloadStart = ContinuousClock.now
        let reply = try await requester.get("\(mcp.baseURL)/download/\(token)")
        let downloadSeconds = (ContinuousClock.now - downloadStart).seconds
        guard reply.status == 200 else { throw BenchError("the download answered \(reply.status)") }
        let file = directory.appendingPathComponent("events.xlsx")
        try Data(reply.body).write(to: file)
        report(String(format: "download: %.1f MiB in %.2f s", Double(reply.body.count) / 1_048_576, downloadSeconds))

        try openpyxlCheck(file, expectedRows: rows)
    }

    /// Opens the file with openpyxl (read-only) and counts every data row of every sheet.
    private func openpyxlCheck(_ file: URL, expectedRows: Int) throws {
        let candidates = [
            BuiltProducts.packageRoot.appendingPathComponent(".venv/bin/python"),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".venv/bin/python"),
        ]
        guard let python = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            report("openpyxl check: skipped: no .venv")
            return
        }
        let script = """
            import json, sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
            sheets = []
            for name in wb.sheetnames:
                rows = wb[name].iter_rows(values_only=True)
                header = list(next(rows))
                count = sum(1 for row in rows if row[0] is not None and row[-1] is not None)
                sheets.append({"name": name, "rows": count, "header": header})
            print(json.dumps(sheets))
            """
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script, file.path]
        let output = Pipe()
        process.standardOutput = output
        let start = ContinuousClock.now
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let seconds = (ContinuousClock.now - start).seconds
        guard process.terminationStatus == 0,
              let sheets = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw BenchError("openpyxl could not read the file (exit \(process.terminationStatus))")
        }
        let counts = sheets.map { $0["rows"] as? Int ?? 0 }
        let names = sheets.map { $0["name"] as? String ?? "?" }
        let headersOK = sheets.allSatisfy { ($0["header"] as? [String]) == CreditTool.events.columns.map(\.name) }
        let total = counts.reduce(0, +)
        report(String(format: "openpyxl: read %d data rows in %d sheet(s) %@ in %.1f s; header on every sheet: %@; every row: %@",
                      total, sheets.count, "\(zip(names, counts).map { "\($0.0)=\($0.1)" })", seconds,
                      headersOK ? "yes" : "NO", total == expectedRows ? "yes" : "NO (expected \(expectedRows))"))
        guard total == expectedRows, headersOK else { throw BenchError("openpyxl did not find every row") }
    }

    /// The `M` of "Showing the first N of M rows", or of "across M events".
    static func totalRows(_ text: String) -> Int? {
        for pattern in [#"of ([0-9]+) rows"#, #"across ([0-9]+) events"#] {
            if let range = text.range(of: pattern, options: .regularExpression) {
                let digits = text[range].filter(\.isNumber)
                return Int(digits)
            }
        }
        return nil
    }

    /// "the Excel file has N sheets" in the answer, else 1.
    static func sheetCount(_ text: String) -> Int {
        guard let range = text.range(of: #"has [0-9]+ sheets"#, options: .regularExpression) else { return 1 }
        return Int(text[range].filter(\.isNumber)) ?? 1
    }
}
