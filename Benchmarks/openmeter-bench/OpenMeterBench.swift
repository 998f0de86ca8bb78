import ArgumentParser
import BenchmarkSupport
import FakeOpenMeter
import Foundation
import ProcessSupport

/// Measures fake-openmeter as a real process over HTTP beside plain SQLite floors measured in the
/// same run: batch ingest, a tenant's 7-day meter query (grouped and not), a v2 read of the same
/// range, database size and peak RSS, once per data shape.
/// Run on a release build with `scripts/bench.sh`, which builds the server and this tool in release mode.
@main
struct OpenMeterBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openmeter-bench",
        abstract: "Benchmark fake-openmeter beside plain SQLite floors: ingest, 7-day query, v2 read, size, memory.",
        discussion: """
            Per data shape: generates --events events (seed 7) for --tenants tenants
            over --days days ending at the last whole hour, puts them in --order,
            cuts them into batches of --batch and serializes them before the clock
            starts. Then, against a fresh fake-openmeter on a fresh data file:
              ingest     the batches over HTTP, --concurrency in flight; events/s;
                         GET /_fake/stats must then count every event
              query      tenant-01's last 7 days of the ai_credits meter, grouped
                         by user, module, product, tenant, skill and ungrouped;
                         p50/p99 over --repetitions
              v2 read    the same range from /api/v2/events in pages of 100
              size, RSS  the data file with its WAL; the server's peak memory
            With the server stopped, plain SQLite floors in this process on files
            of their own (WAL, synchronous=NORMAL), over the same batches:
              ingest     one transaction a batch, a prepared INSERT OR IGNORE into
                         events(seq, id, source, type, subject, time, data),
                         UNIQUE(source, id), indexed on (subject, time)
              query      the same query in SQL over a typed usage table
              v2 read    the range from that events table, newest first
            Lines start with the shape's name; at the end a table per shape sets
            each figure beside its floor.
            """
    )

    @Option(help: "Events to generate and ingest per shape.") var events = 1_000_000
    @Option(help: "Tenants (subjects) the events are spread over; tenant-01 is the one queried.") var tenants = 10
    @Option(help: "Days the events cover, ending at the last whole hour.") var days = 30
    @Option(help: "Events per ingest batch (one HTTP request; one transaction in the ingest floor).") var batch = 1_000
    @Option(help: "Ingest requests in flight at once.") var concurrency = 4
    @Option(help: "Timed repetitions of each query (after 5 warm-ups); whole v2 reads: a fortieth of it, at least 3.")
    var repetitions = 200
    @Option(help: "Data shape: demo (4, 7 or 10 users a tenant, few groups), realistic (30 users, ~4,800 groups in a 23,000-event week), or both, one after the other.")
    var shape: ShapeChoice = .both
    @Option(help: "Arrival order: random (a seeded shuffle, so times arrive out of order) or time (as generated, times rising).")
    var order: ArrivalOrder = .random
    @Option(help: "fake-openmeter executable (default: next to this binary).") var server: String?

    enum ShapeChoice: String, ExpressibleByArgument, CaseIterable {
        case demo, realistic, both

        var shapes: [(name: String, shape: DataShape)] {
            switch self {
            case .demo: [("demo", .demo)]
            case .realistic: [("realistic", .realistic)]
            case .both: [("demo", .demo), ("realistic", .realistic)]
            }
        }
    }

    func validate() throws {
        guard events > 0, tenants > 0, days > 0, batch > 0, concurrency > 0, repetitions > 0 else {
            throw ValidationError("--events, --tenants, --days, --batch, --concurrency and --repetitions must be positive")
        }
    }

    func run() async throws {
        let executable = try server.map { URL(fileURLWithPath: $0) } ?? BuiltProducts.executable("fake-openmeter")
        report("server: \(executable.path)")
        report("openmeter-bench: \(events) events, \(tenants) tenants, \(days) days, \(order.rawValue) order, batches of \(batch), \(concurrency) in flight, \(repetitions) repetitions")
        var tables: [String] = []
        for (name, shape) in shape.shapes {
            let run = ShapeRun(name: name, shape: shape, options: self, executable: executable)
            tables += try await run.measure()
        }
        report("")
        report("ratio: how many times the floor's cost fake-openmeter pays (ingest: floor events/s / server events/s; times and size: server / floor)")
        for line in tables { report(line) }
    }
}

extension ArrivalOrder: ExpressibleByArgument {}

/// One shape measured end to end: data, server, floors; prints as it goes and returns the summary table.
struct ShapeRun {
    let name: String
    let shape: DataShape
    let options: OpenMeterBench
    let executable: URL

