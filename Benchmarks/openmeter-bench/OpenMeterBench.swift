import ArgumentParser
import BenchmarkSupport
import AsyncHTTPClient
import FakeOpenMeter
import Foundation
import NIOCore
import ProcessSupport
import WireFormats

/// Measures fake-openmeter as a real process over HTTP: batch ingest throughput, a tenant's
/// 7-day grouped meter query, a v2 read of the same range, database size and peak RSS.
/// Run on a release build with `scripts/bench.sh`, which builds the server and this tool in release mode.
@main
struct OpenMeterBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openmeter-bench",
        abstract: "Benchmark fake-openmeter: ingest, 7-day query, v2 read, size, memory."
    )

    @Option(help: "Events to ingest.") var events = 1_000_000
    @Option(help: "Tenants (subjects).") var tenants = 10
    @Option(help: "Days the events cover.") var days = 30
    @Option(help: "Events per ingest batch.") var batch = 1_000
    @Option(help: "Concurrent ingest requests.") var concurrency = 4
    @Option(help: "Timed repetitions of each query.") var repetitions = 200
    @Option(help: "fake-openmeter executable (default: next to this binary).") var server: String?

    func run() async throws {
        let executable = try server.map { URL(fileURLWithPath: $0) } ?? BuiltProducts.executable("fake-openmeter")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("om-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let dataPath = directory.appendingPathComponent("openmeter.sqlite").path
        // An explicit key, so an OPENMETER_API_KEY in the environment or a .env cannot disagree with it.
        let apiKey = "bench-\(UUID().uuidString)"
        let process = try await ServiceProcess(
            executable: executable,
            arguments: ["--port", "0", "--data", dataPath, "--api-key", apiKey,
                        "--meters", BuiltProducts.packageRoot.appendingPathComponent("compose/meters.yaml").path]
        )
        defer { _ = process.stop() }
        print("server: \(executable.path)")
        let client = HTTPClient.shared
        let authorization = "Bearer \(apiKey)"
        print("fake-openmeter bench: \(events) events, \(tenants) tenants, \(days) days, batches of \(batch), \(concurrency) in flight")

        // Batches are serialized before the clock starts: the server's work is what is measured.
        let end = SeedPlan.lastWholeHour()
        let plan = SeedPlan(tenants: tenants, events: events, days: days, seed: 7, end: end)
        var bodies: [ByteBuffer] = []
        var current = JSONWriter(capacity: batch * 300)
        var inBatch = 0
        current.raw("[")
        for event in DemoDataGenerator(plan: plan) {
            if inBatch > 0 { current.raw(",") }
            Self.write(event, into: &current)
            inBatch += 1
            if inBatch == batch {
                current.raw("]")
                bodies.append(ByteBuffer(bytes: current.bytes))
                current = JSONWriter(capacity: batch * 300)
                current.raw("[")
                inBatch = 0
            }
        }
        if inBatch > 0 { current.raw("]"); bodies.append(ByteBuffer(bytes: current.bytes)) }

        let ingestURL = "\(process.baseURL)/api/v1/events"
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func post(_ body: ByteBuffer) async throws {
                var request = HTTPClientRequest(url: ingestURL)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/cloudevents-batch+json")
                request.headers.add(name: "Authorization", value: authorization)
                request.body = .bytes(body)
                let response = try await client.execute(request, timeout: .seconds(60))
                guard response.status.code == 204 else { throw BenchError("ingest answered \(response.status.code)") }
            }
            while next < min(concurrency, bodies.count) {
                let body = bodies[next]
                group.addTask { try await post(body) }
                next += 1
            }
            while try await group.next() != nil {
                if next < bodies.count {
                    let body = bodies[next]
                    group.addTask { try await post(body) }
                    next += 1
                }
            }
        }
        let ingestSeconds = (ContinuousClock.now - started).seconds
        print(String(format: "ingest: %d events in %.2f s = %.0f events/s", events, ingestSeconds, Double(events) / ingestSeconds))

        let tenant = plan.tenantIDs[0]
        let to = end
        let from = to - 7 * 86400
        let fromText = RFC3339.format(seconds: from), toText = RFC3339.format(seconds: to)
        let queryURL = "\(process.baseURL)/api/v1/meters/ai_credits/query?subject=\(tenant)&from=\(fromText)&to=\(toText)"
            + ["user", "module", "product", "tenant", "skill"].map { "&groupBy=\($0)" }.joined()
        var queryTimes: [Double] = []
        var rows = 0
        for i in 0..<(repetitions + 5) {
            let (ms, body) = try await Self.timedGet(client, queryURL, authorization)
            if i >= 5 { queryTimes.append(ms) }
            rows = body.components(separatedBy: "\"windowStart\"").count - 1
        }
        print(String(format: "7-day query (1 tenant, grouped by user, module, product, tenant, skill; %d rows): p50 %.1f ms, p99 %.1f ms", rows, Percentile.of(queryTimes, 50), Percentile.of(queryTimes, 99)))

        let filter = "{\"subject\":{\"$eq\":\"\(tenant)\"},\"time\":{\"$and\":[{\"$gte\":\"\(fromText)\"},{\"$lt\":\"\(toText)\"}]}}"
        let encodedFilter = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? filter
        var pageTimes: [Double] = []
        var readTimes: [Double] = []
        var readEvents = 0
        for _ in 0..<max(3, repetitions / 40) {
            var cursor: String?
            var count = 0
            let readStart = ContinuousClock.now
            repeat {
                var url = "\(process.baseURL)/api/v2/events?limit=100&filter=\(encodedFilter)"
                if let cursor { url += "&cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor)" }
                let (ms, body) = try await Self.timedGet(client, url, authorization)
                pageTimes.append(ms)
                let page = try JSONParser.parse(Array(body.utf8))
                guard case .array(let items)? = page["items"] else { throw BenchError("v2 page without items") }
                count += items.count
                cursor = items.isEmpty ? nil : page["nextCursor"]?.stringValue
            } while cursor != nil
            readTimes.append((ContinuousClock.now - readStart).seconds * 1000)
            readEvents = count
        }
        print(String(format: "v2 events read (1 tenant, 7 days, %d events, pages of 100): page p50 %.1f ms, p99 %.1f ms; whole read p50 %.0f ms", readEvents, Percentile.of(pageTimes, 50), Percentile.of(pageTimes, 99), Percentile.of(readTimes, 50)))

        let size = ["", "-wal", "-shm"].compactMap { try? FileManager.default.attributesOfItem(atPath: dataPath + $0)[.size] as? Int }.reduce(0, +)
        print(String(format: "database size: %.1f MiB (%.0f bytes/event)", Double(size) / 1_048_576, Double(size) / Double(max(events, 1))))
        if let peak = process.peakRSSKiB() {
            print(String(format: "server peak RSS: %.1f MiB", Double(peak) / 1024))
        }
    }

    static func write(_ event: CloudEvent, into w: inout JSONWriter) {
        w.raw("{\"specversion\":\"1.0\",\"id\":"); w.string(event.id)
        w.raw(",\"source\":"); w.string(event.source)
        w.raw(",\"type\":"); w.string(event.type)
        w.raw(",\"subject\":"); w.string(event.subject)
        w.raw(",\"time\":"); w.string(RFC3339.format(seconds: event.time))
        if let data = event.data { w.raw(",\"data\":"); w.raw(data) }
        w.raw("}")
    }

    static func timedGet(_ client: HTTPClient, _ url: String, _ authorization: String) async throws -> (Double, String) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: authorization)
        let start = ContinuousClock.now
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        let ms = (ContinuousClock.now - start).seconds * 1000
        guard response.status.code == 200 else { throw BenchError("GET \(url) answered \(response.status.code): \(String(buffer: body))") }
        return (ms, String(buffer: body))
    }
}
