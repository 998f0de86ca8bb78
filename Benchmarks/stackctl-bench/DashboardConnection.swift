import AsyncHTTPClient
import BenchmarkSupport
import Foundation
import NIOHTTP1
import StackClients
import Synchronization

/// stackctl's port as an open dashboard page uses it: pages with the cookie, the control API with the bearer token,
/// and the live event stream. AsyncHTTPClient sends `Host: 127.0.0.1:PORT`, which the host check wants.
struct DashboardConnection: Sendable {
    let base: String
    let token: String
    /// `name=value` from the page's first visit (`/dashboard?token=…` answers 303 with `Set-Cookie`).
    let cookie: String
    let http = HTTPRequester(client: Self.client, timeout: .seconds(30))

    /// Redirects are not followed: the login's 303 carries the cookie.
    static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    /// Opens the dashboard as a browser does the printed URL, keeping the cookie it sets.
    static func login(base: String, token: String) async throws -> DashboardConnection {
        let reply = try await HTTPRequester(client: client, timeout: .seconds(30)).get(base + "/dashboard?token=\(token)")
        guard reply.status == 303, let setCookie = reply.headers.first(name: "Set-Cookie"),
              let pair = setCookie.split(separator: ";").first else {
            throw BenchError("the dashboard login answered HTTP \(reply.status) without a cookie")
        }
        return DashboardConnection(base: base, token: token, cookie: String(pair))
    }

    /// One request: milliseconds from just before sending to the whole body read.
    struct Timed: Sendable {
        var ms: Double
        var status: Int
        var bytes: Int
    }

    /// `GET path` as a page load (with the cookie) or as a plain probe (without).
    func get(_ path: String, withCookie: Bool = true) async throws -> Timed {
        let start = ContinuousClock.now
        let reply = try await http.get(base + path, headers: withCookie ? [("Cookie", cookie)] : [])
        return Timed(ms: (ContinuousClock.now - start).seconds * 1000, status: reply.status, bytes: reply.body.count)
    }

    /// `POST path` as the page's buttons send it: the bearer token and its own origin.
    func post(_ path: String) async throws -> Timed {
        let start = ContinuousClock.now
        let reply = try await http.send(.POST, base + path, headers: [("Authorization", "Bearer \(token)"), ("Origin", base)])
        return Timed(ms: (ContinuousClock.now - start).seconds * 1000, status: reply.status, bytes: reply.body.count)
    }

    /// A control-API call with the bearer token and an optional JSON body; the whole answer.
    func call(_ method: HTTPMethod, _ url: String, json: String? = nil) async throws -> (timed: Timed, body: [UInt8]) {
        let start = ContinuousClock.now
        let reply = try await http.send(method, url, headers: [("Authorization", "Bearer \(token)"), ("Origin", base), ("Content-Type", "application/json")],
                                        body: json.map { Array($0.utf8) })
        return (Timed(ms: (ContinuousClock.now - start).seconds * 1000, status: reply.status, bytes: reply.body.count), reply.body)
    }

    func openEvents(_ path: String = "/dashboard/events") -> LiveEvents {
        LiveEvents(url: base + path, cookie: cookie)
    }
}

/// `GET /dashboard/events` held open as a page holds it. Each event is stamped with the moment its bytes arrived,
/// so how soon the benchmark gets round to looking at it does not count.
final class LiveEvents: Sendable {
    struct Received: Sendable {
        var at: ContinuousClock.Instant
        var name: String?
        var data: String
    }

    /// Bytes and events delivered so far (pings are bytes, not events).
    final class Tally: Sendable {
        let bytes = Atomic<Int>(0)
        let events = Atomic<Int>(0)
    }

    /// Every event, in order; one consumer at a time. Fails when the stream cannot open or ends.
    let received: AsyncThrowingStream<Received, any Error>
    let tally = Tally()
    private let reader: Task<Void, Never>

    init(url: String, cookie: String) {
        let (stream, continuation) = AsyncThrowingStream<Received, any Error>.makeStream()
        received = stream
        reader = Task { [tally] in
            do {
                var request = HTTPClientRequest(url: url)
                request.headers.add(name: "Cookie", value: cookie)
                request.headers.add(name: "Accept", value: "text/event-stream")
                let response = try await HTTPClient.shared.execute(request, timeout: .hours(24))
                guard response.status.code == 200 else { throw BenchError("\(url) answered HTTP \(response.status.code)") }
                var parser = ServerSentEventParser()
                for try await chunk in response.body {
                    let at = ContinuousClock.now
                    tally.bytes.add(chunk.readableBytes, ordering: .relaxed)
                    for event in parser.feed(chunk.readableBytesView) {
                        tally.events.add(1, ordering: .relaxed)
                        continuation.yield(Received(at: at, name: event.event, data: event.data))
                    }
                }
                continuation.finish(throwing: BenchError("\(url): the event stream ended"))
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    /// Closes the stream, as a page that goes away does.
    func close() { reader.cancel() }

    deinit { reader.cancel() }
}

/// The fields of an `event: snapshot` the benchmark looks at.
struct SnapshotView: Decodable, Sendable {
    struct Process: Decodable, Sendable {
        var name: String
        var state: String
        var healthy: Bool
        var pid: Int32?
    }

    var state: String
    var processes: [Process]

    static func decode(_ event: LiveEvents.Received) -> SnapshotView? {
        guard event.name == "snapshot" else { return nil }
        return try? JSONDecoder().decode(SnapshotView.self, from: Data(event.data.utf8))
    }

    func process(_ name: String) -> Process? { processes.first { $0.name == name } }
}

/// `body`, or a failure naming `what` once `limit` passes first.
func within<T: Sendable>(_ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw BenchError("\(what): not within \(limit)")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Runs async work from the synchronous command and waits for it. The work only does HTTP, sleeps and reads /proc,
/// so blocking this (the main) thread starves nothing.
func blockingAwait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = Outcome<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        outcome.value.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    return try outcome.value.withLock { $0! }.get()
}

/// Where the async work leaves its result for the waiting thread.
private final class Outcome<T: Sendable>: Sendable {
    let value = Mutex<Result<T, any Error>?>(nil)
}