    func line(_ text: String) {
        report("\(name): \(text)")
    }

    func measure() async throws -> [String] {
        line("shape: \(shape.summary)")
        let plan = SeedPlan(tenants: options.tenants, events: options.events, days: options.days, seed: 7, end: SeedPlan.lastWholeHour(), shape: shape)
        if let problem = plan.problem { throw BenchError(problem) }
        let data = BenchData(plan: plan, order: options.order, batchSize: options.batch)
        let range = TenantRange(subject: plan.tenantIDs[0], from: plan.end - 7 * 86400, to: plan.end)
        let readRepetitions = max(3, options.repetitions / 40)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("om-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let server = try await measureServer(data, range: range, readRepetitions: readRepetitions, directory: directory)
        let floors = try SQLiteFloors(directory: directory, range: range, repetitions: options.repetitions, readRepetitions: readRepetitions).measure(data)
        printFloors(floors)
        check(server, floors)
        return table(server, floors)
    }

    private func measureServer(_ data: BenchData, range: TenantRange, readRepetitions: Int, directory: URL) async throws -> ServerFigures {
        let dataPath = directory.appendingPathComponent("openmeter.sqlite").path
        // An explicit key, so an OPENMETER_API_KEY in the environment or a .env cannot disagree with it.
        let apiKey = "bench-\(UUID().uuidString)"
        let process = try await ServiceProcess(
            executable: executable,
            arguments: ["--port", "0", "--data", dataPath, "--api-key", apiKey,
                        "--meters", BuiltProducts.packageRoot.appendingPathComponent("compose/meters.yaml").path]
        )
        defer { _ = process.stop() }
        let server = ServerMeasurements(process: process, apiKey: apiKey, concurrency: options.concurrency)
        let count = data.events.count
        var figures = ServerFigures()

        // Serialized before the clock starts: the server's work is what is measured.
        let bodies = data.requestBodies()
        figures.ingestSeconds = try await server.ingest(bodies)
        figures.eventsPerSecond = Double(count) / figures.ingestSeconds
        line(String(format: "ingest: %d events in %.2f s = %.0f events/s", count, figures.ingestSeconds, figures.eventsPerSecond))
        // The first read after ingest waits until every acknowledged event is queryable (its inbox merged).
        let readStart = ContinuousClock.now
        let stored = try await server.storedEventCount()
        let catchUp = (ContinuousClock.now - readStart).seconds
        guard stored == count else { throw BenchError("\(name): /_fake/stats counts \(stored) events, \(count) were ingested") }
        figures.queryableEventsPerSecond = Double(count) / (figures.ingestSeconds + catchUp)
        line(String(format: "stored: /_fake/stats counts %d events; the first read waited %.2f s, so all were queryable %.2f s after the first was sent = %.0f events/s",
                    stored, catchUp, figures.ingestSeconds + catchUp, figures.queryableEventsPerSecond))

        let grouped = try await server.meterQuery(range, groupBy: ServerMeasurements.groupKeys, repetitions: options.repetitions)
        (figures.groupedTimes, figures.groupedRows, figures.groupedTotal) = grouped
        line(String(format: "7-day query (1 tenant, grouped by user, module, product, tenant, skill; %d rows): p50 %.1f ms, p99 %.1f ms",
                    grouped.rows, Percentile.of(grouped.times, 50), Percentile.of(grouped.times, 99)))
        let total = try await server.meterQuery(range, groupBy: [], repetitions: options.repetitions)
        (figures.totalTimes, figures.total) = (total.times, total.total)
        line(String(format: "7-day query (1 tenant, no groupBy; %d rows): p50 %.1f ms, p99 %.1f ms",
                    total.rows, Percentile.of(total.times, 50), Percentile.of(total.times, 99)))

        (figures.pageTimes, figures.readTimes, figures.readEvents) = try await server.v2Read(range, times: readRepetitions)
        line(String(format: "v2 events read (1 tenant, 7 days, %d events, pages of 100): page p50 %.1f ms, p99 %.1f ms; whole read p50 %.0f ms",
                    figures.readEvents, Percentile.of(figures.pageTimes, 50), Percentile.of(figures.pageTimes, 99), Percentile.of(figures.readTimes, 50)))

        // The inbox file the server keeps beside its data file counts too.
        figures.databaseBytes = databaseBytes(dataPath) + databaseBytes(dataPath + ".inbox")
        line(String(format: "database size: %.1f MiB (%.0f bytes/event)", Self.mebibytes(figures.databaseBytes), Double(figures.databaseBytes) / Double(count)))
        figures.peakRSSKiB = process.peakRSSKiB()
        if let peak = figures.peakRSSKiB {
            line(String(format: "server peak RSS: %.1f MiB", Double(peak) / 1024))
        }
        return figures
    }

    private func printFloors(_ floors: SQLiteFloors.Figures) {
        line("floor SQLite: \(floors.settings)")
        line(String(format: "floor ingest: %.0f events/s (single-threaded, one transaction a batch of %d)", floors.eventsPerSecond, options.batch))
        line(String(format: "floor 7-day query (grouped; %d rows): p50 %.2f ms, p99 %.2f ms",
                    floors.groupedRows, Percentile.of(floors.groupedTimes, 50), Percentile.of(floors.groupedTimes, 99)))
        line(String(format: "floor 7-day query (no GROUP BY): p50 %.2f ms, p99 %.2f ms",
                    Percentile.of(floors.totalTimes, 50), Percentile.of(floors.totalTimes, 99)))
        line(String(format: "floor v2 read (%d events, one SELECT): whole read p50 %.1f ms", floors.readEvents, Percentile.of(floors.readTimes, 50)))
        line(String(format: "floor database size: %.1f MiB (events table)", Self.mebibytes(floors.databaseBytes)))
    }

    /// The server's answers must match plain SQL over the same events.
    private func check(_ server: ServerFigures, _ floors: SQLiteFloors.Figures) {
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-6 * max(1, abs(b)) }
        var mismatches: [String] = []
        if server.groupedRows != floors.groupedRows { mismatches.append("grouped rows \(server.groupedRows) vs \(floors.groupedRows)") }
        if !close(server.groupedTotal, floors.total) { mismatches.append("grouped credits \(server.groupedTotal) vs \(floors.total)") }
        if !close(server.total, floors.total) { mismatches.append("credits \(server.total) vs \(floors.total)") }
        if server.readEvents != floors.readEvents { mismatches.append("v2 events \(server.readEvents) vs \(floors.readEvents)") }
        line(mismatches.isEmpty
            ? String(format: "check: server and floor agree (%d groups, %d events, %.2f credits)", floors.groupedRows, floors.readEvents, floors.total)
            : "check: MISMATCH server vs floor: " + mismatches.joined(separator: "; "))
    }

