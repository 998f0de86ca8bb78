import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StackClients

/// stackctl's port as the dashboard's page uses it: the control token from the state dir, the cookie, and the
/// live event stream read as it arrives.
struct DashboardClient: Sendable {
    let base: String
    let port: Int
    let token: String
    let http = HTTPRequester(client: Self.noRedirects, timeout: .seconds(60))

    /// The page's first request answers 303 with the cookie: it must be seen, not followed.
    static let noRedirects = HTTPClient(eventLoopGroupProvider: .singleton,
                                        configuration: .init(redirectConfiguration: .disallow))

    init(_ stack: StackctlRun) throws {
        guard let port = stack.controlPort() else { throw StackTestError("no control port in stackctl.json") }
        guard let token = try? String(contentsOf: stack.stateDir.appendingPathComponent("control-token"), encoding: .utf8) else {
            throw StackTestError("no control token in the state dir")
        }
        self.port = port
        base = "http://127.0.0.1:\(port)"
        self.token = token.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The page's cookie, got as a browser gets it: the printed URL answers 303 with `Set-Cookie`.
    func loginCookie() async throws -> (String, String) {
        let reply = try await get("/dashboard?token=\(token)")
        guard reply.status == 303, let pair = reply.headers.first(name: "Set-Cookie")?.split(separator: ";").first else {
            throw StackTestError("the dashboard login answered HTTP \(reply.status) without a cookie")
        }
        return ("Cookie", String(pair))
    }
    var bearer: (String, String) { ("Authorization", "Bearer \(token)") }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPReply {
        try await http.get(base + path, headers: headers)
    }

    /// A mutating call as the page makes it: bearer token, JSON body, its own origin.
    func send(_ method: HTTPMethod, _ path: String, json: String? = nil, headers: [(String, String)]? = nil) async throws -> HTTPReply {
        let given = headers ?? [bearer, ("Origin", base)]
        return try await http.send(method, base + path, headers: given + [("Content-Type", "application/json")],
                                   body: json.map { Array($0.utf8) })
    }

    func json(_ reply: HTTPReply) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any] else {
            throw StackTestError("not a JSON object: \(reply.text)")
        }
        return object
    }
}

/// `GET /dashboard/events` held open: each event as it arrives, until `until` returns true or the timeout.
struct DashboardEvents {
    struct Event: Sendable {
        var name: String
        var data: String
        var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] }
    }

    /// Opens the stream (with the dashboard cookie), runs `trigger` once it is open, and reads events until `until`
    /// is true for one of them; returns that event, or throws after `timeout`.
    static func await(
        _ client: DashboardClient, query: String = "", timeout: Duration = .seconds(60),
        trigger: @escaping @Sendable () async throws -> Void, until: @escaping @Sendable (Event) -> Bool
    ) async throws -> Event {
        try await withThrowingTaskGroup(of: Event.self) { group in
            group.addTask { try await read(client, query: query, trigger: trigger, until: until) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw StackTestError("no matching dashboard event within \(timeout)")
            }
            let event = try await group.next()!
            group.cancelAll()
            return event
        }
    }

    private static func read(
        _ client: DashboardClient, query: String,
        trigger: @Sendable () async throws -> Void, until: (Event) -> Bool
    ) async throws -> Event {
        var request = HTTPClientRequest(url: client.base + "/dashboard/events" + query)
        let cookie = try await client.loginCookie()
        request.headers.add(name: cookie.0, value: cookie.1)
        let response = try await HTTPClient.shared.execute(request, timeout: .hours(1))
        guard response.status == .ok else { throw StackTestError("event stream: HTTP \(response.status)") }
        var buffer = ""
        var triggered = false
        for try await chunk in response.body {
            buffer += String(buffer: chunk)
            while let end = buffer.range(of: "\n\n") {
                let block = String(buffer[..<end.lowerBound])
                buffer = String(buffer[end.upperBound...])
                var name = "message"
                var data = ""
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                }
                if block.hasPrefix(":") { continue }
                let event = Event(name: name, data: data)
                if triggered, until(event) { return event }
                // The first snapshot says the stream is live: act now, so no change can come before we listen.
                if !triggered, name == "snapshot" {
                    triggered = true
                    try await trigger()
                }
            }
        }
        throw StackTestError("the event stream ended before the expected event")
    }
}
