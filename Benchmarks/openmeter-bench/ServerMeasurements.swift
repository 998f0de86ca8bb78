import AsyncHTTPClient
import BenchmarkSupport
import Foundation
import NIOCore
import ProcessSupport
import WireFormats

/// fake-openmeter's figures for one run, measured over HTTP against a real process.
struct ServerFigures {
    var ingestSeconds = 0.0
    var eventsPerSecond = 0.0
    /// Events over the time from the first send until a read saw them all (ingest plus the inbox catch-up).
    var queryableEventsPerSecond = 0.0
    var groupedTimes: [Double] = []
    var groupedRows = 0
    var groupedTotal = 0.0
    var totalTimes: [Double] = []
    var total = 0.0
    var pageTimes: [Double] = []
    var readTimes: [Double] = []
    var readEvents = 0
    var databaseBytes = 0
    var peakRSSKiB: Int?
}

/// Drives one fake-openmeter process: ingest, the stored count, meter queries, v2 reads.
struct ServerMeasurements {
    static let groupKeys = ["user", "module", "product", "tenant", "skill"]

    let process: ServiceProcess
    let apiKey: String
    let concurrency: Int
    let client = HTTPClient.shared

    var authorization: String { "Bearer \(apiKey)" }

    /// Posts every body, `concurrency` in flight; returns the seconds from the first request to the last answer.
    func ingest(_ bodies: [ByteBuffer]) async throws -> Double {
        let url = "\(process.baseURL)/api/v1/events"
        let authorization = authorization
        let client = client
        @Sendable func post(_ body: ByteBuffer) async throws {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/cloudevents-batch+json")
            request.headers.add(name: "Authorization", value: authorization)
            request.body = .bytes(body)
            let response = try await client.execute(request, timeout: .seconds(60))
            guard response.status.code == 204 else {
                let text = String(buffer: try await response.body.collect(upTo: 64 * 1024))
                throw BenchError("ingest answered \(response.status.code): \(text)")
            }
        }
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            while next < min(concurrency, bodies.count) {
                let body = bodies[next]
                group.addTask { try await post(body) }
                next += 1
            }
            while try await group.next() != nil, next < bodies.count {
                let body = bodies[next]
                group.addTask { try await post(body) }
                next += 1
            }
            try await group.waitForAll()
        }
        return (ContinuousClock.now - started).seconds
    }

    /// The events the server holds, from `GET /_fake/stats`.
    func storedEventCount() async throws -> Int {
        let (_, body) = try await timedGet("\(process.baseURL)/_fake/stats")
        guard case .number(let count)? = try JSONParser.parse(Array(body.utf8))["events"] else {
            throw BenchError("/_fake/stats has no events count: \(body)")
        }
        return Int(count)
    }

    /// Times `GET /api/v1/meters/ai_credits/query` over the range (5 untimed warm-ups first);
    /// returns the times in ms, the rows of the last answer and the sum of their values.
    func meterQuery(_ range: TenantRange, groupBy: [String], repetitions: Int) async throws -> (times: [Double], rows: Int, total: Double) {
        let url = "\(process.baseURL)/api/v1/meters/ai_credits/query?subject=\(range.subject)"
            + "&from=\(RFC3339.format(seconds: range.from))&to=\(RFC3339.format(seconds: range.to))"
            + groupBy.map { "&groupBy=\($0)" }.joined()
        var times: [Double] = []
        var body = ""
        for i in 0..<(repetitions + 5) {
            let (ms, text) = try await timedGet(url)
            if i >= 5 { times.append(ms) }
            body = text
        }
        guard case .array(let rows)? = try JSONParser.parse(Array(body.utf8))["data"] else {
            throw BenchError("meter query answer without data: \(body.prefix(200))")
        }
        let total = rows.reduce(0.0) { sum, row in
            if case .number(let value)? = row["value"] { return sum + value }
            return sum
        }
        return (times, rows.count, total)
    }

    /// Reads the range through `GET /api/v2/events` in pages of 100, `times` over.
    func v2Read(_ range: TenantRange, times: Int) async throws -> (pageTimes: [Double], readTimes: [Double], events: Int) {
        let filter = "{\"subject\":{\"$eq\":\"\(range.subject)\"},\"time\":{\"$and\":[{\"$gte\":\"\(RFC3339.format(seconds: range.from))\"},{\"$lt\":\"\(RFC3339.format(seconds: range.to))\"}]}}"
        let encodedFilter = Self.percentEncoded(filter)
        var pageTimes: [Double] = []
        var readTimes: [Double] = []
        var events = 0
        for _ in 0..<times {
            var cursor: String?
            var count = 0
            let readStart = ContinuousClock.now
            repeat {
                var url = "\(process.baseURL)/api/v2/events?limit=100&filter=\(encodedFilter)"
                if let cursor { url += "&cursor=\(Self.percentEncoded(cursor))" }
                let (ms, body) = try await timedGet(url)
                pageTimes.append(ms)
                let page = try JSONParser.parse(Array(body.utf8))
                guard case .array(let items)? = page["items"] else { throw BenchError("v2 page without items") }
                count += items.count
                cursor = items.isEmpty ? nil : page["nextCursor"]?.stringValue
            } while cursor != nil
            readTimes.append((ContinuousClock.now - readStart).seconds * 1000)
            events = count
        }
        return (pageTimes, readTimes, events)
    }

    /// A GET with the bearer key; the time in ms to the whole body, and the body.
    func timedGet(_ url: String) async throws -> (Double, String) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: authorization)
        let start = ContinuousClock.now
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        let ms = (ContinuousClock.now - start).seconds * 1000
        guard response.status.code == 200 else { throw BenchError("GET \(url) answered \(response.status.code): \(String(buffer: body))") }
        return (ms, String(buffer: body))
    }

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}

/// Bytes of an SQLite database with its WAL and shared-memory files.
func databaseBytes(_ path: String) -> Int {
    ["", "-wal", "-shm"].compactMap { try? FileManager.default.attributesOfItem(atPath: path + $0)[.size] as? Int }.reduce(0, +)
}