    private func table(_ server: ServerFigures, _ floors: SQLiteFloors.Figures) -> [String] {
        func ms(_ values: [Double]) -> Double { Percentile.of(values, 50) }
        let rows: [(String, Double, Double?, Double?, String)] = [
            ("ingest, acknowledged (events/s)", server.eventsPerSecond, floors.eventsPerSecond, floors.eventsPerSecond / server.eventsPerSecond, "%.0f"),
            ("ingest, queryable (events/s)", server.queryableEventsPerSecond, floors.eventsPerSecond, floors.eventsPerSecond / server.queryableEventsPerSecond, "%.0f"),
            ("grouped query p50 (ms)", ms(server.groupedTimes), ms(floors.groupedTimes), ms(server.groupedTimes) / ms(floors.groupedTimes), "%.2f"),
            ("no-groupBy query p50 (ms)", ms(server.totalTimes), ms(floors.totalTimes), ms(server.totalTimes) / ms(floors.totalTimes), "%.2f"),
            ("v2 whole read p50 (ms)", ms(server.readTimes), ms(floors.readTimes), ms(server.readTimes) / ms(floors.readTimes), "%.1f"),
            ("database size (MiB)", Self.mebibytes(server.databaseBytes), Self.mebibytes(floors.databaseBytes),
             Double(server.databaseBytes) / Double(max(floors.databaseBytes, 1)), "%.1f"),
            ("server peak RSS (MiB)", Double(server.peakRSSKiB ?? 0) / 1024, nil, nil, "%.1f"),
        ]
        func cells(_ a: String, _ b: String, _ c: String, _ d: String) -> String {
            "\(name) | " + a.padding(toLength: 32, withPad: " ", startingAt: 0) + " | " + Self.right(b, 14) + " | " + Self.right(c, 12) + " | " + Self.right(d, 7)
        }
        return [cells("what", "fake-openmeter", "floor", "ratio")] + rows.map { what, value, floor, ratio, format in
            cells(what, String(format: format, value), floor.map { String(format: format, $0) } ?? "-",
                  ratio.map { $0.isFinite ? String(format: "%.1fx", $0) : "-" } ?? "-")
        }
    }

    static func right(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    static func mebibytes(_ bytes: Int) -> Double {
        Double(bytes) / 1_048_576
    }
}

/// Writes a line straight to stdout, unbuffered, so figures appear as they are measured even through a pipe.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
